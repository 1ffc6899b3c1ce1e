"""The Qonversion scheduled-reports API client: remote state in, changes out, retries inside."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable
from types import TracebackType
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests

from reportsync.constants import ID_RE, PAGE_LIMIT, WRITABLE_FIELDS
from reportsync.errors import ApiError, TransportError
from reportsync.models import Destination, RemoteReport
from reportsync.retry import (
    CREATE,
    SAFE,
    SEND_TEST,
    Failure,
    Policy,
    SharedGate,
    backoff_delay,
    may_retry_failure,
    may_retry_status,
    parse_retry_after,
)
from reportsync.settings import Settings
from reportsync.transport import (
    api_error,
    is_404,
    malformed,
    maybe_applied,
    new_session,
    parse_page,
    read_json,
    restarted,
    send,
)

REPORTS = "/scheduled-reports"
DESTINATIONS = "/scheduled-reports/destinations"
MAX_RESTARTS = 3
UNREACHABLE_ATTEMPTS = 4
Outcome = requests.Response | Failure


class Client:
    """Thread-safe: apply's workers share one Client, its connection pool and its backoff."""

    def __init__(
        self,
        settings: Settings,
        *,
        timeout: tuple[float, float] = (5.0, 30.0),
        max_attempts: int = 8,
        max_retry_seconds: float = 120.0,
        log: Callable[[str], None] | None = None,
        pool_size: int = 32,
        backoff_base: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._base = settings.api_url.rstrip("/")
        self._base_path = urlsplit(self._base).path
        self._key = settings.key
        self._timeout = timeout
        self._max_attempts = max(1, max_attempts)
        self._max_retry_seconds = max_retry_seconds
        self._log_fn = log
        self._backoff_base = backoff_base
        self._gate = SharedGate(time.monotonic, sleep)
        self._session = new_session(settings.key, pool_size)
        self._rng = random.Random()
        self._lock = threading.Lock()
        self.request_count = 0

    # -- the API ---------------------------------------------------------------------------

    def list_reports(self) -> tuple[RemoteReport, ...]:
        """Every report, all pages; raises rather than return a partial list."""
        return tuple(RemoteReport(item["id"], item) for item in self._list_all(REPORTS))

    def get_report(self, report_id: str) -> RemoteReport:
        path = self._report_path("GET", report_id)
        resp = self._call("GET", path, SAFE)
        return self._report(resp, "GET", path, read_json(resp, "GET", path), report_id)

    def create_report(self, body: dict[str, Any], idempotency_key: str | None = None) -> RemoteReport:
        """POST once; a failure that may have created the report raises with ambiguous=True.

        Pass the same `idempotency_key` when posting the same planned report again, so that a server
        honouring the header can recognise the repeat.
        """
        headers = {"Idempotency-Key": idempotency_key or str(uuid.uuid4())}
        resp = self._call("POST", REPORTS, CREATE, body=body, headers=headers)
        data = read_json(resp, "POST", REPORTS, ambiguous=True)
        if not isinstance(data, dict) or not isinstance(data.get("id"), str) or not data["id"]:
            raise malformed(resp, "POST", REPORTS, "the created report has no id", True)
        return RemoteReport(data["id"], data)

    def replace_report(self, report_id: str, body: dict[str, Any]) -> RemoteReport:
        path = self._report_path("PUT", report_id)
        resp = self._call("PUT", path, SAFE, body=body)
        data = read_json(resp, "PUT", path) or {}
        if not isinstance(data, dict):
            raise malformed(resp, "PUT", path, "the response is not a report object")
        if all(name in data for name in WRITABLE_FIELDS):
            return self._report(resp, "PUT", path, data, report_id)
        # Some v4 updates answer only {object, id, url}: the body sent is the new state.
        rid = str(data.get("id") or report_id)
        return RemoteReport(rid, {**body, **data, "id": rid})

    def delete_report(self, report_id: str) -> None:
        path = self._report_path("DELETE", report_id)
        self._call("DELETE", path, SAFE, gone_ok=True)

    def list_destinations(self) -> tuple[Destination, ...]:
        return tuple(
            Destination(str(d.get("type") or ""), d["id"], str(d.get("label") or ""))
            for d in self._list_all(DESTINATIONS)
        )

    def send_test(self, report_id: str) -> dict[str, Any]:
        path = self._report_path("POST", report_id) + "/send-test"
        data = read_json(self._call("POST", path, SEND_TEST), "POST", path)
        return data if isinstance(data, dict) else {}

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- listing ---------------------------------------------------------------------------

    def _list_all(self, path: str) -> list[dict[str, Any]]:
        for _ in range(MAX_RESTARTS + 1):
            items = self._collect(path)
            if items is not None:
                return items
            self._log(f"GET {self._base_path}{path}: the server restarted pagination; reading again")
        raise ApiError(
            "GET",
            path,
            None,
            "listing_restarted",
            f"the listing kept restarting ({MAX_RESTARTS} restarts): the list is changing "
            "too fast to read consistently; try again",
        )

    def _collect(self, path: str) -> list[dict[str, Any]] | None:
        """All pages in order, or None when the server restarted the pagination."""
        items: list[dict[str, Any]] = []
        seen: set[str] = set()
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"limit": PAGE_LIMIT}
            if cursor is not None:
                params["starting_after"] = cursor
            resp = self._call("GET", path, SAFE, params=params)
            if cursor is not None and restarted(resp):
                return None
            page, has_more, next_cursor = parse_page(resp, path)
            for item in page:
                if item["id"] in seen:
                    raise malformed(resp, "GET", path, f"the listing repeated {item['id']}")
                seen.add(item["id"])
            items.extend(page)
            if not has_more:
                return items
            new_cursor = next_cursor or (page[-1]["id"] if page else None)
            if new_cursor is None or new_cursor == cursor:
                raise malformed(resp, "GET", path, "the pagination cursor did not advance")
            cursor = new_cursor

    # -- one call, with retries ------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        policy: Policy,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        gone_ok: bool = False,
    ) -> requests.Response:
        """A 2xx response, after retries the policy allows; ApiError/TransportError otherwise."""
        query = f"?{urlencode(params)}" if params else ""
        shown = f"{method} {self._base_path}{path}{query}"
        started = time.monotonic()
        may_have_applied = False
        attempt = 0
        while True:
            attempt += 1
            outcome = self._attempt(method, self._base + path + query, shown, attempt, body, headers)
            if isinstance(outcome, requests.Response) and 200 <= outcome.status_code < 300:
                return outcome
            if gone_ok and may_have_applied and is_404(outcome):
                # An earlier attempt may have deleted it: gone is what was asked for.
                self._log(f"{shown} → 404 after a retry: already deleted")
                return outcome
            wait = self._wait_for(outcome, attempt, policy)
            elapsed = time.monotonic() - started
            retry = self._may_retry(policy, outcome)
            if (
                not retry
                or attempt >= self._attempts_for(outcome)
                or elapsed + wait > self._max_retry_seconds
            ):
                raise self._error(method, path, policy, outcome, attempt) from None
            may_have_applied = may_have_applied or maybe_applied(outcome)
            self._log(f"{shown}: retrying in {wait:.2f} s (attempt {attempt + 1})")
            self._gate.hold(wait)

    def _attempt(
        self,
        method: str,
        url: str,
        shown: str,
        attempt: int,
        body: Any,
        headers: dict[str, str] | None,
    ) -> Outcome:
        slept = self._gate.wait()
        if slept > 0:
            self._log(f"{shown}: waited {slept:.2f} s for the shared rate-limit backoff")
        with self._lock:
            self.request_count += 1
        start = time.monotonic()
        outcome = send(self._session, method, url, body=body, headers=headers or {}, timeout=self._timeout)
        took = round((time.monotonic() - start) * 1000)
        if isinstance(outcome, requests.Response):
            self._log(f"{shown} → {outcome.status_code} in {took} ms (attempt {attempt})")
        else:
            self._log(f"{shown} → failed in {took} ms: {outcome.reason} (attempt {attempt})")
        return outcome

    def _attempts_for(self, outcome: Outcome) -> int:
        """A refused connection is retried briefly: a wrong URL should not cost the user a minute."""
        if isinstance(outcome, Failure) and not outcome.sent:
            return min(self._max_attempts, UNREACHABLE_ATTEMPTS)
        return self._max_attempts

    def _may_retry(self, policy: Policy, outcome: Outcome) -> bool:
        if isinstance(outcome, Failure):
            return may_retry_failure(policy, outcome)
        return may_retry_status(policy, outcome.status_code)

    def _wait_for(self, outcome: Outcome, attempt: int, policy: Policy) -> float:
        """Retry-After when the server sent one, else jittered backoff; a 429 holds every thread."""
        wait = backoff_delay(attempt, self._backoff_base, self._rng)
        if isinstance(outcome, requests.Response):
            after = parse_retry_after(outcome.headers.get("Retry-After"))
            # "Retry-After: 0" gives no guidance; backing off still protects a server that keeps refusing.
            wait = after if after else wait
            if outcome.status_code == 429 and may_retry_status(policy, 429):
                self._gate.hold(wait)
        return wait

    def _error(self, method: str, path: str, policy: Policy, outcome: Outcome, attempt: int) -> ApiError:
        note = f" (gave up after {attempt} attempts)" if attempt > 1 else ""
        if isinstance(outcome, Failure):
            ambiguous = policy.ambiguous and outcome.sent
            return TransportError(method, path, self._scrub(outcome.reason + note), ambiguous)
        ambiguous = policy.ambiguous and outcome.status_code >= 500
        err = api_error(outcome, method, path, ambiguous=ambiguous, note=note)
        if self._key in str(err):  # a server echoing the key must not make us print it
            return ApiError(method, path, err.status, err.code, "(message withheld)", (), ambiguous)
        return err

    # -- small helpers ---------------------------------------------------------------------

    def _report(
        self, resp: requests.Response, method: str, path: str, data: Any, report_id: str
    ) -> RemoteReport:
        if not isinstance(data, dict):
            raise malformed(resp, method, path, "the response is not a report object")
        rid = data.get("id") or report_id
        return RemoteReport(str(rid), data)

    def _report_path(self, method: str, report_id: str) -> str:
        if not isinstance(report_id, str) or not ID_RE.match(report_id):
            raise ApiError(
                method, f"{REPORTS}/…", None, "invalid_id", f"{report_id!r} is not a valid report id"
            )
        return f"{REPORTS}/{report_id}"

    def _log(self, line: str) -> None:
        if self._log_fn is not None:
            self._log_fn(self._scrub(line))

    def _scrub(self, text: str) -> str:
        return text.replace(self._key, "<redacted>") if self._key else text
