"""`reportsync show NAME` / `--id ID`: one remote report as the YAML a file would hold, with id and runs."""

from __future__ import annotations

import difflib

from reportsync.client import Client
from reportsync.commands import projects_of
from reportsync.connection import open_client
from reportsync.console import Console
from reportsync.desired import display_path
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
    managed, complete = managing_files(project.reports, found)
    if args.format == "json":
        console.print(json_text(show_json(found, managed, complete)))
    else:
        console.print(show_text(found, managed, complete, display_path(project.reports)))
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


def managing_files(folder: str, reports: list[RemoteReport]) -> tuple[dict[str, str], bool]:
    """(report id -> `file:line` of the file that manages it, whether every file could be read): a
    report missing from the map is unmanaged only when the second item is True."""
    import os

    from reportsync.desired import collect_all

    if not os.path.lexists(folder):
        return {}, True  # no reports folder: nothing manages any report
    try:
        found = collect_all(folder)
    except ReportsyncError:
        return {}, False
    specs, complete = found.specs, not found.problems and not found.skipped
    pinned = {s.pinned_id: s.where for s in specs if s.pinned_id}
    by_identity = {s.identity: s.where for s in specs if not s.pinned_id}
    managed = {
        r.id: pinned.get(r.id) or by_identity.get(r.identity, "")
        for r in reports
        if pinned.get(r.id) or by_identity.get(r.identity)
    }
    return managed, complete
