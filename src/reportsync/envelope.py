"""Reading the API's answers: JSON bodies, the v4 error and list envelopes, and whether a 2xx agrees."""

from __future__ import annotations

import json
from typing import Any

import requests

from reportsync.contract import destination_problems, report_problems, valid_id
from reportsync.errors import ApiError, TransportError
from reportsync.models import Destination, RemoteReport


def read_json(resp: requests.Response, method: str, path: str, ambiguous: bool = False) -> Any:
    """The decoded body of a 2xx response; None when empty; TransportError when not JSON (or nested
    too deeply to decode, or not UTF-8)."""
    if not resp.content.strip():
        return None
    try:
        return json.loads(resp.content)
    except RecursionError:
        reason = "the response JSON is nested too deeply to read"
    except (ValueError, UnicodeDecodeError):
        kind = resp.headers.get("Content-Type") or "none"
        reason = f"the response was not JSON (content-type {kind!r}, HTTP {resp.status_code})"
    raise TransportError(method, path, reason, ambiguous=ambiguous) from None


def api_error(
    resp: requests.Response, method: str, path: str, *, ambiguous: bool = False, note: str = ""
) -> ApiError:
    """An ApiError from the v4 error envelope, or from the HTTP reason when there is none."""
    err = envelope_error(_json_or_none(resp))
    code = str(err.get("code") or "")
    message = str(err.get("message") or "") or resp.reason or f"HTTP {resp.status_code}"
    if 300 <= resp.status_code < 400:
        location = resp.headers.get("Location")
        where = f"to {location[:300]!r}" if location else "without a Location"
        message += f" (redirected {where}; set QONVERSION_API_URL to the API's final address)"
    raw = err.get("details")
    details = tuple(_detail(d) for d in raw if d) if isinstance(raw, list) else ()
    return ApiError(method, path, resp.status_code, code, message + note, details, ambiguous=ambiguous)


def _json_or_none(resp: requests.Response) -> Any:
    try:
        return json.loads(resp.content)
    except (ValueError, RecursionError, UnicodeDecodeError):
        return None


def envelope_error(data: Any) -> dict[str, Any]:
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


def check_write_answer(
    resp: requests.Response, method: str, path: str, data: Any, written_id: str | None, id_field: str = "id"
) -> None:
    """ApiError when a 2xx answer to a write disagrees with success: it holds an `error` object, or it
    names another report than the one written (issue 12: a 2xx is success only when the body agrees)."""
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        err = api_error(resp, method, path)
        raise ApiError(method, path, resp.status_code, err.code, err.api_message, err.details)
    answered = data.get(id_field) if isinstance(data, dict) else None
    if written_id is not None and answered is not None and answered != written_id:
        what = f"the answer names report {str(answered)[:80]!r}, not {written_id!r} that was written"
        raise malformed(resp, method, path, what)


def checked_report(
    resp: requests.Response, method: str, path: str, data: Any, minimal_ok: bool = False
) -> RemoteReport:
    """A RemoteReport from an answer that conforms to the contract; ApiError naming the report and field."""
    if not isinstance(data, dict):
        raise malformed(resp, method, path, "the answer is not a report object")
    problems = report_problems(data, minimal_ok)
    if problems:
        raise malformed(resp, method, path, describe(data, problems))
    return RemoteReport(data["id"], data)


def describe(data: dict[str, Any], problems: list[tuple[str, str]]) -> str:
    rid = data.get("id")
    who = f"report {rid!r}" if valid_id(rid) else "a report with no valid id"
    field, problem = problems[0]
    others = len(problems) - 1
    more = f" (and {others} more problem{'s' if others > 1 else ''})" if others else ""
    return f"{who}: {field} {problem}{more}"


def parse_page(resp: requests.Response, path: str) -> tuple[list[Any], bool, str | None]:
    """(items, has_more, next_cursor) of one list page; a bare JSON list is the whole listing."""
    data = read_json(resp, "GET", path)
    if isinstance(data, list):
        return data, False, None
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise malformed(resp, "GET", path, "the listing has no data list")
    has_more = data.get("has_more", False)
    if not isinstance(has_more, bool):
        raise malformed(resp, "GET", path, f"has_more is not true or false ({type(has_more).__name__})")
    cursor = data.get("next_cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise malformed(resp, "GET", path, "next_cursor is not a string")
    return data["data"], has_more, cursor or None


def report_item(resp: requests.Response, raw: Any) -> RemoteReport:
    """One item of the reports listing, checked against the contract."""
    return checked_report(resp, "GET", "/scheduled-reports", raw)


def destination_item(resp: requests.Response, raw: Any) -> Destination:
    """One item of the destinations listing: {type, id, label?}."""
    path = "/scheduled-reports/destinations"
    if not isinstance(raw, dict):
        raise malformed(resp, "GET", path, "a listed destination is not an object")
    problems = destination_problems(raw)
    if problems:
        field, problem = problems[0]
        raise malformed(resp, "GET", path, f"a listed destination's {field} {problem}")
    return Destination(raw["type"], raw["id"], raw.get("label") or "")
