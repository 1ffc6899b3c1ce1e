"""`reportsync show NAME` / `--id ID`: one remote report as the YAML a file would hold, with id and runs."""

from __future__ import annotations

import difflib

from reportsync.client import Client
from reportsync.commands import projects_of
from reportsync.connection import open_client
from reportsync.console import Console
from reportsync.errors import ExitStatus, ReportsyncError
from reportsync.models import RemoteReport
from reportsync.render import json_text, quoted
from reportsync.render.listing import show_json, show_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from argparse import Namespace


def run(args: Namespace, console: Console) -> int:
    if bool(args.name) == bool(args.id):
        raise ReportsyncError("show needs a report name or --id ID (one of them)")
    projects = projects_of(args)
    if len(projects) > 1:
        raise ReportsyncError("show reads one project: add --project NAME")
    project = projects[0]
    with open_client(project, console, args.emulator, args.timeout) as client:
        found = find(client, args)
    managed = managing_files(project.reports, found)
    if args.format == "json":
        console.print(json_text(show_json(found, managed)))
    else:
        console.print(show_text(found, managed))
    return ExitStatus.OK


def find(client: Client, args: Namespace) -> list[RemoteReport]:
    """The reports named NAME (in --environment), or the one with --id; ReportsyncError when none."""
    if args.id:
        return [client.get_report(args.id)]
    reports = client.list_reports()
    named = [r for r in reports if r.identity[1] == args.name]
    found = [r for r in named if not args.environment or r.identity[0] == args.environment]
    if found:
        return found
    if named:
        envs = ", ".join(sorted({r.identity[0] for r in named}))
        raise ReportsyncError(f"no remote report {quoted(args.name)} in {args.environment}, only in {envs}")
    close = difflib.get_close_matches(args.name, sorted({r.identity[1] for r in reports}), n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(quoted(c) for c in close)}?" if close else ""
    raise ReportsyncError(f"no remote report is named {quoted(args.name)}{hint}")


def managing_files(folder: str, reports: list[RemoteReport]) -> dict[str, str]:
    """report id -> `file:line` of the file that manages it; empty when the files cannot be read."""
    from reportsync.desired import collect

    try:
        specs, problems, _ = collect(folder)
    except ReportsyncError:
        return {}
    if problems:
        return {}
    pinned = {s.pinned_id: s.where for s in specs if s.pinned_id}
    by_identity = {s.identity: s.where for s in specs if not s.pinned_id}
    return {
        r.id: pinned.get(r.id) or by_identity.get(r.identity, "")
        for r in reports
        if pinned.get(r.id) or by_identity.get(r.identity)
    }
