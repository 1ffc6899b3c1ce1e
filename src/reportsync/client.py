"""The Qonversion scheduled-reports API client: endpoints, pagination and what each answer must hold."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote, urlencode, urlsplit

import requests

from reportsync.constants import PAGE_LIMIT, RESTART_HEADER
from reportsync.contract import valid_id
from reportsync.envelope import (
    api_error,
    check_write_answer,
    checked_report,
    destination_item,
    malformed,
    parse_page,
    read_json,
    report_item,
)
from reportsync.errors import ApiError, TransportError
from reportsync.models import Destination, RemoteReport
from reportsync.retry import CREATE, SAFE, SEND_TEST, Attempts, Limits, Policy, Retrier, is_success
from reportsync.settings import Settings
from reportsync.transport import (
    WITHHELD,
    BearerAuth,
    Failure,
    Timeout,
    holds_key,
    new_session,
    proxy_label,
    send,
)

REPORTS = "/scheduled-reports"
DESTINATIONS = "/scheduled-reports/destinations"
MAX_RESTARTS = 3
MAX_PAGES = 1000  # 100,000 reports at 100 a page
MAX_EMPTY_PAGES = 3  # empty pages in a row that still say has_more: a listing that never ends
MAX_LISTING_SECONDS = 600.0
DEFAULT_LIMITS = Limits()
DEFAULT_TIMEOUT: Timeout = (5.0, 30.0)


class Client:
    """Thread-safe: apply's workers share one Client, its connection pool and its backoff.

    Every method raises ApiError (an HTTP error answer, a malformed answer) or TransportError (no
    answer) naming the call; the contract is ../shared/api/scheduled-reports-v4.md. `timeout` is
    (connect seconds, seconds for a whole attempt); `proxy` the proxy URL or None (direct).
    """

    def __init__(
        self,
        settings: Settings,
        *,
        timeout: Timeout = DEFAULT_TIMEOUT,
        limits: Limits = DEFAULT_LIMITS,
        log: Callable[[str], None] | None = None,
        pool_size: int = 32,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        proxy: str | None = None,
        session: requests.Session | None = None,
        retrier: Retrier | None = None,
        own_session: bool = True,
    ) -> None:
        self.api_url = settings.api_url.rstrip("/")
        self._base_path = urlsplit(self.api_url).path
        self._key = settings.key
        self._log_fn = log
        self._own_session = own_session  # a shared session is closed by its first client, closed last
        self._session = session or new_session(pool_size)
        self._auth = BearerAuth(settings.key)
        self._timeout = timeout
        self._proxy = proxy
        self._clock = clock
        self._retrier = retrier or Retrier(limits, clock=clock, sleep=sleep)
        if proxy:
            self._log(f"{self.api_url}: through proxy {proxy_label(proxy)}")

    @property
    def request_count(self) -> int:
        """HTTP attempts made so far, retries included (shared by clients sharing a Retrier)."""
        return self._retrier.request_count

    # -- the API ---------------------------------------------------------------------------

    def list_reports(self) -> tuple[RemoteReport, ...]:
        """Every report, all pages, each checked against the contract; raises rather than return a
        partial list or plan from a report it cannot read (fail closed)."""
        return tuple(self._list_all(REPORTS, report_item))

    def get_report(self, report_id: str) -> RemoteReport:
        path = self._report_path("GET", report_id)
        resp = self._call("GET", path, SAFE)
        return checked_report(resp, "GET", path, read_json(resp, "GET", path))

    def create_report(self, body: dict[str, Any], idempotency_key: str | None = None) -> RemoteReport:
        """POST once; a failure that may have created the report raises with ambiguous=True.

        Pass the same `idempotency_key` when posting the same planned report again, so that a server
        honouring the header can recognise the repeat.
        """
        import uuid  # only a create needs it (uuid imports platform: ~3 ms off every plan)

        headers = {"Idempotency-Key": idempotency_key or str(uuid.uuid4())}
        resp = self._call("POST", REPORTS, CREATE, body=body, headers=headers)
        data = read_json(resp, "POST", REPORTS, ambiguous=True)
        check_write_answer(resp, "POST", REPORTS, data, None)
        if not isinstance(data, dict) or not valid_id(data.get("id")):
            raise malformed(resp, "POST", REPORTS, "the created report has no valid id", True)
        return RemoteReport(data["id"], data)

    def replace_report(self, report_id: str, body: dict[str, Any]) -> RemoteReport:
        path = self._report_path("PUT", report_id)
        resp = self._call("PUT", path, SAFE, body=body)
        data = read_json(resp, "PUT", path)
        check_write_answer(resp, "PUT", path, data, report_id)
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise malformed(resp, "PUT", path, "the answer is not a report object")
        if set(data) <= {"object", "id", "url"}:
            # Some v4 updates answer only {object, id, url}: the body sent is the new state.
            return RemoteReport(report_id, {**body, **data, "id": report_id})
        return checked_report(resp, "PUT", path, data)

    def delete_report(self, report_id: str) -> None:
        path = self._report_path("DELETE", report_id)
        resp = self._call("DELETE", path, SAFE, gone_ok=True)
        if is_success(resp):
            check_write_answer(resp, "DELETE", path, read_json(resp, "DELETE", path), report_id)

    def list_destinations(self) -> tuple[Destination, ...]:
        return tuple(self._list_all(DESTINATIONS, destination_item))

    def send_test(self, report_id: str) -> dict[str, Any]:
        path = self._report_path("POST", report_id) + "/send-test"
        resp = self._call("POST", path, SEND_TEST)
        data = read_json(resp, "POST", path)
        check_write_answer(resp, "POST", path, data, report_id, "report_id")
        return data if isinstance(data, dict) else {}

    def probe(self, path: str, params: dict[str, Any] | None = None) -> tuple[requests.Response, float]:
        """One read-only GET of `path` (after the base URL) with retries, whatever its status, and the
        seconds the last attempt took: what `doctor` inspects. TransportError when there is no answer."""
        query = f"?{urlencode(params)}" if params else ""
        started = self._clock()
        attempts = self._run("GET", path + query, SAFE, None, {})
        last = attempts.last
        if isinstance(last, Failure):
            raise self._error("GET", path, SAFE, attempts)
        if holds_key(last, self._key):
            raise ApiError("GET", path, last.status_code, "key_in_response", WITHHELD)
        return last, self._clock() - started

    def close(self) -> None:
        if self._own_session:
            self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- listing ---------------------------------------------------------------------------

    def _list_all(self, path: str, item: Callable[[requests.Response, Any], Any]) -> list[Any]:
        started = self._clock()
        for _ in range(MAX_RESTARTS + 1):
            items = self._collect(path, item, started)
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

    def _collect(
        self, path: str, item: Callable[[requests.Response, Any], Any], started: float
    ) -> list[Any] | None:
        """All pages in order, or None when the server restarted the pagination."""
        items: list[Any] = []
        seen: set[str] = set()
        cursor: str | None = None
        empty = 0
        for _ in range(MAX_PAGES):
            params: dict[str, Any] = {"limit": PAGE_LIMIT}
            if cursor is not None:
                params["starting_after"] = cursor
            resp = self._call("GET", path, SAFE, params=params)
            if cursor is not None and resp.headers.get(RESTART_HEADER, "").strip().lower() == "true":
                return None
            page, has_more, next_cursor = parse_page(resp, path)
            for raw in page:
                parsed = item(resp, raw)
                if parsed.id in seen:
                    raise malformed(resp, "GET", path, f"the listing repeated {parsed.id}")
                seen.add(parsed.id)
                items.append(parsed)
            if not has_more:
                return items
            empty = 0 if page else empty + 1
            self._listing_bounds(resp, path, empty, started)
            new_cursor = next_cursor or (items[-1].id if page else None)
            if new_cursor is None or new_cursor == cursor:
                raise malformed(resp, "GET", path, "the pagination cursor did not advance")
            cursor = new_cursor
        raise malformed(resp, "GET", path, f"the listing did not end within {MAX_PAGES} pages")

    def _listing_bounds(self, resp: requests.Response, path: str, empty: int, started: float) -> None:
        if empty >= MAX_EMPTY_PAGES:
            what = f"{empty} empty pages in a row still said has_more: the listing never ends"
            raise malformed(resp, "GET", path, what)
        if self._clock() - started > MAX_LISTING_SECONDS:
            raise malformed(resp, "GET", path, f"the listing did not end within {MAX_LISTING_SECONDS:g} s")

    # -- one call --------------------------------------------------------------------------

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
        """A 2xx response, after the retries the policy allows; ApiError/TransportError otherwise."""
        query = f"?{urlencode(params)}" if params else ""
        attempts = self._run(method, path + query, policy, body, headers or {})
        last = attempts.last
        if isinstance(last, requests.Response) and holds_key(last, self._key):
            # withheld whole: no part of an answer that echoes the key is shown, logged or saved
            maybe = policy.ambiguous and (is_success(last) or last.status_code >= 500)
            raise ApiError(method, path, last.status_code, "key_in_response", WITHHELD, (), maybe)
        if is_success(last):
            assert isinstance(last, requests.Response)
            return last
        if gone_ok and attempts.may_have_applied and getattr(last, "status_code", 0) == 404:
            assert isinstance(last, requests.Response)  # an earlier attempt may have deleted it
            self._log(f"{method} {self._base_path}{path} → 404 after a retry: already deleted")
            return last
        raise self._error(method, path, policy, attempts) from None

    def _run(self, method: str, target: str, policy: Policy, body: Any, headers: dict[str, str]) -> Attempts:
        shown = f"{method} {self._base_path}{target}"
        return self._retrier.run(
            lambda: self._send_once(method, self.api_url + target, body, headers),
            shown,
            policy,
            self._log,
        )

    def _send_once(
        self, method: str, url: str, body: Any, headers: dict[str, str]
    ) -> requests.Response | Failure:
        return send(
            self._session,
            method,
            url,
            body=body,
            headers=headers,
            timeout=self._timeout,
            auth=self._auth,
            proxy=self._proxy,
            clock=self._clock,
        )

    def _error(self, method: str, path: str, policy: Policy, attempts: Attempts) -> ApiError:
        note = f" (gave up after {attempts.count} attempts)" if attempts.count > 1 else ""
        note = f" ({attempts.note})" + note if attempts.note else note
        last = attempts.last
        if isinstance(last, Failure):
            ambiguous = policy.ambiguous and last.sent
            return TransportError(method, path, self._scrub(last.reason + note), ambiguous)
        ambiguous = policy.ambiguous and last.status_code >= 500
        return api_error(last, method, path, ambiguous=ambiguous, note=note)

    def _report_path(self, method: str, report_id: str) -> str:
        if not valid_id(report_id):
            shown = json.dumps(report_id, ensure_ascii=False)[:80]
            raise ApiError(method, f"{REPORTS}/…", None, "invalid_id", f"{shown} is not a valid report id")
        return f"{REPORTS}/{quote(report_id, safe='')}"

    def _log(self, line: str) -> None:
        if self._log_fn is not None:
            self._log_fn(self._scrub(line))

    def _scrub(self, text: str) -> str:
        if not self._key:
            return text
        return re.sub(re.escape(self._key), "<redacted>", text, flags=re.IGNORECASE)
