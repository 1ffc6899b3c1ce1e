"""A Plan as text (Terraform-shaped), JSON and Markdown for a pull-request comment."""

from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

from reportsync.constants import WRITABLE_FIELDS
from reportsync.escape import shown
from reportsync.plan import Change, FieldChange, Plan, Rename, Unmanaged
from reportsync.render import FORMAT_VERSION, Paint, code_span, plain, quoted, value

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


def rename_line(rename: Rename) -> str:
    """The hint under a create that looks like a rename of a report no file declares."""
    return (
        f"      hint: {quoted(rename.old_name)} ({shown(rename.environment)}) "
        f"id {shown(rename.remote_id)} has the same fields but its old name and keeps running; "
        "to rename it instead of creating a copy, "
        f"add `id: {shown(rename.remote_id)}` to {shown(rename.file)}"
    )


def renames_of(plan: Plan, change: Change) -> list[Rename]:
    return [r for r in plan.renames if (r.file, r.line) == (change.file, change.line)]


def kept_unmanaged(plan: Plan) -> list[Unmanaged]:
    """Remote reports no file declares and this plan does not delete."""
    return [u for u in plan.unmanaged if not any(c.remote_id == u.remote_id for c in plan.changes)]


def headline(plan: Plan, reports_label: str) -> str:
    """The first line: a match is claimed only when no remote report is left that --prune would delete."""
    if plan.changes:
        return "reportsync will perform the following actions:"
    orphans = sum(1 for u in kept_unmanaged(plan) if not u.ignored)
    if not orphans:
        return f"No changes. Remote reports match {reports_label}."
    them = "it" if orphans == 1 else "them"
    return (
        f"No changes to the reports in {reports_label}, but {orphans} remote report"
        f"{'' if orphans == 1 else 's'} no file declares {'is' if orphans == 1 else 'are'} still running; "
        f"`--prune` would delete {them} (listed below)."
    )


def render_plan_text(plan: Plan, reports_label: str = "reports/", paint: Paint = plain) -> str:
    lines: list[str] = []
    if plan.partial:
        lines.append(
            f"Partial run: only reports matching {shown(', '.join(plan.options.targets))} (--target)."
        )
    lines.append(headline(plan, reports_label))
    for change in plan.changes:
        lines += ["", *change_lines(change, paint), *(rename_line(r) for r in renames_of(plan, change))]
    kept = kept_unmanaged(plan)
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
        "renames": [
            {
                "file": r.file,
                "line": r.line,
                "environment": r.environment,
                "report_name": r.new_name,
                "old_name": r.old_name,
                "id": r.remote_id,
            }
            for r in plan.renames
        ],
        "summary": plan_summary(plan),
    }


def unmanaged_markdown(plan: Plan) -> str:
    """The remote reports no file declares, as a list under the plan (empty when there are none)."""
    kept = kept_unmanaged(plan)
    if not kept:
        return ""
    lines = [
        "",
        "",
        "Remote reports no file declares (left untouched; `--prune` would delete those not ignored):",
    ]
    for u in kept:
        note = " (ignored by config)" if u.ignored else ""
        lines.append(
            f"- {code_span(u.report_name, in_table=False)} ({code_span(u.environment, in_table=False)}) "
            f"id {code_span(u.remote_id, in_table=False)}{note}"
        )
    return "\n".join(lines)


def render_plan_markdown(plan: Plan, title: str = "reportsync plan") -> str:
    """Markdown for a PR comment or job summary: every name, id, path and message a code span (data shown
    literally), the details in a fence no line can close; `title` is ours, a project name in it escaped."""
    head = "\n".join([f"### {title}", "", f"**{summary_line(plan)}**", ""])
    if not plan.changes:
        return head + "\n" + headline(plan, "the files") + unmanaged_markdown(plan)
    cells = [
        (c.report_name, c.environment, what_changes(c), c.remote_id or "", c.file or "") for c in plan.changes
    ]
    rows = [
        f"| {SYMBOL[c.action]} {c.action} | " + " | ".join(markdown_cell(t) for t in texts) + " |"
        for c, texts in zip(plan.changes, cells, strict=True)
    ]
    body = "\n".join(
        line
        for c in plan.changes
        for line in [*diff_lines(c), *(rename_line(r) for r in renames_of(plan, c)), ""]
    )
    return _fit(head, rows, body, _cut(unmanaged_markdown(plan), 8000, "reports"))


def what_changes(change: Change) -> str:
    """The table cell of one change: `send_at 08:00 → 08:30; destinations +int-wh-02 −int-slack-01`."""
    if change.action != "update":
        return "new report" if change.action == "create" else "deleted"
    parts = []
    for f in change.fields:
        if f.added or f.removed:
            items = [f"+{d.id}" for d in f.added] + [f"−{d.id}" for d in f.removed]
            parts.append(f"{f.name} {' '.join(items)}")
        else:
            parts.append(f"{f.name} {_bare(f.old)} → {_bare(f.new)}")
    return "; ".join(parts)


def _bare(v: Any) -> str:
    return v if isinstance(v, str) else value(v)


def diff_lines(change: Change) -> list[str]:
    """One change in the details block, as GitHub colours a diff: `-` old in red, `+` new in green."""
    if change.action != "update":
        sign = SYMBOL[change.action]
        return [f"{sign} {change_title(change)}"] + [
            f"{sign}     {line.strip()[2:]}" for line in change_lines(change)[1:]
        ]
    lines = [f"@@ update {change_title(change).removeprefix('update ')} @@"]
    for f in change.fields:
        if f.added or f.removed:
            lines += [
                f"-     {f.name}: {shown(d.id)}" + (f" ({shown(d.label)})" if d.label else "")
                for d in f.removed
            ]
            lines += [
                f"+     {f.name}: {shown(d.id)}" + (f" ({shown(d.label)})" if d.label else "")
                for d in f.added
            ]
        else:
            lines += [f"-     {f.name}: {value(f.old)}", f"+     {f.name}: {value(f.new)}"]
    return lines


def markdown_cell(text: str) -> str:
    """The one way text from outside enters a Markdown table cell (see render.code_span)."""
    return code_span(text)


def _cut(text: str, room: int, what: str) -> str:
    if len(text) <= room:
        return text
    kept = text[: max(room, 0)].rsplit("\n", 1)[0]
    dropped = text[len(kept) :].count("\n") + 1
    return kept + f"\n... {dropped} more {what} not shown; see the job log for the full plan."


def _fit(head: str, rows: list[str], body: str, tail: str = "") -> str:
    """Keep the summary whole; cut the table, then the details, so the comment fits GitHub's limit."""
    fence = "`" * max([3, *(len(run) + 1 for run in re.findall("`{3,}", body))])
    start, end = f"\n<details><summary>Details</summary>\n\n{fence}diff\n", f"\n{fence}\n</details>"
    table_head = "| action | report | environment | changes | id | file |\n|---|---|---|---|---|---|\n"
    budget = MARKDOWN_LIMIT - len(head) - len(start) - len(end) - len(table_head) - len(tail) - 400
    table = _cut("\n".join(rows), budget // 2, "table rows")
    details = _cut(body.rstrip(), budget - len(table), "lines")
    return head + "\n" + table_head + table + "\n" + start + details + end + tail


def plan_totals_line(plans: list[Plan]) -> str:
    """The closing line of a run over several projects."""
    totals = {key: sum(plan_summary(p)[key] for p in plans) for key in plan_summary(plans[0])}
    return (
        f"All projects: {totals['create']} to create, {totals['update']} to update, "
        f"{totals['delete']} to delete. ({totals['unchanged']} unchanged, {totals['unmanaged']} unmanaged)"
    )
