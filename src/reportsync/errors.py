"""The one exception root and the exit statuses every command shares."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    ERROR = 1
    CHANGES = 2  # plan --detailed-exitcode found changes
    REFUSED = 3  # a safety guard refused: stale plan, threshold
    PARTIAL = 4  # apply finished with some changes failed
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as shells report it)


class ReportsyncError(Exception):
    """A known failure: its message is a complete sentence shown to the user as one line."""

    exit_status: ExitStatus = ExitStatus.ERROR

    def __init__(self, message: str, problems: tuple[Problem, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        # Mistakes at places in files: the CLI prints one per line (and annotates them), then the message.
        self.problems = problems

    @property
    def full_text(self) -> str:
        """Every problem on its own line, or the message when there are none."""
        return "\n".join(str(p) for p in self.problems) or self.message

    def __str__(self) -> str:
        return self.message


class UsageError(ReportsyncError):
    """A mistake on the command line; `usage` is the command's usage text (several lines)."""

    def __init__(self, message: str, usage: str) -> None:
        super().__init__(message)
        self.usage = usage


@dataclass(frozen=True, slots=True)
class Problem:
    """One user mistake at a place in a file (line/col are 1-based; 0 when unknown)."""

    file: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}"
            if self.col:
                where += f":{self.col}"
        return f"{where}: {self.message}"


class LoadError(ReportsyncError):
    """A file that cannot be read as YAML report documents."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class InvalidFilesError(ReportsyncError):
    """One or more problems found in the report files; carries all of them."""

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        count = len(problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} found in report files.", problems)


class ConfigError(ReportsyncError):
    """Bad settings: environment variables, project config, command-line flags."""


class PlanError(ReportsyncError):
    """The desired and remote state cannot be reconciled safely (ambiguity, unknown id, ...)."""


class SafetyError(ReportsyncError):
    """A safety guard refused to go on: a stale plan file, a threshold exceeded."""

    exit_status = ExitStatus.REFUSED


class ApiError(ReportsyncError):
    """An HTTP call failed; the message names the call, status, code and every detail."""

    def __init__(
        self,
        method: str,
        path: str,
        status: int | None,
        code: str = "",
        message: str = "",
        details: tuple[tuple[str, str], ...] = (),
        ambiguous: bool = False,
    ) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.code = code
        self.api_message = message
        self.details = details
        self.ambiguous = ambiguous
        super().__init__(self._render())

    def _render(self) -> str:
        head = f"{self.method} {self.path} → "
        head += f"{self.status} {self.code}".strip() if self.status else (self.code or "failed")
        parts = [f"{f}: {m}" if f else m for f, m in self.details]
        text = "; ".join(parts) if parts else self.api_message
        if parts and self.api_message:
            text += f" ({self.api_message})"  # the contract: show the message as well as every detail
        if self.ambiguous:
            text = (text + " " if text else "") + "(the outcome is unknown: it may have been applied)"
        return f"{head}: {text}" if text else head


class TransportError(ApiError):
    """No HTTP answer at all: refused, DNS, timeout, TLS, dropped connection, non-JSON body."""

    def __init__(self, method: str, path: str, reason: str, ambiguous: bool = False) -> None:
        super().__init__(method, path, None, "", reason, (), ambiguous)
