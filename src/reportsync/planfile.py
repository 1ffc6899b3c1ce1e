"""Saving a plan for a later `apply PLAN_FILE`, and reading it back. A plan file holds no secret."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from reportsync.errors import ReportsyncError
from reportsync.models import normalize
from reportsync.plan import Change, FieldChange, Plan, PlanOptions, Unmanaged
from reportsync.render import plan_json

PLAN_KIND = "reportsync-plan"


def save_plan(plan: Plan, path: Path, api_url: str, project: str = "default") -> None:
    data = plan_json(plan)
    data |= {
        "kind": PLAN_KIND,
        "api_url": api_url,
        "project": project,
        "remote_count": plan.remote_count,
        "options": asdict(plan.options),
    }
    for change_data, change in zip(data["changes"], plan.changes, strict=True):
        change_data |= {"fingerprint": change.fingerprint, "body": change.body}
    _atomic_write(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _atomic_write(path: Path, text: str) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        raise ReportsyncError(f"cannot write plan file {path}: {exc.strerror}") from None


def load_plan(path: Path) -> tuple[Plan, str, str]:
    """The saved plan, the API URL and the project it was made for."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReportsyncError(f"cannot read plan file {path}: {exc.strerror}") from None
    except (ValueError, UnicodeDecodeError):
        raise ReportsyncError(f"{path} is not a reportsync plan file (not JSON)") from None
    if not isinstance(data, dict) or data.get("kind") != PLAN_KIND:
        raise ReportsyncError(f"{path} is not a reportsync plan file (made with `plan --out`)")
    try:
        return _plan_from(data), str(data["api_url"]), str(data.get("project", "default"))
    except (KeyError, TypeError, ValueError) as exc:
        raise ReportsyncError(f"{path} is a damaged plan file ({type(exc).__name__}: {exc})") from None


def _plan_from(data: dict[str, Any]) -> Plan:
    if str(data["format_version"]) != "1":
        raise ValueError(f"unsupported format_version {data['format_version']!r}")
    options = data["options"]
    opts = PlanOptions(
        bool(options["prune"]),
        tuple(options["targets"]),
        tuple(options["ignore"]),
        float(options["max_change_percent"]),
        int(options["min_existing"]),
    )
    changes = tuple(_change_from(c) for c in data["changes"])
    unmanaged = tuple(
        Unmanaged(u["id"], u["environment"], u["report_name"], bool(u["ignored"])) for u in data["unmanaged"]
    )
    return Plan(changes, int(data["summary"]["unchanged"]), unmanaged, int(data["remote_count"]), opts)


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
    fields = tuple(FieldChange(f["name"], f["old"], f["new"]) for f in c["fields"])
    return Change(
        c["action"],
        c["environment"],
        c["report_name"],
        c["id"],
        c["file"],
        c["line"] or 0,
        c["before"],
        c["after"],
        fields,
        c["fingerprint"],
        c["body"],
    )
