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


def validate_summary(reports: int, files: int, problems: int, bad_files: int = 0) -> str:
    """The closing line; the counts say what they count ("3 problems in 2 of 5 files")."""
    if problems and not bad_files:  # e.g. a reports folder that is missing: no file read is bad
        return f"{plural(problems, 'problem')}; {plural(files, 'file')} read."
    if problems:
        where = f"{bad_files} of {plural(files, 'file')}" if bad_files else plural(files, "file")
        return f"{plural(problems, 'problem')} in {where}."
    return f"{plural(reports, 'report')} in {plural(files, 'file')}: all valid."


def skipped_files_note(paths: Sequence[str]) -> str:
    """What validate FILE... says of named files outside every project's reports folder."""
    shown = ", ".join(quoted(path) for path in paths)
    return f"Not checked ({plural(len(paths), 'file')}, not in a reports folder): {shown}."


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
    pending: int = 0,
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
    elif files and not pending:
        lines += ["", f"Imported {len(files)} report(s) into {label}; `reportsync plan` shows no changes."]
    elif files:
        lines += [
            "",
            f"Imported {len(files)} report(s) into {label}; `reportsync plan` shows no changes for them,",
            f"but {plural(pending, 'other change')} for files already in {label} "
            "(see `reportsync plan`; `reportsync refresh` brings remote edits into those files).",
        ]
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


def show_header(report: RemoteReport, managed_by: str, folder: str | None = None) -> str:
    """The comment lines above a shown report: who it is, its runs, and the file that manages it
    (`folder`: the reports folder when some of its files could not be read, so "none" is unknown)."""
    env, name = report.identity
    runs = report.payload.get("runs")
    lines = [
        f"# {quoted(name)} ({env}) id {report.id}"
        + (f", {plural(runs, 'run')}" if isinstance(runs, int) else "")
    ]
    for key in ("created_at", "updated_at"):
        if isinstance(report.payload.get(key), str):
            lines.append(f"# {key.replace('_at', '')}: {report.payload[key]}")
    if managed_by:
        lines.append(f"# managed by {managed_by}")
    elif folder is not None:
        lines.append(
            f"# managing file unknown: {shown(folder)}/ has problems (`reportsync validate` names them)"
        )
    else:
        lines.append("# no file manages it (`reportsync import` adopts it)")
    return "".join(line.replace("\n", " ") + "\n" for line in lines)


def show_text(reports: Sequence[RemoteReport], managed: dict[str, str], complete: bool, folder: str) -> str:
    """Each report as the YAML a file would hold (several: a multi-document stream)."""
    from reportsync.importer import report_text

    unknown = None if complete else folder
    texts = [report_text(r, None, show_header(r, managed.get(r.id, ""), unknown)) for r in reports]
    return "---\n".join(texts).rstrip("\n")


def show_json(
    reports: Sequence[RemoteReport], managed: dict[str, str], complete: bool
) -> list[dict[str, Any]]:
    from reportsync.importer import report_document

    return [
        {
            **identity_json(r.id, *r.identity),
            "runs": r.payload.get("runs"),
            "managed_by": managed.get(r.id) or None,
            "managed_by_known": complete or r.id in managed,
            "file": report_document(r),
        }
        for r in reports
    ]
