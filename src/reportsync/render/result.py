"""An ApplyResult as text, JSON and Markdown."""

from __future__ import annotations

from typing import Any

from reportsync.apply import ApplyResult, ChangeResult
from reportsync.escape import shown
from reportsync.render import FORMAT_VERSION
from reportsync.render.plan import SYMBOL, change_json, change_title, markdown_cell


def result_line(result: ApplyResult) -> str:
    created, updated, deleted = (result.count(a) for a in ("create", "update", "delete"))
    text = f"{created} created, {updated} updated, {deleted} deleted."
    if result.failed or result.skipped:
        return (
            f"Apply finished with errors: {text} {len(result.failed)} failed, {len(result.skipped)} skipped."
        )
    return f"Apply complete: {text}"


def result_row(r: ChangeResult) -> str:
    note = f" — {shown(r.message)}" if r.message else ""
    created = f" → id {shown(r.remote_id)}" if r.change.action == "create" and r.remote_id else ""
    return f"  {r.status:<8} {SYMBOL[r.change.action]} {change_title(r.change)}{created}{note}"


def progress_line(done: int, total: int, r: ChangeResult) -> str:
    """One progress line on stderr during an apply: `[8/40] applied + create "X" (production) ...`."""
    return f"[{done}/{total}] " + result_row(r).strip()


def interrupted_text(result: ApplyResult) -> str:
    """The closing message of an interrupted apply: what was applied, what was not, and what to do."""
    applied = sum(1 for r in result.results if r.status == "applied")
    missing = len(result.results) - applied
    return (
        f"apply interrupted (Ctrl-C): {applied} change(s) applied, {missing} not applied (listed above). "
        "Run `reportsync apply` again to finish the rest: it plans anew from the remote reports, "
        "so nothing is done twice."
    )


def render_result_text(result: ApplyResult) -> str:
    lines = [result_row(r) for r in result.results]
    return "\n".join([*lines, "", result_line(result)] if lines else [result_line(result)])


def result_json(result: ApplyResult) -> dict[str, Any]:
    rows = [
        {
            **change_json(r.change),
            "status": r.status,
            "id": r.remote_id or r.change.remote_id,
            "message": r.message,
        }
        for r in result.results
    ]
    summary = {
        f"{a}d" if a != "create" else "created": result.count(a) for a in ("create", "update", "delete")
    }
    summary |= {"failed": len(result.failed), "skipped": len(result.skipped)}
    return {"format_version": FORMAT_VERSION, "results": rows, "summary": summary}


def render_result_markdown(result: ApplyResult, title: str = "reportsync apply") -> str:
    if not result.results:
        return f"### {title}\n\n**No changes: the remote reports already match the files.**"
    lines = [f"### {title}", "", f"**{result_line(result)}**", ""]
    if result.results:
        lines += ["| status | action | report | environment | id | message |", "|---|---|---|---|---|---|"]
        lines += [
            f"| {r.status} | {r.change.action} | {markdown_cell(r.change.report_name)} | "
            f"{markdown_cell(r.change.environment)} | {markdown_cell(r.remote_id or '')} | "
            f"{markdown_cell(r.message)} |"
            for r in result.results
        ]
    return "\n".join(lines)
