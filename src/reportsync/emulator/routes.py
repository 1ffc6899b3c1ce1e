"""The emulated v4 scheduled-reports endpoints: a request in, a response out (no sockets here)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from reportsync.constants import ID_RE, KEY_PREFIXES, PAGE_LIMIT, RESTART_HEADER
from reportsync.emulator.faults import RESTART, Faults
from reportsync.emulator.state import Report, Store
from reportsync.emulator.validation import Detail, InvalidData

LIST = "/scheduled-reports"
ONE = "/scheduled-reports/{id}"
DESTINATIONS = "/scheduled-reports/destinations"
SEND_TEST = "/scheduled-reports/{id}/send-test"
DEFAULT_LIMIT = 20
_TYPES = {400: "request", 401: "request", 403: "request", 404: "resource", 405: "request"}
_TYPES |= {409: "resource", 422: "logical", 429: "request"}
_CODES = {400: "invalid_request", 401: "control_unauthorized", 403: "control_forbidden"}
_CODES |= {404: "not_found", 405: "invalid_request", 409: "already_exists", 429: "rate_limited"}


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # after /v4, without the query
    query: Mapping[str, str]
    headers: Mapping[str, str]  # lower-case names
    body: bytes


@dataclass
class Response:
    status: int
    body: Any = None  # JSON-able, or None for an empty body
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # processed, but close the connection without answering
    reason: str | None = None  # the HTTP reason phrase; None for the standard one


class Failure(Exception):
    """An error answer: status, code, message and field details."""

    def __init__(self, status: int, message: str, code: str = "", details: list[Detail] | None = None):
        super().__init__(message)
        self.response = error_response(status, message, code, details)


def error_response(
    status: int, message: str, code: str = "", details: list[Detail] | None = None
) -> Response:
    error: dict[str, Any] = {"type": _TYPES.get(status, "internal")}
    error["code"] = code or _CODES.get(status, "internal_error")
    error["message"] = message
    if details:
        error["details"] = details
    return Response(status, {"error": error})


def resolve(path: str) -> tuple[str, str | None] | None:
    """The route template of a path after /v4, and the report id in it."""
    parts = path.split("/")
    if parts[:2] != ["", "scheduled-reports"]:
        return None
    rest = parts[2:]
    if not rest:
        return LIST, None
    if rest == ["destinations"]:
        return DESTINATIONS, None
    if len(rest) == 1:
        return ONE, unquote(rest[0])
    if len(rest) == 2 and rest[1] == "send-test":
        return SEND_TEST, unquote(rest[0])
    return None


class App:
    """Authorisation, routing and the endpoint logic over one Store."""

    def __init__(
        self,
        store: Store,
        faults: Faults,
        key: str,
        *,
        paginate: bool,
        put_returns_minimal: bool,
        honour_idempotency: bool,
    ) -> None:
        self.store, self.faults, self.key = store, faults, key
        self.paginate = paginate
        self.put_returns_minimal = put_returns_minimal
        self.honour_idempotency = honour_idempotency
        self._idempotent: dict[str, str] = {}  # Idempotency-Key -> report id
        self._routes: dict[str, dict[str, Callable[[Request, str | None], Response]]] = {
            LIST: {"GET": self._list, "POST": self._create},
            DESTINATIONS: {"GET": self._destinations},
            ONE: {"GET": self._get, "PUT": self._replace, "DELETE": self._delete},
            SEND_TEST: {"POST": self._send_test},
        }

    def handle(self, request: Request) -> Response:
        try:
            self._authorize(request.headers.get("authorization"))
            route = resolve(request.path)
            if route is None:
                raise Failure(404, f"no such endpoint: {request.method} /v4{request.path}")
            template, report_id = route
            methods = self._routes[template]
            if request.method not in methods:
                raise _not_allowed(request.method, template, methods)
            if report_id is not None and not ID_RE.fullmatch(report_id):
                raise Failure(400, "the id in the path must be 1-256 characters of [a-zA-Z0-9._-]")
            return methods[request.method](request, report_id)
        except Failure as failure:
            return failure.response

    def _authorize(self, header: str | None) -> None:
        scheme, _, token = (header or "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Failure(401, "missing bearer token: send Authorization: Bearer <secret key>")
        if token == self.key:
            return
        if not token.startswith(KEY_PREFIXES):
            raise Failure(403, "a secret key (sk_ or test_sk_) is required for this endpoint")
        raise Failure(401, "the API key is not valid")

    # -- endpoints ----------------------------------------------------------------------------
    def _list(self, request: Request, _: str | None) -> Response:
        limit = _limit(request.query) if self.paginate else None
        if self.faults.take_empty_page():
            fresh = f"cur{self.faults.next_cursor()}"
            return Response(
                200, {**_envelope("/v4" + LIST, [], False), "has_more": True, "next_cursor": fresh}
            )
        cursor = request.query.get("starting_after") or None
        with self.store.lock:
            start = self.store.offset_after(cursor)
            page_number = 1 if not start or limit is None else start // limit + 1
            fault = self.faults.listing(page_number)
            if isinstance(fault, int):
                raise Failure(fault, "the listing failed part-way (injected fault)")
            restarted = start is None or fault == RESTART
            rows, has_more = self.store.page(0 if restarted else (start or 0), limit)
        response = Response(200, _envelope("/v4" + LIST, rows, has_more))
        if restarted:
            response.headers[RESTART_HEADER] = "true"
        return response

    def _create(self, request: Request, _: str | None) -> Response:
        body = self.faults.writable(_json_object(request.body))
        key = request.headers.get("idempotency-key") if self.honour_idempotency else None
        with self.store.lock:
            first = self.store.get(self._idempotent.get(key, "")) if key else None
            report = first or _validated(self.store.create, body)
            if first is None and self.faults.take_twin():
                self.store.create(body)  # another writer's copy of the same report
            if key:
                self._idempotent[key] = report["id"]
        return Response(201, report, drop=first is None and self.faults.drop_after_create())

    def _get(self, _: Request, report_id: str | None) -> Response:
        return Response(200, _found(self.store.get(_id(report_id)), _id(report_id)))

    def _replace(self, request: Request, report_id: str | None) -> Response:
        body, report_id = self.faults.writable(_json_object(request.body)), _id(report_id)
        report = _found(_validated(lambda b: self.store.replace(report_id, b), body), report_id)
        if self.put_returns_minimal:
            report = {key: report[key] for key in ("object", "id", "url")}
        return Response(200, report)

    def _delete(self, _: Request, report_id: str | None) -> Response:
        if not self.store.delete(_id(report_id)):
            raise Failure(404, f"no scheduled report with id {report_id!r}")
        return Response(204)

    def _destinations(self, _: Request, __: str | None) -> Response:
        rows = [{"object": "destination", **item} for item in self.store.destinations]
        return Response(200, _envelope("/v4" + DESTINATIONS, rows, False))

    def _send_test(self, _: Request, report_id: str | None) -> Response:
        allowed = self.store.claim_send_test(_id(report_id))
        if allowed is None:
            raise Failure(404, f"no scheduled report with id {report_id!r}")
        if not allowed:
            raise Failure(429, "only one test per minute per report is allowed; try again later")
        body = {"object": "scheduled_report_test", "report_id": report_id, "status": "queued"}
        return Response(202, body)


def _envelope(url: str, rows: list[Any], has_more: bool) -> dict[str, Any]:
    cursor = rows[-1]["id"] if has_more and rows else None
    return {"object": "list", "url": url, "data": rows, "has_more": has_more, "next_cursor": cursor}


def _limit(query: Mapping[str, str]) -> int:
    raw = query.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    if raw.isdigit() and 1 <= int(raw) <= PAGE_LIMIT:
        return int(raw)
    message = f"must be an integer from 1 to {PAGE_LIMIT}"
    raise Failure(400, "invalid query parameters", "invalid_data", [_field("limit", message)])


def _field(name: str, message: str) -> Detail:
    return {"field": name, "message": message}


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise Failure(400, f"the request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise Failure(400, "the request body must be a JSON object")
    return data


def _validated(action: Callable[[dict[str, Any]], Report | None], body: dict[str, Any]) -> Any:
    try:
        return action(body)
    except InvalidData as invalid:
        raise Failure(400, "the scheduled report is invalid", "invalid_data", invalid.details) from None


def _found(report: Report | None, report_id: str) -> Report:
    if report is None:
        raise Failure(404, f"no scheduled report with id {report_id!r}")
    return report


def _id(report_id: str | None) -> str:
    assert report_id is not None  # the route template guarantees it
    return report_id


def _not_allowed(method: str, template: str, methods: Mapping[str, object]) -> Failure:
    failure = Failure(405, f"method {method} is not allowed on /v4{template}")
    failure.response.headers["Allow"] = ", ".join(methods)
    return failure
