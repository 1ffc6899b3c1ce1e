"""Saving a plan for a later `apply PLAN_FILE`, and reading it back. A plan file holds no secret."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from reportsync.errors import ReportsyncError
from reportsync.models import Destination, normalize
from reportsync.plan import Change, FieldChange, Plan, PlanOptions, Unmanaged

PLAN_KIND = "reportsync-plan"
PLAN_FORMAT = "2"


def save_plan(plan: Plan, path: str, api_url: str, project: str, redact: Callable[[str], str] = str) -> None:
    """Write the plan atomically as JSON: the Plan's own fields, the API URL and the project name.

    `redact` (the console's) is applied to the whole text: a plan file never holds the key.
    """
    data = {"kind": PLAN_KIND, "format_version": PLAN_FORMAT, "api_url": api_url, "project": project}
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


def load_plan(path: str) -> tuple[Plan, str, str]:
    """The saved plan, the API URL and the project it was made for; ReportsyncError when unreadable."""
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
        return plan_from(data["plan"]), str(data["api_url"]), str(data["project"])
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
