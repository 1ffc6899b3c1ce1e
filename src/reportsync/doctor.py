"""`reportsync doctor`'s checks: what the API answered, compared with what reportsync relies on. Pure:
observations in, one Check per line out (../shared/api/scheduled-reports-v4.md, its [assume] points)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from reportsync.contract import destination_problems, report_problems, shape, unknown_fields

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

PROBE_LIMIT = 2  # the first page asks for 2 items: a paginated API sends at most 2 and says has_more
_RATE_HEADERS = ("ratelimit", "rate-limit", "retry-after")


@dataclass(frozen=True, slots=True)
class Check:
    """One line of doctor: `ok`, or differs with what was seen; `relied`: reportsync needs it to hold.

    `seen` may name report ids; `redacted` says the same with no value from the API (for bug reports)."""

    name: str
    ok: bool
    seen: str
    relied: bool = True
    redacted: str = ""

    @property
    def fails(self) -> bool:
        return self.relied and not self.ok


@dataclass(frozen=True, slots=True)
class Observed:
    """What doctor read: the first listing page (asked with limit=2), every report, the destinations."""

    first_page: Any
    reports: Sequence[Any]
    destinations: Any
    round_trips: Sequence[float]  # seconds per call
    headers: Mapping[str, str] = field(default_factory=dict)


def checks(seen: Observed) -> list[Check]:
    """Every check, in the order shown."""
    return [
        _key(seen),
        _pagination(seen.first_page),
        _fields(seen.reports),
        _labels(seen.reports),
        _unknown(seen.reports),
        _destinations(seen.destinations),
        Check(
            "PUT answers",
            True,
            "not checked: doctor never writes (a full report or {object, id, url} both work)",
        ),
        _round_trip(seen.round_trips),
        _rate_headers(seen.headers),
    ]


def _key(seen: Observed) -> Check:
    envs: dict[str, int] = {}
    for item in seen.reports:
        env = item.get("environment") if isinstance(item, dict) else None
        envs[str(env)] = envs.get(str(env), 0) + 1
    split = ", ".join(f"{n} {env}" for env, n in sorted(envs.items()))
    text = f"the key sees {len(seen.reports)} report(s)" + (f" ({split})" if split else "")
    return Check("key", True, text)


def _pagination(page: Any) -> Check:
    if isinstance(page, list):
        return Check("listing", False, "a bare JSON list, not the list envelope (tolerated)", relied=False)
    if not isinstance(page, dict) or not isinstance(page.get("data"), list):
        return Check("listing", False, f"the listing is {shape(page)} with no data list")
    data, more, cursor = page["data"], page.get("has_more"), page.get("next_cursor")
    if not isinstance(more, bool) or (cursor is not None and not isinstance(cursor, str)):
        return Check("listing", False, f"has_more is {shape(more)}, next_cursor is {shape(cursor)}")
    if not more:
        if len(data) > PROBE_LIMIT:
            text = (
                f"not paginated: limit={PROBE_LIMIT} answered {len(data)} items, has_more false (tolerated)"
            )
            return Check("listing", False, text, relied=False)
        return Check("listing", True, f"one page of {len(data)} item(s), has_more false")
    if len(data) > PROBE_LIMIT:
        text = f"page size not honoured: limit={PROBE_LIMIT} answered {len(data)} items (tolerated)"
        return Check("listing", False, text, relied=False)
    if not cursor:
        return Check(
            "listing", False, "has_more without next_cursor (tolerated: the last id is used)", relied=False
        )
    return Check("listing", True, f"paginated: limit={PROBE_LIMIT} honoured, has_more and next_cursor sent")


def _fields(reports: Sequence[Any]) -> Check:
    found: list[tuple[str, str]] = []
    for index, item in enumerate(reports):
        problems = report_problems(item) if isinstance(item, dict) else [("", "is not an object")]
        rid = item.get("id") if isinstance(item, dict) else None
        found += [(f"report {rid!r}: {f} {p}", f"report #{index + 1}: {f} {p}") for f, p in problems]
    if not found:
        return Check("report fields", True, f"{len(reports)} report(s) match the contract")
    more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
    seen = "; ".join(s for s, _ in found[:3]) + more
    return Check("report fields", False, seen, redacted="; ".join(r for _, r in found[:3]) + more)


def _labels(reports: Sequence[Any]) -> Check:
    dests = [
        d for r in reports if isinstance(r, dict) for d in _list(r.get("destinations")) if isinstance(d, dict)
    ]
    labelled = sum(1 for d in dests if "label" in d)
    if not dests or labelled == len(dests):
        return Check("labels", True, f"present on {labelled} of {len(dests)} destination(s) of reports")
    absent = len(dests) - labelled
    text = f"absent on {absent} of {len(dests)} destination(s) (tolerated: labels are never compared)"
    return Check("labels", False, text, relied=False)


def _unknown(reports: Sequence[Any]) -> Check:
    names: dict[str, int] = {}
    for item in reports:
        for name in unknown_fields(item) if isinstance(item, dict) else ():
            names[name] = names.get(name, 0) + 1
    if not names:
        return Check("unknown fields", True, "none: every field is one the contract names")
    listed = ", ".join(f"{name!r} on {n} report(s)" for name, n in sorted(names.items()))
    text = f"{listed} (tolerated: an update sends them back as read, since PUT replaces the whole report)"
    redacted = f"{len(names)} field name(s) not in the contract (tolerated)"
    return Check("unknown fields", False, text, relied=False, redacted=redacted)


def _destinations(page: Any) -> Check:
    items = page if isinstance(page, list) else page.get("data") if isinstance(page, dict) else None
    if not isinstance(items, list):
        return Check("destinations", False, f"the destinations listing is {shape(page)} with no data list")
    for index, item in enumerate(items):
        problems = destination_problems(item) if isinstance(item, dict) else [("", "is not an object")]
        if problems:
            field_name, problem = problems[0]
            return Check("destinations", False, f"destination #{index + 1}: {field_name} {problem}")
    return Check("destinations", True, f"{len(items)} destination(s), each with type and id")


def _round_trip(seconds: Sequence[float]) -> Check:
    ordered = sorted(seconds)
    median = ordered[len(ordered) // 2] if ordered else 0.0
    return Check("round trip", True, f"median {median * 1000:,.0f} ms over {len(ordered)} call(s)")


def _rate_headers(headers: Mapping[str, str]) -> Check:
    found = sorted(f"{k}: {v[:40]}" for k, v in headers.items() if any(h in k.lower() for h in _RATE_HEADERS))
    if not found:
        return Check(
            "rate-limit headers", True, "none sent (reportsync backs off on 429 with or without them)"
        )
    return Check("rate-limit headers", True, "; ".join(found), redacted=f"{len(found)} header(s)")


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def shapes(value: Any, depth: int = 0) -> Any:
    """`value` with every scalar replaced by its type name: the structure of an answer, none of its data."""
    if depth > 8:
        return "..."
    if isinstance(value, dict):
        return {str(k)[:64]: shapes(v, depth + 1) for k, v in list(value.items())[:50]}
    if isinstance(value, list):
        return [shapes(value[0], depth + 1)] if value else []
    return type(value).__name__ if value is not None else "null"
