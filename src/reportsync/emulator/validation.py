"""The emulator's own, hand-written check of a scheduled-report body (it plays the independent server)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportsync.constants import (
    DESTINATION_TYPES,
    ENVIRONMENTS,
    RANGE_DAYS,
    REPORT_NAME_MAX,
    SEND_AT_SLOTS,
    STATUSES,
    WRITABLE_FIELDS,
)

Detail = dict[str, str]
Destinations = Mapping[str, Mapping[str, str]]  # destination id -> listing item


class InvalidData(ValueError):
    """A body the server answers with 400 invalid_data; carries one detail per problem."""

    def __init__(self, details: list[Detail]) -> None:
        super().__init__("; ".join(f"{d['field']}: {d['message']}" for d in details))
        self.details = details


def detail(field: str, message: str) -> Detail:
    return {"field": field, "message": message}


def check_report(body: Any, destinations: Destinations) -> dict[str, Any]:
    """The six writable fields, labels filled from the listing; raises InvalidData listing every problem."""
    if not isinstance(body, dict):
        raise InvalidData([detail("", "the body must be a JSON object")])
    problems = [detail(key, "unknown field") for key in body if key not in WRITABLE_FIELDS]
    problems += [detail(key, "is required") for key in WRITABLE_FIELDS if key not in body]
    for key, check in _CHECKS.items():
        if key in body:
            problems += check(body[key], destinations)
    if problems:
        raise InvalidData(problems)
    fields = {key: body[key] for key in WRITABLE_FIELDS}
    fields["destinations"] = [_labelled(item, destinations) for item in body["destinations"]]
    return fields


def _labelled(item: Mapping[str, Any], destinations: Destinations) -> dict[str, str]:
    listed = destinations[item["id"]]
    return {"type": item["type"], "id": item["id"], "label": listed["label"]}


def _report_name(value: Any, _: Destinations) -> list[Detail]:
    if not isinstance(value, str):
        return [detail("report_name", "must be a string")]
    if not 1 <= len(value) <= REPORT_NAME_MAX:
        return [detail("report_name", f"must be 1-{REPORT_NAME_MAX} characters long")]
    return []


def _send_at(value: Any, _: Destinations) -> list[Detail]:
    if value in SEND_AT_SLOTS:
        return []
    return [detail("send_at", "must be HH:MM on a 30-minute slot")]


def _range_days(value: Any, _: Destinations) -> list[Detail]:
    if isinstance(value, int) and not isinstance(value, bool) and value in RANGE_DAYS:
        return []
    return [detail("included_range_days", "must be one of 1, 3, 7")]


def _status(value: Any, _: Destinations) -> list[Detail]:
    return [] if value in STATUSES else [detail("status", "must be one of draft, active")]


def _environment(value: Any, _: Destinations) -> list[Detail]:
    if value in ENVIRONMENTS:
        return []
    return [detail("environment", "must be one of sandbox, production")]


def _destinations(value: Any, destinations: Destinations) -> list[Detail]:
    if not isinstance(value, list):
        return [detail("destinations", "must be an array")]
    if not value:
        return [detail("destinations", "must contain at least 1 item")]
    problems: list[Detail] = []
    for index, item in enumerate(value):
        problems += _destination(f"destinations[{index}]", item, destinations)
    return problems


def _destination(where: str, item: Any, destinations: Destinations) -> list[Detail]:
    if not isinstance(item, dict):
        return [detail(where, "must be an object")]
    problems = [detail(f"{where}.{key}", "unknown field") for key in item if key not in _DEST_KEYS]
    if item.get("type") not in DESTINATION_TYPES:
        problems.append(detail(f"{where}.type", "must be one of " + ", ".join(DESTINATION_TYPES)))
    dest_id = item.get("id")
    if not isinstance(dest_id, str):
        problems.append(detail(f"{where}.id", "is required and must be a string"))
    elif dest_id not in destinations:
        problems.append(detail(f"{where}.id", f"unknown destination {dest_id!r}"))
    if "label" in item and not isinstance(item["label"], str):
        problems.append(detail(f"{where}.label", "must be a string"))
    return problems


_DEST_KEYS = ("type", "id", "label")
_CHECKS = {
    "report_name": _report_name,
    "send_at": _send_at,
    "included_range_days": _range_days,
    "status": _status,
    "environment": _environment,
    "destinations": _destinations,
}


def check_destinations(items: Any) -> list[dict[str, str]]:
    """A destinations listing loaded from JSON; raises ValueError if it is not a list of items."""
    if not isinstance(items, list):
        raise ValueError("destinations must be a JSON array of {type, id, label} objects")
    listing = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in _DEST_KEYS):
            raise ValueError(f"destination {index} must have string type, id and label")
        listing.append({key: item[key] for key in _DEST_KEYS})
    return listing
