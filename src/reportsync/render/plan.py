"""A Plan as text (Terraform-shaped), JSON and Markdown for a pull-request comment."""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

from reportsync.constants import WRITABLE_FIELDS
from reportsync.escape import shown
from reportsync.plan import Change, FieldChange, Plan
from reportsync.render import FORMAT_VERSION, Paint, code_span, plain, value

MARKDOWN_LIMIT = 65_000
SYMBOL = {"create": "+", "update": "~", "delete": "-"}
COLOR = {"create": "32", "update": "33", "delete": "31"}


def change_title(change: Change) -> str:
    text = f"{change.action} {value(change.report_name)} ({shown(change.environment)})"
    if change.remote_id:
        text += f" id {shown(change.remote_id)}"
    if change.file:
        text += f" from {shown(change.file)}"
    elif change.action == "delete":
        text += ": no file manages it (--prune)"
    return text


def change_lines(change: Change, paint: Paint = plain) -> list[str]:
    symbol = paint(SYMBOL[change.action], COLOR[change.action])
    lines = [f"  {symbol} {change_title(change)}"]
    if change.action == "update":
        for f in change.fields:
            lines += field_lines(f)
        if change.kept:
            names = ", ".join(value(k) for k in change.kept)
            lines.append(f"      = kept as read: {names} (fields reportsync does not know; PUT replaces all)")
    else:
        shown = change.after if change.action == "create" else change.before
        for key in WRITABLE_FIELDS:
            if shown and key in shown and key not in ("report_name", "environment"):
                lines.append(f"      {SYMBOL[change.action]} {key}: {value(shown[key])}")
    return lines


def field_lines(f: FieldChange) -> list[str]:
    """One update's field: `old -> new`, or the destinations added and removed, with their labels."""
    if not (f.added or f.removed):
        return [f"      ~ {f.name}: {value(f.old)} -> {value(f.new)}"]
    return [f"      ~ {f.name}:"] + [
        f"          {sign} {shown(d.id)}" + (f" ({shown(d.label)})" if d.label else "")
        for sign, items in (("-", f.removed), ("+", f.added))
        for d in items
    ]


def summary_line(plan: Plan) -> str:
    text = (
        f"Plan: {plan.count('create')} to create, {plan.count('update')} to update, "
        f"{plan.count('delete')} to delete. ({plan.unchanged} unchanged, {len(plan.unmanaged)} unmanaged)"
    )
    return text + (" [partial: --target]" if plan.partial else "")


def render_plan_text(plan: Plan, reports_label: str = "reports/", paint: Paint = plain) -> str:
    lines: list[str] = []
    if plan.partial:
        lines.append(
            f"Partial run: only reports matching {shown(', '.join(plan.options.targets))} (--target)."
        )
    if not plan.changes:
        lines.append(f"No changes. Remote reports match {reports_label}.")
    else:
        lines.append("reportsync will perform the following actions:")
        for change in plan.changes:
            lines += ["", *change_lines(change, paint)]
    kept = [u for u in plan.unmanaged if not any(c.remote_id == u.remote_id for c in plan.changes)]
    if kept:
        lines += ["", "Unmanaged remote reports (no file; left untouched):"]
        for u in kept:
            note = " (ignored by config)" if u.ignored else ""
            lines.append(f"  ? {value(u.report_name)} ({shown(u.environment)}) id {shown(u.remote_id)}{note}")
    lines += ["", summary_line(plan)]
    return "\n".join(lines)


def change_json(change: Change) -> dict[str, Any]:
    return {
        "action": change.action,
        "environment": change.environment,
        "report_name": change.report_name,
        "id": change.remote_id,
        "file": change.file,
        "line": change.line or None,
        "before": change.before,
        "after": change.after,
        "fields": [field_json(f) for f in change.fields],
        "kept_unknown_fields": list(change.kept),
    }


def field_json(f: FieldChange) -> dict[str, Any]:
    data = {"name": f.name, "old": f.old, "new": f.new}
    if f.added or f.removed:
        data |= {"added": [asdict(d) for d in f.added], "removed": [asdict(d) for d in f.removed]}
    return data


def plan_summary(plan: Plan) -> dict[str, int]:
    return {
        "create": plan.count("create"),
        "update": plan.count("update"),
        "delete": plan.count("delete"),
        "unchanged": plan.unchanged,
        "unmanaged": len(plan.unmanaged),
    }


def plan_json(plan: Plan) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "partial": plan.partial,
        "targets": list(plan.options.targets),
        "prune": plan.options.prune,
        "changes": [change_json(c) for c in plan.changes],
        "unmanaged": [
            {
                "id": u.remote_id,
                "environment": u.environment,
                "report_name": u.report_name,
                "ignored": u.ignored,
            }
            for u in plan.unmanaged
        ],
        "summary": plan_summary(plan),
    }


def render_plan_markdown(plan: Plan, title: str = "reportsync plan") -> str:
    """Markdown for a PR comment or job summary: every name, id, path and message a code span (data shown
    literally), the details in a fence no line can close; `title` is ours, a project name in it escaped."""
    head = "\n".join([f"### {title}", "", f"**{summary_line(plan)}**", ""])
    if not plan.changes:
        return head + "\nNo changes. Remote reports match the files."
    cells = [(c.report_name, c.environment, c.remote_id or "", c.file or "") for c in plan.changes]
    rows = [
        f"| {SYMBOL[c.action]} {c.action} | " + " | ".join(markdown_cell(t) for t in texts) + " |"
        for c, texts in zip(plan.changes, cells, strict=True)
    ]
    body = "\n".join(line for c in plan.changes for line in [*change_lines(c), ""])
    return _fit(head, rows, body)


def markdown_cell(text: str) -> str:
    """The one way text from outside enters a Markdown table cell (see render.code_span)."""
    return code_span(text)


def _cut(text: str, room: int, what: str) -> str:
    if len(text) <= room:
        return text
    kept = text[: max(room, 0)].rsplit("\n", 1)[0]
    dropped = text[len(kept) :].count("\n") + 1
    return kept + f"\n... {dropped} more {what} not shown; see the job log for the full plan."


def _fit(head: str, rows: list[str], body: str) -> str:
    """Keep the summary whole; cut the table, then the details, so the comment fits GitHub's limit."""
    fence = "`" * max([3, *(len(run) + 1 for run in re.findall("`{3,}", body))])
    start, end = f"\n<details><summary>Details</summary>\n\n{fence}diff\n", f"\n{fence}\n</details>"
    table_head = "| action | report | environment | id | file |\n|---|---|---|---|---|\n"
    budget = MARKDOWN_LIMIT - len(head) - len(start) - len(end) - len(table_head) - 400
    table = _cut("\n".join(rows), budget // 2, "table rows")
    details = _cut(body.rstrip(), budget - len(table), "lines")
    return head + "\n" + table_head + table + "\n" + start + details + end


def plan_totals_line(plans: list[Plan]) -> str:
    """The closing line of a run over several projects."""
    totals = {key: sum(plan_summary(p)[key] for p in plans) for key in plan_summary(plans[0])}
    return (
        f"All projects: {totals['create']} to create, {totals['update']} to update, "
        f"{totals['delete']} to delete. ({totals['unchanged']} unchanged, {totals['unmanaged']} unmanaged)"
    )
