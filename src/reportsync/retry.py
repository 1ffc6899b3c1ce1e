"""Which API calls may be retried, how long to wait, and the wait every thread shares."""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime

MAX_SINGLE_WAIT = 60.0
RETRY_STATUSES = frozenset({429, 502, 503, 504})
_SECONDS = re.compile(r"^\d+(\.\d+)?$")


@dataclass(frozen=True, slots=True)
class Policy:
    """What one kind of call may retry.

    `unsent_only`: retry a transport failure only if the request cannot have reached the
    server (refused, connect timeout) — a POST is not idempotent.
    `ambiguous`: a 5xx or a maybe-sent failure may still have taken effect.
    """

    statuses: frozenset[int]
    unsent_only: bool = False
    ambiguous: bool = False


SAFE = Policy(RETRY_STATUSES)  # GET, PUT, DELETE
# A 429 means nothing was created; anything else after sending may have created the report.
CREATE = Policy(frozenset({429}), unsent_only=True, ambiguous=True)
# send-test's 429 is its documented one-per-minute limit: waiting would not help.
SEND_TEST = Policy(frozenset(), unsent_only=True)


@dataclass(frozen=True, slots=True)
class Failure:
    """No HTTP answer: a plain reason, whether the request may have reached the server,
    and whether trying again could help."""

    reason: str
    sent: bool
    transient: bool


def may_retry_status(policy: Policy, status: int) -> bool:
    return status in policy.statuses


def may_retry_failure(policy: Policy, failure: Failure) -> bool:
    return failure.transient and not (policy.unsent_only and failure.sent)


def backoff_delay(attempt: int, base: float, rng: random.Random) -> float:
    """Exponential backoff with full jitter: uniform in [0, base * 2^(attempt-1)], capped."""
    return rng.uniform(0.0, min(MAX_SINGLE_WAIT, base * 2 ** (attempt - 1)))


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or HTTP-date), capped; None if
    absent or unreadable."""
    text = (value or "").strip()
    if not text:
        return None
    if _SECONDS.match(text):
        seconds = float(text)
    else:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = when.timestamp() - now()
    return min(max(seconds, 0.0), MAX_SINGLE_WAIT)


class SharedGate:
    """A client-wide "not before" time: one thread's rate-limit wait slows every thread."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._not_before = 0.0

    def hold(self, seconds: float) -> None:
        """No request from any thread starts within `seconds` from now."""
        with self._lock:
            self._not_before = max(self._not_before, self._clock() + seconds)

    def wait(self) -> float:
        """Sleep until the shared time has passed; returns the seconds slept."""
        slept = 0.0
        for _ in range(1000):  # bounded: each round either sleeps or returns
            with self._lock:
                target = self._not_before
            delay = target - self._clock()
            if delay <= 0:
                break
            self._sleep(delay)
            slept += delay
            with self._lock:
                if self._not_before <= target:
                    break
        return slept
