"""Fault injection for the emulator: latency, 429s, 5xx, dropped connections, slow answers, bad listings."""

from __future__ import annotations

import fnmatch
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

RESTART = "restart"


@dataclass
class _Rule:
    """One armed fault; `count` is how many more requests it hits."""

    kind: Literal["fail", "reset", "slow", "fail_listing", "restart_listing"]
    count: int
    method: str = "*"
    glob: str = "*"
    status: int = 0
    delay: float = 0.0
    process_first: bool = True
    pages: int = 0

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
class _Bucket:
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


class Faults:
    """Thread-safe fault switches, settable from Python at any time; paths are those after /v4."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # The rate limiter's clock (monotonic seconds); a test shares its virtual clock with the client.
        self.clock: Callable[[], float] = time.monotonic
        self.latency = 0.0
        self._queued_429: list[str | None] = []
        self._bucket: _Bucket | None = None
        self._rules: list[_Rule] = []
        self._ambiguous = 0
        self.error = InjectedError()

    # -- switches (the API tests and benchmarks code against) ---------------------------------
    def queue_429(self, n: int, retry_after: str | None = "1") -> None:
        with self._lock:
            self._queued_429.extend([retry_after] * n)

    def rate_limit(self, rps: float | None, retry_after: str | None = "1") -> None:
        with self._lock:
            if rps is None:
                self._bucket = None
            else:
                capacity = max(1.0, rps)
                self._bucket = _Bucket(rps, capacity, self.clock(), retry_after)

    def fail(self, method: str, path_glob: str, status: int, count: int = 1) -> None:
        self._arm(_Rule("fail", count, method, path_glob, status=status))

    def fail_listing_after(self, pages: int, status: int = 503, count: int = 1) -> None:
        self._arm(_Rule("fail_listing", count, status=status, pages=pages))

    def restart_listing_after(self, pages: int, count: int = 1) -> None:
        self._arm(_Rule("restart_listing", count, pages=pages))

    def ambiguous_creates(self, n: int) -> None:
        with self._lock:
            self._ambiguous += n

    def reset_connections(self, method: str, path_glob: str, count: int = 1) -> None:
        self._arm(_Rule("reset", count, method, path_glob))

    def slow(
        self, method: str, path_glob: str, delay: float, count: int = 1, process_first: bool = True
    ) -> None:
        self._arm(_Rule("slow", count, method, path_glob, delay=delay, process_first=process_first))

    def error_text(
        self,
        message: str = DEFAULT_MESSAGE,
        code: str = "",
        details: tuple[tuple[str, str], ...] = (),
        reason: str | None = None,
        header: str | None = None,
    ) -> None:
        """What injected failures answer with: the error envelope's message, code and (field, message)
        details, the HTTP reason phrase, and an `X-Qon-Note` header; for testing how hostile text shows."""
        self.error = InjectedError(message, code, details, reason, header)

    def clear(self) -> None:
        with self._lock:
            self.error = InjectedError()
            self.latency = 0.0
            self._queued_429.clear()
            self._bucket = None
            self._rules.clear()
            self._ambiguous = 0

    # -- decisions (called by the server) -----------------------------------------------------
    def before(self, method: str, path: str) -> Verdict | None:
        """A verdict replacing the request's processing, or None to process it."""
        with self._lock:
            if self._queued_429:
                return Verdict("reject", 429, self._queued_429.pop(0))
            if self._bucket is not None and not self._bucket.take(self.clock()):
                return Verdict("reject", 429, self._bucket.retry_after)
            for rule in self._rules:
                if rule.kind in ("reset", "fail") and rule.matches(method, path):
                    self._consume(rule)
                    action: Literal["reject", "reset"] = "reset" if rule.kind == "reset" else "reject"
                    return Verdict(action, rule.status)
        return None

    def slowness(self, method: str, path: str) -> tuple[float, bool] | None:
        """(delay, process_first) if this request is to be answered slowly."""
        rule = self._take(("slow",), lambda r: r.matches(method, path))
        return (rule.delay, rule.process_first) if rule else None

    def listing(self, page_number: int) -> int | str | None:
        """For a listing page (1-based): a failure status, RESTART, or None."""
        rule = self._take(("fail_listing", "restart_listing"), lambda r: r.pages + 1 == page_number)
        if rule is None:
            return None
        return RESTART if rule.kind == "restart_listing" else rule.status

    def drop_after_create(self) -> bool:
        with self._lock:
            if self._ambiguous <= 0:
                return False
            self._ambiguous -= 1
            return True

    # -- internals ----------------------------------------------------------------------------
    def _arm(self, rule: _Rule) -> None:
        if rule.count > 0:
            with self._lock:
                self._rules.append(rule)

    def _take(self, kinds: tuple[str, ...], test: Callable[[_Rule], bool]) -> _Rule | None:
        with self._lock:
            for rule in self._rules:
                if rule.kind in kinds and test(rule):
                    self._consume(rule)
                    return rule
        return None

    def _consume(self, rule: _Rule) -> None:
        rule.count -= 1
        if rule.count <= 0:
            self._rules.remove(rule)
