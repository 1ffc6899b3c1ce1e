"""Saving a plan for a later `apply PLAN_FILE`, and reading it back. A plan file holds no secret."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from reportsync.errors import ReportsyncError
from reportsync.models import Destination, normalize
from reportsync.plan import Change, FieldChange, Plan, PlanOptions, Unmanaged

PLAN_KIND = "reportsync-plan"
PLAN_FORMAT = "2"


@dataclass(frozen=True, slots=True)
class SavedPlan:
    """A plan file's content: the plan and where it was made (API URL, project, reports folder)."""

    plan: Plan
    api_url: str
    project: str
    reports: str | None  # None in files written before the folder was recorded


def save_plan(
    plan: Plan, path: str, api_url: str, project: str, reports: str, redact: Callable[[str], str] = str
) -> None:
    """Write the plan atomically as JSON: the Plan's own fields, the API URL, project and reports folder.

    `redact` (the console's) is applied to the whole text: a plan file never holds the key.
    """
    data = {"kind": PLAN_KIND, "format_version": PLAN_FORMAT, "api_url": api_url, "project": project}
    data["reports"] = reports
    text = json.dumps({**data, "plan": asdict(plan)}, indent=2, ensure_ascii=True)
    _atomic_write(path, redact(text) + "\n")


def _atomic_write(path: str, text: str) -> None:
    folder = os.path.dirname(path) or "."
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        raise ReportsyncError(f"cannot write plan file {path}: {exc.strerror}") from None


def load_plan(path: str) -> SavedPlan:
    """The saved plan and where it was made; ReportsyncError when unreadable or damaged."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise ReportsyncError(f"cannot read plan file {path}: {exc.strerror}") from None
    except (ValueError, UnicodeDecodeError):
        raise ReportsyncError(f"{path} is not a reportsync plan file (not JSON)") from None
    if not isinstance(data, dict) or data.get("kind") != PLAN_KIND:
        raise ReportsyncError(f"{path} is not a reportsync plan file (made with `plan --out`)")
    if data.get("format_version") != PLAN_FORMAT:
        raise ReportsyncError(f"{path} was made by another version of reportsync: make a new plan")
    try:
        reports = data.get("reports")
        folder = str(reports) if reports is not None else None
        return SavedPlan(plan_from(data["plan"]), str(data["api_url"]), str(data["project"]), folder)
    except (KeyError, TypeError, ValueError) as exc:
        raise ReportsyncError(f"{path} is a damaged plan file ({type(exc).__name__}: {exc})") from None


def plan_from(data: dict[str, Any]) -> Plan:
    """A Plan from its asdict() form; ValueError/KeyError/TypeError when it is not one."""
    options = data["options"]
    opts = PlanOptions(
        bool(options["prune"]),
        tuple(options["targets"]),
        tuple(options["ignore"]),
        float(options["max_change_percent"]),
        int(options["min_existing"]),
    )
    changes = tuple(_change_from(c) for c in data["changes"])
    unmanaged = tuple(Unmanaged(**u) for u in data["unmanaged"])
    return Plan(changes, int(data["unchanged"]), unmanaged, int(data["remote_count"]), opts)


def first_difference(saved: Plan, fresh: Plan) -> str:
    """The first way the plan made now differs from the saved one ("" when they are equal).

    Options first, then each change in order field by field (action, ids, bodies, what was shown),
    then the unmanaged reports and the counts.
    """
    old, new = asdict(saved), asdict(fresh)
    for name in ("prune", "targets", "ignore", "max_change_percent", "min_existing"):
        if old["options"][name] != new["options"][name]:
            return f"option {name} is {_short(old['options'][name])} in the file"
    for index, (a, b) in enumerate(zip(old["changes"], new["changes"], strict=False)):
        for name in a:
            if a[name] != b[name]:
                label = f"change {index + 1} ({a['action']} {_short(a['report_name'])})"
                return f"{label}: {name} is {_short(a[name])} in the file, {_short(b[name])} now"
    if len(old["changes"]) != len(new["changes"]):
        return f"the file holds {len(old['changes'])} change(s), the plan made now {len(new['changes'])}"
    for name in ("unmanaged", "unchanged", "remote_count"):
        if old[name] != new[name]:
            return f"{name} is {_short(old[name])} in the file, {_short(new[name])} now"
    return ""


def _short(value: Any) -> str:
    from reportsync.names import escaped

    text = escaped(value) if isinstance(value, str) else json.dumps(value, ensure_ascii=True, sort_keys=True)
    return text if len(text) <= 120 else text[:117] + "..."


def _change_from(c: dict[str, Any]) -> Change:
    if c["action"] not in ("create", "update", "delete"):
        raise ValueError(f"unknown action {c['action']!r}")
    body, after = c["body"], c["after"]
    if c["action"] == "delete":
        if body is not None:
            raise ValueError("a delete carries no body")
    elif not isinstance(body, dict) or normalize(body) != after:
        # What apply sends must be what the reviewed plan showed.
        raise ValueError(f"the body of {c['action']} {c['report_name']!r} does not match its 'after'")
    fields = tuple(_field_from(f) for f in c["fields"])
    return Change(**{**c, "fields": fields, "kept": tuple(str(k) for k in c.get("kept", ()))})


def _field_from(f: dict[str, Any]) -> FieldChange:
    added = tuple(Destination(**d) for d in f["added"])
    removed = tuple(Destination(**d) for d in f["removed"])
    return FieldChange(f["name"], f["old"], f["new"], added, removed)
