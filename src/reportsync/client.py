"""The Qonversion scheduled-reports API client: endpoints, pagination and the v4 envelope."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlencode, urlsplit

import requests

from reportsync.constants import ID_RE, PAGE_LIMIT, RESTART_HEADER, WRITABLE_FIELDS
from reportsync.errors import ApiError, TransportError
from reportsync.models import Destination, RemoteReport
from reportsync.retry import CREATE, SAFE, SEND_TEST, Attempts, Limits, Policy, Retrier, is_success
from reportsync.settings import Settings
from reportsync.transport import WITHHELD, Failure, Timeout, holds_key, new_session, send

REPORTS = "/scheduled-reports"
DESTINATIONS = "/scheduled-reports/destinations"
MAX_RESTARTS = 3
DEFAULT_LIMITS = Limits()


class Client:
    """Thread-safe: apply's workers share one Client, its connection pool and its backoff.

    Every method raises ApiError (an HTTP error answer, a malformed answer) or TransportError (no
    answer) naming the call; the contract is ../shared/api/scheduled-reports-v4.md.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        timeout: Timeout = (5.0, 30.0),
        limits: Limits = DEFAULT_LIMITS,
        log: Callable[[str], None] | None = None,
        pool_size: int = 32,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api_url = settings.api_url.rstrip("/")
        self._base_path = urlsplit(self.api_url).path
        self._key = settings.key
        self._log_fn = log
        self._session = new_session(settings.key, pool_size)
        self._timeout = timeout
        self._retrier = Retrier(self._send_once, limits, clock=clock, sleep=sleep, log=self._log)

    @property
    def request_count(self) -> int:
        """HTTP attempts made so far, retries included."""
        return self._retrier.request_count

    # -- the API ---------------------------------------------------------------------------

    def list_reports(self) -> tuple[RemoteReport, ...]:
        """Every report, all pages; raises rather than return a partial list."""
        return tuple(RemoteReport(item["id"], item) for item in self._list_all(REPORTS))

    def get_report(self, report_id: str) -> RemoteReport:
        path = self._report_path("GET", report_id)
        resp = self._call("GET", path, SAFE)
        return _report(resp, "GET", path, read_json(resp, "GET", path), report_id)

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
            return _report(resp, "PUT", path, data, report_id)
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

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
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
            if cursor is not None and resp.headers.get(RESTART_HEADER, "").strip().lower() == "true":
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
        shown = f"{method} {self._base_path}{path}{query}"
        attempts = self._retrier.run(method, self.api_url + path + query, shown, policy, body, headers or {})
        last = attempts.last
        if isinstance(last, requests.Response) and holds_key(last, self._key):
            # withheld whole: no part of an answer that echoes the key is shown, logged or saved
            maybe = policy.ambiguous and (is_success(last) or last.status_code >= 500)
            raise ApiError(method, path, last.status_code, "key_in_response", WITHHELD, (), maybe)
        if is_success(last):
            assert isinstance(last, requests.Response)
            return last
        if gone_ok and attempts.may_have_applied and getattr(last, "status_code", 0) == 404:
            assert isinstance(
                last, requests.Response
            )  # an earlier attempt may have deleted it: gone is asked
            self._log(f"{shown} → 404 after a retry: already deleted")
            return last
        raise self._error(method, path, policy, attempts) from None

    def _send_once(
        self, method: str, url: str, body: Any, headers: dict[str, str]
    ) -> requests.Response | Failure:
        return send(self._session, method, url, body=body, headers=headers, timeout=self._timeout)

    def _error(self, method: str, path: str, policy: Policy, attempts: Attempts) -> ApiError:
        note = f" (gave up after {attempts.count} attempts)" if attempts.count > 1 else ""
        last = attempts.last
        if isinstance(last, Failure):
            ambiguous = policy.ambiguous and last.sent
            return TransportError(method, path, self._scrub(last.reason + note), ambiguous)
        ambiguous = policy.ambiguous and last.status_code >= 500
        return api_error(last, method, path, ambiguous=ambiguous, note=note)

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
        if not self._key:
            return text
        return re.sub(re.escape(self._key), "<redacted>", text, flags=re.IGNORECASE)


# -- the v4 envelope -------------------------------------------------------------------------


def _report(resp: requests.Response, method: str, path: str, data: Any, report_id: str) -> RemoteReport:
    if not isinstance(data, dict):
        raise malformed(resp, method, path, "the response is not a report object")
    rid = data.get("id") or report_id
    return RemoteReport(str(rid), data)


def read_json(resp: requests.Response, method: str, path: str, ambiguous: bool = False) -> Any:
    """The decoded body of a 2xx response; None when empty; TransportError when not JSON."""
    if not resp.content.strip():
        return None
    try:
        return resp.json()
    except ValueError:
        kind = resp.headers.get("Content-Type") or "none"
        reason = f"the response was not JSON (content-type {kind}, HTTP {resp.status_code})"
        raise TransportError(method, path, reason, ambiguous=ambiguous) from None


def api_error(
    resp: requests.Response, method: str, path: str, *, ambiguous: bool = False, note: str = ""
) -> ApiError:
    """An ApiError from the v4 error envelope, or from the HTTP reason when there is none."""
    err = _envelope(resp)
    code = str(err.get("code") or "")
    message = str(err.get("message") or "") or resp.reason or f"HTTP {resp.status_code}"
    raw = err.get("details")
    details = tuple(_detail(d) for d in raw if d) if isinstance(raw, list) else ()
    return ApiError(method, path, resp.status_code, code, message + note, details, ambiguous=ambiguous)


def _envelope(resp: requests.Response) -> dict[str, Any]:
    try:
        data = resp.json()
    except ValueError:
        return {}
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        return dict(data["error"])
    if isinstance(data, dict) and ("code" in data or "message" in data):
        return data
    return {}


def _detail(item: Any) -> tuple[str, str]:
    if isinstance(item, dict):
        return (str(item.get("field") or ""), str(item.get("message") or ""))
    return ("", str(item))


def malformed(
    resp: requests.Response, method: str, path: str, what: str, ambiguous: bool = False
) -> ApiError:
    """A 2xx answer whose JSON is not what the contract describes."""
    return ApiError(method, path, resp.status_code, "malformed_response", what, (), ambiguous=ambiguous)


def parse_page(resp: requests.Response, path: str) -> tuple[list[dict[str, Any]], bool, str | None]:
    """(items, has_more, next_cursor) of one list page; a bare JSON list is the whole listing."""
    data = read_json(resp, "GET", path)
    if isinstance(data, list):
        page, has_more, cursor = data, False, None
    elif isinstance(data, dict) and isinstance(data.get("data"), list):
        page, has_more = data["data"], bool(data.get("has_more"))
        cursor = data.get("next_cursor") if isinstance(data.get("next_cursor"), str) else None
    else:
        raise malformed(resp, "GET", path, "the listing has no data list")
    for item in page:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
            raise malformed(resp, "GET", path, "a listed item has no id")
    return page, has_more, cursor
