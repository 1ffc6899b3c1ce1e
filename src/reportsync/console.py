"""Where output goes: stdout for the product, stderr for diagnostics, GitHub annotations and summary."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from reportsync.errors import Problem

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(problem: Problem, level: str = "error") -> str:
    """A GitHub Actions workflow command that shows the problem on the pull request's diff."""
    props = [f"file={_escape_property(problem.file)}"]
    if problem.line:
        props.append(f"line={problem.line}")
        if problem.col:
            props.append(f"col={problem.col}")
    return f"::{level} {','.join(props)}::{_escape_data(problem.message)}"


@dataclass(frozen=True, slots=True)
class Console:
    """The I/O of one run, passed in so that tests drive the CLI in process."""

    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    env: Mapping[str, str] = field(default_factory=dict)
    color: bool = False
    debug: bool = False
    inp: TextIO = field(default_factory=lambda: sys.stdin)
    secrets: set[str] = field(default_factory=set)
    # The clock (seconds, monotonic) and sleep every wait goes through: tests pass fakes, as HTTPie does.
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    @property
    def in_github(self) -> bool:
        return self.env.get("GITHUB_ACTIONS") == "true"

    def print(self, text: str = "") -> None:
        self.out.write(self.redact(text) + "\n")

    def info(self, text: str) -> None:
        self.err.write(self.redact(text) + "\n")

    def error(self, text: str) -> None:
        self.err.write(f"{self.paint('Error:', '31;1')} {self.redact(text)}\n")

    def log(self, text: str) -> None:
        if self.debug:
            self.err.write(f"debug: {self.redact(text)}\n")

    def problems(self, problems: tuple[Problem, ...] | list[Problem], to_err: bool = True) -> None:
        stream = self.err if to_err else self.out
        for problem in problems:
            stream.write(self.redact(f"{problem}") + "\n")
        self.annotate(problems)

    def annotate(self, problems: tuple[Problem, ...] | list[Problem]) -> None:
        if self.in_github:
            for problem in problems:
                self.err.write(annotation(problem) + "\n")

    def paint(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color else text

    def append_summary(self, markdown: str) -> None:
        path = self.env.get("GITHUB_STEP_SUMMARY")
        if not path:
            return
        try:
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(self.redact(markdown.rstrip("\n")) + "\n\n")
        except OSError as exc:  # the summary is a courtesy: it must not turn a success into a failure
            self.info(f"Warning: cannot write the job summary to GITHUB_STEP_SUMMARY ({exc.strerror}).")
