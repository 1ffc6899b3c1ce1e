"""Where output goes: stdout for the product, stderr for diagnostics, GitHub annotations and summary.

Every write leaves through `Console._emit`: the key redacted, text from outside made inert (escape.py),
characters the stream's encoding cannot hold escaped, a closed pipe noticed. Nothing prints around it.
"""

from __future__ import annotations

import codecs
import re
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from reportsync.errors import Problem
from reportsync.escape import inert_output, shown

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

ENCODING_ERRORS = "reportsync-escape"
REDACTED = "***"


def _escape_unencodable(exc: UnicodeError) -> tuple[str, int]:
    """`\\uXXXX` (a surrogate pair above the BMP): readable in text and still valid inside JSON strings."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    units = exc.object[exc.start : exc.end].encode("utf-16-be", "surrogatepass")
    words = [int.from_bytes(units[i : i + 2], "big") for i in range(0, len(units), 2)]
    return "".join(f"\\u{w:04x}" for w in words), exc.end


codecs.register_error(ENCODING_ERRORS, _escape_unencodable)


def _escape_data(text: str) -> str:
    """GitHub's escaping of a workflow command's data, then every other control shown escaped."""
    return shown(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(problem: Problem, level: str = "error") -> str:
    """A GitHub Actions workflow command that shows the problem on the pull request's diff (one line)."""
    props = [f"file={_escape_property(problem.file)}"]
    if problem.line:
        props.append(f"line={problem.line}")
        if problem.col:
            props.append(f"col={problem.col}")
    return f"::{level} {','.join(props)}::{_escape_data(problem.message)}"


class OutputState:
    """What a run's output has done so far (mutable, shared by the console's copies)."""

    def __init__(self) -> None:
        self.wrote_out = False  # stdout holds (part of) the product: a JSON error must not follow it
        self.committed = False  # changes were sent: a closed stream no longer ends the run
        self.dead: set[int] = set()  # ids of streams found closed after commit


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
    state: OutputState = field(default_factory=OutputState)

    def redact(self, text: str) -> str:
        """`text` with every secret replaced by ***, whatever its letter case."""
        secrets = sorted((s for s in self.secrets if s), key=len, reverse=True)
        if not secrets:
            return text
        return re.sub("|".join(map(re.escape, secrets)), REDACTED, text, flags=re.IGNORECASE)

    @property
    def in_github(self) -> bool:
        return self.env.get("GITHUB_ACTIONS") == "true"

    def print(self, text: str = "") -> None:
        """A piece of the product on stdout; lines are kept, controls and workflow commands defused."""
        self.state.wrote_out = True
        self._emit(self.out, text + "\n", self.color)

    def info(self, text: str) -> None:
        """One line of progress or diagnosis on stderr: line breaks in it are shown escaped."""
        self._emit(self.err, shown(text) + "\n")

    def error(self, text: str) -> None:
        self._emit(self.err, f"{self.paint('Error:', '31;1')} {shown(text)}\n", self.color)

    def log(self, text: str) -> None:
        if self.debug:
            self._emit(self.err, f"debug: {shown(text)}\n")

    def traceback(self, text: str) -> None:
        """A multi-line diagnostic (--debug's traceback): lines kept, everything else made inert."""
        self._emit(self.err, text)

    def problems(self, problems: tuple[Problem, ...] | list[Problem], to_err: bool = True) -> None:
        for problem in problems:
            (self.info if to_err else self.print)(shown(str(problem)))
        self.annotate(problems)

    def annotate(self, problems: tuple[Problem, ...] | list[Problem]) -> None:
        if self.in_github:
            for problem in problems:
                self._emit(self.err, annotation(problem) + "\n", own_commands=True)

    def prompt(self, question: str) -> str:
        """The answer typed to `question` (asked on stderr once everything before it is on screen)."""
        self._flush(self.out)
        self._emit(self.err, question)
        return self.inp.readline()

    def commit(self) -> None:
        """From now on changes are being made: a closed stream must not end the run or change its status."""
        self.state.committed = True

    def paint(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color else text

    def append_summary(self, markdown: str) -> None:
        path = self.env.get("GITHUB_STEP_SUMMARY")
        if not path:
            return
        try:
            with open(path, "a", encoding="utf-8", errors=ENCODING_ERRORS) as handle:
                handle.write(self.safe(markdown.rstrip("\n")) + "\n\n")
        except OSError as exc:  # the summary is a courtesy: it must not turn a success into a failure
            self.info(f"Warning: cannot write the job summary to GITHUB_STEP_SUMMARY ({exc.strerror}).")

    def safe(self, text: str, own_commands: bool = False, color: bool = False) -> str:
        """`text` as any channel may carry it: redacted, controls escaped, no workflow command from data."""
        text = self.redact(text)
        return text if own_commands else inert_output(text, color)

    def _emit(self, stream: TextIO, text: str, color: bool = False, own_commands: bool = False) -> None:
        if id(stream) in self.state.dead:
            return
        text = _encodable(self.safe(text, own_commands, color), stream)
        try:
            stream.write(text)
            stream.flush()  # in order with the other stream, and a closed pipe shows here
        except (BrokenPipeError, ValueError) as exc:
            self._gone(stream, exc)

    def _flush(self, stream: TextIO) -> None:
        try:
            stream.flush()
        except (BrokenPipeError, ValueError) as exc:
            self._gone(stream, exc)

    def _gone(self, stream: TextIO, exc: Exception) -> None:
        """A stream whose reader left (or that was closed): BrokenPipeError before any change is made,
        ignored after, so that nothing printed can change apply's status or hide its result."""
        if isinstance(exc, ValueError) and not getattr(stream, "closed", False):
            raise exc  # not a closed stream: a real bug, reported as one
        if not self.state.committed:
            raise BrokenPipeError from None
        self.state.dead.add(id(stream))


def _encodable(text: str, stream: TextIO) -> str:
    """`text` with what the stream's encoding cannot hold written as \\uXXXX escapes."""
    encoding = getattr(stream, "encoding", None)
    if not encoding or codecs.lookup(encoding).name == "utf-8":
        return text
    return text.encode(encoding, ENCODING_ERRORS).decode(encoding)
