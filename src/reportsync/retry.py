"""The retry policy and its attempt loop: which calls may be retried, how long to wait, the shared wait."""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime

import requests

from reportsync.transport import Failure

MAX_SINGLE_WAIT = 60.0
RETRY_STATUSES = frozenset({429, 502, 503, 504})
UNREACHABLE_ATTEMPTS = 4
_SECONDS = re.compile(r"^\d+(\.\d+)?$")
Outcome = requests.Response | Failure
SendOnce = Callable[[], Outcome]
Log = Callable[[str], None]


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
class Attempts:
    """How a call ended: the last outcome, how many attempts it took, and whether an earlier
    failed attempt may still have taken effect on the server."""

    last: Outcome
    count: int
    may_have_applied: bool
    note: str = ""  # why retrying stopped early, when the API asked for a wait beyond the budget


@dataclass(frozen=True, slots=True)
class Limits:
    """How hard the loop tries: attempts per call, seconds of retrying per call, backoff base (seconds)."""

    max_attempts: int = 8
    max_retry_seconds: float = 120.0
    backoff_base: float = 0.5


def is_success(outcome: Outcome) -> bool:
    return isinstance(outcome, requests.Response) and 200 <= outcome.status_code < 300


def backoff_delay(attempt: int, base: float, rng: random.Random) -> float:
    """Exponential backoff with full jitter: uniform in [0, base * 2^(attempt-1)], capped."""
    return rng.uniform(0.0, min(MAX_SINGLE_WAIT, base * 2 ** (attempt - 1)))


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or HTTP-date), as asked (not capped:
    the retry loop compares it with its budget); None if absent or unreadable."""
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
    return max(seconds, 0.0)


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


class Retrier:
    """Runs one call's attempts; thread-safe, so apply's workers (and every project on the same API
    host) share it, its request count and its rate-limit backoff."""

    def __init__(
        self,
        limits: Limits,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._limits = limits
        self._clock = clock
        self._gate = SharedGate(clock, sleep)
        self._rng = random.Random()
        self._lock = threading.Lock()
        self.request_count = 0

    def run(self, send_once: SendOnce, shown: str, policy: Policy, log: Log = lambda line: None) -> Attempts:
        """Attempts until a 2xx, a final answer, or the policy or limits say stop (seconds: `clock`'s).

        A Retry-After longer than what is left of the retry budget stops at once: waiting it out would
        outlast the budget, and retrying sooner would only be refused again."""
        started = self._clock()
        may_have_applied = False
        attempt = 0
        while True:
            attempt += 1
            outcome = self._attempt(send_once, shown, attempt, log)
            if is_success(outcome) or not self._may_retry(policy, outcome):
                return Attempts(outcome, attempt, may_have_applied)
            wait, asked = self._wait_for(outcome, attempt)
            left = self._limits.max_retry_seconds - (self._clock() - started)
            if asked is not None and asked > left:
                note = f"the API asked to wait {asked:,.0f} s (Retry-After), more than the {left:,.0f} s left"
                return Attempts(outcome, attempt, may_have_applied, note)
            if isinstance(outcome, requests.Response) and outcome.status_code == 429:
                self._gate.hold(min(wait, left))  # every thread sharing this host waits too
            if attempt >= self._attempts_for(outcome) or wait > left:
                return Attempts(outcome, attempt, may_have_applied)
            may_have_applied = may_have_applied or maybe_applied(outcome)
            log(f"{shown}: retrying in {wait:.2f} s (attempt {attempt + 1})")
            self._gate.hold(wait)

    def _attempt(self, send_once: SendOnce, shown: str, attempt: int, log: Log) -> Outcome:
        slept = self._gate.wait()
        if slept > 0:
            log(f"{shown}: waited {slept:.2f} s for the shared rate-limit backoff")
        with self._lock:
            self.request_count += 1
        start = time.monotonic()
        outcome = send_once()
        took = round((time.monotonic() - start) * 1000)
        if isinstance(outcome, requests.Response):
            log(f"{shown} → {outcome.status_code} in {took} ms (attempt {attempt})")
        else:
            log(f"{shown} → failed in {took} ms: {outcome.reason} (attempt {attempt})")
        return outcome

    def _attempts_for(self, outcome: Outcome) -> int:
        """A refused connection is retried briefly: a wrong URL should not cost the user a minute."""
        if isinstance(outcome, Failure) and not outcome.sent:
            return min(self._limits.max_attempts, UNREACHABLE_ATTEMPTS)
        return max(1, self._limits.max_attempts)

    @staticmethod
    def _may_retry(policy: Policy, outcome: Outcome) -> bool:
        if isinstance(outcome, Failure):
            return outcome.transient and not (policy.unsent_only and outcome.sent)
        return outcome.status_code in policy.statuses

    def _wait_for(self, outcome: Outcome, attempt: int) -> tuple[float, float | None]:
        """(seconds to wait, seconds the server asked for): Retry-After when sent, else jittered backoff."""
        wait = backoff_delay(attempt, self._limits.backoff_base, self._rng)
        if isinstance(outcome, requests.Response):
            after = parse_retry_after(outcome.headers.get("Retry-After"))
            # "Retry-After: 0" gives no guidance; backing off still protects a server that keeps refusing.
            if after:
                return after, after
        return wait, None


def maybe_applied(outcome: Outcome) -> bool:
    """Whether a failed attempt may still have taken effect on the server."""
    if isinstance(outcome, Failure):
        return outcome.sent
    return outcome.status_code >= 500
