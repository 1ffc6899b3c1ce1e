"""The planner: a pure function of (desired, remote) to a Plan; the only module importing deepdiff."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from reportsync.contract import unknown_fields
from reportsync.match import check_destinations, check_near_names, match_reports, matches, selects
from reportsync.models import (
    DesiredReport,
    Destination,
    Identity,
    Payload,
    RemoteReport,
    api_body,
    normalize,
)

Action = Literal["create", "update", "delete"]


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One changed field; for `destinations`, also the items added and removed by (type, id)."""

    name: str
    old: Any
    new: Any
    added: tuple[Destination, ...] = ()
    removed: tuple[Destination, ...] = ()


@dataclass(frozen=True, slots=True)
class Change:
    """One planned write. `fingerprint` is of the remote object it was computed from (None: absent)."""

    action: Action
    environment: str
    report_name: str
    remote_id: str | None
    file: str | None
    line: int
    before: Payload | None = field(hash=False)
    after: Payload | None = field(hash=False)
    fields: tuple[FieldChange, ...] = ()
    fingerprint: str | None = None
    body: Payload | None = field(default=None, hash=False)
    # Remote fields the contract does not name, sent back as read: PUT replaces the whole report.
    kept: tuple[str, ...] = ()

    @property
    def identity(self) -> Identity:
        return (self.environment, self.report_name)


@dataclass(frozen=True, slots=True)
class Unmanaged:
    remote_id: str
    environment: str
    report_name: str
    ignored: bool = False  # matched an ignore glob: never pruned


@dataclass(frozen=True, slots=True)
class Rename:
    """A planned create that looks like a rename: an unmanaged remote report equal to it but for the name."""

    file: str
    line: int
    environment: str
    new_name: str
    old_name: str
    remote_id: str


@dataclass(frozen=True, slots=True)
class PlanOptions:
    prune: bool = False
    targets: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    max_change_percent: float = 30.0
    min_existing: int = 10


DEFAULT_OPTIONS = PlanOptions()


@dataclass(frozen=True, slots=True)
class Plan:
    changes: tuple[Change, ...]
    unchanged: int
    unmanaged: tuple[Unmanaged, ...]
    remote_count: int
    options: PlanOptions = DEFAULT_OPTIONS
    renames: tuple[Rename, ...] = ()

    def count(self, action: Action) -> int:
        return sum(1 for c in self.changes if c.action == action)

    @property
    def partial(self) -> bool:
        return bool(self.options.targets)


def fingerprint(payload: Mapping[str, Any]) -> str:
    """A short digest of the comparable form of a remote report (labels, runs etc. excluded)."""
    text = json.dumps(normalize(payload), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def build_plan(
    desired: Sequence[DesiredReport],
    remote: Sequence[RemoteReport],
    destinations: Sequence[Destination],
    options: PlanOptions = DEFAULT_OPTIONS,
) -> Plan:
    """What must change so that remote matches desired. Raises PlanError when that is unsafe."""
    check_destinations(desired, destinations)
    names = {s.identity[1] for s in desired} | {r.identity[1] for r in remote}
    selected = [
        s for s in desired if not options.targets or selects(s.payload["report_name"], options.targets, names)
    ]
    pairs = match_reports(desired, remote)
    check_near_names(desired, remote, pairs)
    changes: list[Change] = []
    unchanged = 0
    labels = {(d.type, d.id): d.label for d in destinations}
    for spec in selected:
        change = diff_report(spec, pairs.get(spec.where), labels)
        if change is None:
            unchanged += 1
        else:
            changes.append(change)
    claimed = {r.id for r in pairs.values() if r is not None}
    unmanaged = tuple(_unmanaged(r, options) for r in remote if r.id not in claimed)
    renames = rename_hints(changes, [r for r in remote if r.id not in claimed])
    if options.prune:
        targeted = [
            u for u in unmanaged if not options.targets or selects(u.report_name, options.targets, names)
        ]
        changes.extend(_delete(u, remote) for u in targeted if not u.ignored)
    return Plan(tuple(changes), unchanged, unmanaged, len(remote), options, renames)


def rename_hints(changes: Sequence[Change], unclaimed: Sequence[RemoteReport]) -> tuple[Rename, ...]:
    """Each create whose fields equal an unclaimed remote report's but for `report_name`.

    Renaming a file's report without `id:` plans a create and leaves the old report running; pinning the
    old report's id turns the create into the rename that was meant.
    """
    found: list[Rename] = []
    for change in changes:
        if change.action != "create" or change.after is None or change.file is None:
            continue
        wanted = {k: v for k, v in change.after.items() if k != "report_name"}
        for report in unclaimed:
            theirs = normalize(report.payload)
            if {k: v for k, v in theirs.items() if k != "report_name"} == wanted:
                old_name = str(theirs.get("report_name", ""))
                env = change.environment
                found.append(Rename(change.file, change.line, env, change.report_name, old_name, report.id))
    return tuple(found)


def _unmanaged(report: RemoteReport, options: PlanOptions) -> Unmanaged:
    env, name = report.identity
    return Unmanaged(report.id, env, name, matches(name, options.ignore))


def _delete(u: Unmanaged, remote: Sequence[RemoteReport]) -> Change:
    report = next(r for r in remote if r.id == u.remote_id)
    before = normalize(report.payload)
    return Change(
        "delete",
        u.environment,
        u.report_name,
        u.remote_id,
        None,
        0,
        before,
        None,
        fingerprint=fingerprint(report.payload),
    )


def diff_report(
    spec: DesiredReport, remote: RemoteReport | None, labels: Mapping[tuple[str, str], str] | None = None
) -> Change | None:
    """The change that makes `remote` match `spec` (None: they match); `labels` name destinations."""
    env, name = spec.identity
    after = normalize(spec.payload)
    body = api_body(spec.payload)
    if remote is None:
        return Change("create", env, name, None, spec.file, spec.line, None, after, body=body)
    before = normalize(remote.payload)
    if before == after:
        return None
    kept = unknown_fields(remote.payload)
    body = {**body, **{name: remote.payload[name] for name in kept}}
    return Change(
        "update",
        env,
        name,
        remote.id,
        spec.file,
        spec.line,
        before,
        after,
        field_changes(before, after, labels or {}),
        fingerprint(remote.payload),
        body,
        kept,
    )


def field_changes(
    before: Payload, after: Payload, labels: Mapping[tuple[str, str], str]
) -> tuple[FieldChange, ...]:
    """The changed fields of two normalised payloads, in canonical order; destinations item by item."""
    from deepdiff import DeepDiff

    diff = DeepDiff(before, after, ignore_order=True, view="tree", iterable_compare_func=_same_destination)
    added: list[Destination] = []
    removed: list[Destination] = []
    for kind in diff:
        for level in diff[kind]:
            path = level.path(output_format="list")
            if path and path[0] == "destinations":
                removed += _destinations(level.t1, labels)
                added += _destinations(level.t2, labels)
    return tuple(
        FieldChange(name, before.get(name), after.get(name))
        if name != "destinations"
        else FieldChange(name, before.get(name), after.get(name), _sorted(added), _sorted(removed))
        for name in sorted(diff.affected_root_keys, key=_field_order)
    )


def _same_destination(x: Any, y: Any, level: Any = None) -> bool:
    """deepdiff's pairing rule: destinations are the same item when (type, id) are equal."""
    from deepdiff.helper import CannotCompare

    if isinstance(x, dict) and isinstance(y, dict) and "id" in x and "id" in y:
        return bool((x.get("type"), x["id"]) == (y.get("type"), y["id"]))
    raise CannotCompare() from None


def _destinations(value: Any, labels: Mapping[tuple[str, str], str]) -> list[Destination]:
    """The destination items a diff level holds on one side (a whole list when the field came or went)."""
    items = value if isinstance(value, list) else [value]
    found = [
        (str(d.get("type", "")), str(d.get("id", ""))) for d in items if isinstance(d, dict) and "id" in d
    ]
    return [Destination(t, i, labels.get((t, i), "")) for t, i in found]


def _sorted(items: list[Destination]) -> tuple[Destination, ...]:
    return tuple(sorted(set(items), key=lambda d: (d.type, d.id)))


def _field_order(name: Any) -> int:
    from reportsync.constants import WRITABLE_FIELDS

    return WRITABLE_FIELDS.index(name) if name in WRITABLE_FIELDS else len(WRITABLE_FIELDS)


def threshold_breach(plan: Plan) -> str | None:
    """Octodns-style guard: too large a share of remote reports updated or deleted at once."""
    opts = plan.options
    touched = plan.count("update") + plan.count("delete")
    if plan.remote_count < opts.min_existing or touched == 0:
        return None
    share = 100.0 * touched / plan.remote_count
    if share <= opts.max_change_percent:
        return None
    return (
        f"this plan updates or deletes {touched} of {plan.remote_count} remote reports "
        f"({share:.0f}%, above the {opts.max_change_percent:g}% threshold); "
        "review it and re-run with --force if it is intended"
    )
