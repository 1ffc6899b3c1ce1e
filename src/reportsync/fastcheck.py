"""A yes/no check of one report document against the rules of the report schema, for the all-valid case.

jsonschema costs ~80 ms to import and ~0.5 ms per document, and a valid file set needs none of its detail.
This answers "valid?" from the constants the schema is built from; every "no" goes to jsonschema, which
stays the authority and explains (tests/test_fastcheck.py proves the two agree on arbitrary documents).
"""

from __future__ import annotations

from reportsync.constants import (
    DESTINATION_TYPES,
    ENVIRONMENTS,
    ID_RE,
    RANGE_DAYS,
    REPORT_NAME_MAX,
    SEND_AT_SLOTS,
    STATUSES,
    WRITABLE_FIELDS,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_REPORT_KEYS = frozenset((*WRITABLE_FIELDS, "id"))
_DESTINATION_KEYS = frozenset(("type", "id", "label"))


def is_valid_report(data: Any) -> bool:
    """True only if `data` satisfies schema/scheduled-report.schema.json (JSON Schema's equality rules)."""
    if not isinstance(data, dict) or not _REPORT_KEYS.issuperset(data):
        return False
    if not all(key in data for key in WRITABLE_FIELDS):
        return False
    if "id" in data and not _is_id(data["id"]):
        return False
    name, days = data["report_name"], data["included_range_days"]
    return (
        isinstance(name, str)
        and 1 <= len(name) <= REPORT_NAME_MAX
        and _one_of(data["send_at"], SEND_AT_SLOTS)
        and not isinstance(days, bool)
        and isinstance(days, int | float)
        and days in RANGE_DAYS  # 7.0 is the integer 7 to JSON Schema
        and _one_of(data["status"], STATUSES)
        and _one_of(data["environment"], ENVIRONMENTS)
        and _are_destinations(data["destinations"])
    )


def _one_of(value: Any, allowed: tuple[str, ...]) -> bool:
    return isinstance(value, str) and value in allowed


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and ID_RE.search(value) is not None


def _are_destinations(items: Any) -> bool:
    if not isinstance(items, list) or not items:
        return False
    return all(
        isinstance(d, dict)
        and _DESTINATION_KEYS.issuperset(d)
        and "type" in d
        and "id" in d
        and _one_of(d["type"], DESTINATION_TYPES)
        and _is_id(d["id"])
        and isinstance(d.get("label", ""), str)
        for d in items
    )
