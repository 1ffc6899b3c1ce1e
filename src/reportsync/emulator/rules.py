"""The emulator's armed faults as data: a rule per fault, a verdict per request, the rate-limit bucket."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Literal


@dataclass
class Rule:
    """One armed fault; `count` is how many more requests it hits."""

    kind: Literal[
        "fail", "reset", "slow", "fail_listing", "restart_listing", "drip", "bloat", "raw", "error_2xx"
    ]
    count: int
    method: str = "*"
    glob: str = "*"
    status: int = 0
    delay: float = 0.0
    process_first: bool = True
    pages: int = 0
    size: int = 0  # drip: bytes per step; bloat: bytes the body grows to
    compressed: bool = False
    raw: bytes = b""
    retry_after: str | None = None

    def matches(self, method: str, path: str) -> bool:
        return fnmatch.fnmatchcase(method.upper(), self.method.upper()) and fnmatch.fnmatchcase(
            path, self.glob
        )


@dataclass(frozen=True)
class Verdict:
    """What to do with a request instead of processing it."""

    action: Literal["reject", "reset"]
    status: int = 0
    retry_after: str | None = None
    code: str = ""  # the error code of the answer; "" for the status's usual one


DEFAULT_MESSAGE = "injected failure: the request was not served"


@dataclass(frozen=True)
class InjectedError:
    """The text of the answers injected failures send (see Faults.error_text)."""

    message: str = DEFAULT_MESSAGE
    code: str = ""
    details: tuple[tuple[str, str], ...] = ()
    reason: str | None = None
    header: str | None = None


@dataclass
class Bucket:
    """A token bucket: `rate` requests a second, refilled by the clock the faults read."""

    rate: float
    tokens: float
    stamp: float
    retry_after: str | None

    @property
    def capacity(self) -> float:
        return max(1.0, self.rate)

    def take(self, now: float) -> bool:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True
