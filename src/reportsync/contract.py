"""The API contract, checked where answers arrive: which fields a report and a destination carry, their
types and values (../shared/api/scheduled-reports-v4.md). Pure: dicts in, problems out."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from reportsync.constants import (
    ENVIRONMENTS,
    ID_RE,
    RANGE_DAYS,
    REPORT_NAME_MAX,
    SEND_AT_SLOTS,
    SERVER_FIELDS,
    STATUSES,
    WRITABLE_FIELDS,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

KNOWN_FIELDS = frozenset(WRITABLE_FIELDS) | frozenset(SERVER_FIELDS)
DESTINATION_FIELDS = frozenset({"object", "type", "id", "label"})
REQUIRED = ("id", *WRITABLE_FIELDS)
Problem = tuple[str, str]  # (field, what is wrong)
# Values inside one unknown field, which an update sends back: more is not a report, and is refused.
# (Odd text — controls, a lone surrogate — is data: shown escaped, sent back \u-escaped.)
_MAX_SCAN = 100_000


def valid_id(value: object) -> bool:
    """An id usable in a path: the documented 1-256 characters of [a-zA-Z0-9._-], and at least one
    letter or digit, so that "." and ".." can never turn /scheduled-reports/{id} into another path."""
    return isinstance(value, str) and bool(ID_RE.match(value)) and any(c.isalnum() for c in value)


def report_problems(data: Mapping[str, Any], minimal_ok: bool = False) -> list[Problem]:
    """Every way `data` differs from the report object of the contract (empty: it conforms).

    `minimal_ok`: a PUT answer of only {object, id, url} is allowed, as some v4 updates send.
    """
    problems: list[Problem] = []
    missing = [name for name in REQUIRED if name not in data]
    if minimal_ok and missing and "id" in data and set(data) <= {"object", "id", "url"}:
        missing = []
    problems += [(name, "is missing") for name in missing]
    for name, value in data.items():
        problem = _field_problem(name, value)
        if problem:
            problems.append((name, problem))
    return problems


def destination_problems(item: Mapping[str, Any]) -> list[Problem]:
    """How one destination (of a report or of the destinations listing) differs from {type, id, label}."""
    problems: list[Problem] = []
    for name in ("type", "id"):
        value = item.get(name)
        if not isinstance(value, str) or not value:
            problems.append((name, f"is {shape(value)}, expected a non-empty string"))
    label = item.get("label")
    if label is not None and not isinstance(label, str):
        problems.append(("label", f"is {shape(label)}, expected a string"))
    return problems


def unknown_fields(data: Mapping[str, Any]) -> tuple[str, ...]:
    """Fields the contract does not name: sent back on update, since PUT replaces the whole report."""
    return tuple(name for name in data if name not in KNOWN_FIELDS)


def shape(value: object) -> str:
    """A value's JSON type, never the value: safe to show and to put in a bug report."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


def _field_problem(name: str, value: Any) -> str:
    check = _CHECKS.get(name, _unknown)
    return check(value)


def _string(value: Any, allowed: tuple[str, ...] = ()) -> str:
    if not isinstance(value, str):
        return f"is {shape(value)}, expected a string"
    if allowed and value not in allowed:
        shown = ", ".join(allowed) if len(allowed) <= 4 else "a UTC HH:MM on a 30-minute slot"
        return f"is not one of the documented values ({shown})"
    return ""


def _id(value: Any) -> str:
    if valid_id(value):
        return ""
    return "is not a valid id (1-256 characters of [a-zA-Z0-9._-], with a letter or digit)"


def _name(value: Any) -> str:
    problem = _string(value)
    if not problem and not 1 <= len(value) <= REPORT_NAME_MAX:
        return f"has {len(value)} characters, expected 1-{REPORT_NAME_MAX}"
    return problem


def _range(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        return f"is {shape(value)}, expected an integer (1, 3 or 7)"
    return "" if value in RANGE_DAYS else "is not 1, 3 or 7"


def _count(value: Any) -> str:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return "" if ok else f"is {shape(value)}, expected a whole number"


def _destinations(value: Any) -> str:
    if not isinstance(value, list) or not value:
        return f"is {shape(value)}, expected a list of at least one destination"
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            return f"[{index}] is {shape(item)}, expected an object"
        for field, problem in destination_problems(item):
            return f"[{index}].{field} {problem}"
    return ""


def _unknown(value: Any) -> str:
    for index, _ in enumerate(_walk(value)):
        if index >= _MAX_SCAN:
            return "is too large to carry back"
    return ""


def _walk(value: Any) -> Iterator[Any]:
    """Every value and key inside `value`, without recursion (answers can nest deeply)."""
    todo = [value]
    while todo:
        item = todo.pop()
        yield item
        if isinstance(item, dict):
            todo.extend(item.keys())
            todo.extend(item.values())
        elif isinstance(item, list):
            todo.extend(item)


_CHECKS = {
    "object": lambda v: _string(v, ("scheduled_report",)),
    "id": _id,
    "url": _string,
    "report_name": _name,
    "send_at": lambda v: _string(v, SEND_AT_SLOTS),
    "included_range_days": _range,
    "status": lambda v: _string(v, STATUSES),
    "environment": lambda v: _string(v, ENVIRONMENTS),
    "destinations": _destinations,
    "runs": _count,
    "created_at": _string,
    "updated_at": _string,
}
