"""Listings: validate's summary, import's files, the destinations table, send-test's answer."""

from __future__ import annotations

import os
from collections.abc import Sequence

from reportsync.errors import Problem
from reportsync.escape import shown
from reportsync.models import Destination, RemoteReport
from reportsync.render import quoted

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def validate_summary(reports: int, files: int, problems: int) -> str:
    if problems:
        return f"{plural(problems, 'problem')} found in {plural(files, 'file')}."
    return f"{plural(reports, 'report')} in {plural(files, 'file')}: all valid."


def validate_json(reports: int, files: int, problems: Sequence[Problem]) -> dict[str, Any]:
    return {
        "valid": not problems,
        "files": files,
        "reports": reports,
        "problems": [{"file": p.file, "line": p.line, "col": p.col, "message": p.message} for p in problems],
    }


def report_title(report: RemoteReport) -> str:
    env, name = report.identity
    return f"{quoted(name)} ({shown(env)}) id {shown(report.id)}"


def import_text(
    folder: str,
    files: Sequence[tuple[str, RemoteReport]],
    skipped: Sequence[tuple[RemoteReport, str]],
    ignored: int,
    dry_run: bool,
) -> str:
    """What import wrote (or would write), what it left out and why; `files` are (filename, report)."""
    label = f"{shown(folder)}/"
    lines = [f"  + {shown(os.path.join(folder, name))}  {report_title(report)}" for name, report in files]
    if not files:
        lines.append(f"Nothing to import: every remote report is managed by a file in {label} or left out.")
    if skipped:
        lines += ["", "Not imported:"] + [f"  ! {report_title(r)}: {shown(reason)}" for r, reason in skipped]
    if ignored:
        lines += ["", f"{ignored} unmanaged report(s) match `ignore:` in the config; not imported."]
    if files and dry_run:
        lines += ["", f"Dry run: {len(files)} file(s) would be written to {label}; nothing was written."]
    elif files:
        lines += ["", f"Imported {len(files)} report(s) into {label}; `reportsync plan` shows no changes."]
    return "\n".join(lines)


def identity_json(report_id: str, environment: str, name: str) -> dict[str, str]:
    return {"id": report_id, "report_name": name, "environment": environment}


def destinations_table(destinations: Sequence[Destination]) -> str:
    if not destinations:
        return "No destinations: add an integration in the Qonversion dashboard first."
    rows = [("TYPE", "ID", "LABEL"), *((shown(d.type), shown(d.id), shown(d.label)) for d in destinations)]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    return "\n".join(f"{t:<{widths[0]}}  {i:<{widths[1]}}  {label}".rstrip() for t, i, label in rows)


def destinations_json(destinations: Sequence[Destination]) -> list[dict[str, str]]:
    return [{"type": d.type, "id": d.id, "label": d.label} for d in destinations]


def send_test_text(report: RemoteReport) -> str:
    return f"Test delivery requested for {report_title(report)}: accepted (202); it arrives shortly."
