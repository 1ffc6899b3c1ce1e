"""`reportsync import`: write a file for every remote report that no file manages yet."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportsync.client import Client
from reportsync.commands import projects_of
from reportsync.config import Project
from reportsync.connection import open_client
from reportsync.console import Console
from reportsync.errors import ExitStatus, LoadError, ReportsyncError
from reportsync.importer import SCHEMA_FILE, ImportFile, Skipped, plan_import
from reportsync.match import selects
from reportsync.models import DesiredReport, Destination, RemoteReport
from reportsync.plan import PlanOptions, Unmanaged, build_plan
from reportsync.render import by_project, json_text, project_heading
from reportsync.render.listing import identity_json, import_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from argparse import Namespace


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """What import writes (or would write) for one project, and what it leaves out."""

    project: Project
    files: tuple[ImportFile, ...]
    skipped: tuple[Skipped, ...]
    ignored: tuple[Unmanaged, ...]
    dry_run: bool
    pending: int = 0  # changes the plan shows for the files already there: import does not clear them


def run(args: Namespace, console: Console) -> int:
    from reportsync.commands.plan import refuse_shared_keys

    refuse_shared_keys(args, console)  # one remote project under two names: import would write it twice
    outcomes: list[ImportOutcome] = []
    for project in projects_of(args):
        with open_client(project, console, args.emulator, args.timeout) as client:
            outcomes.append(import_project(project, client, args, console))
    # every project is read before any file is written: a failure leaves the tree as it was
    for outcome in outcomes:
        if not args.dry_run:
            write_files(Path(outcome.project.reports), outcome.files, console.redact)
    show_imports(outcomes, args, console)
    return ExitStatus.OK


def import_project(project: Project, client: Client, args: Namespace, console: Console) -> ImportOutcome:
    """What import would write for one project; nothing is written here."""
    folder = Path(project.reports)
    desired = desired_or_none(project, console)
    console.info(f"Read {len(desired)} report(s) from {project.reports}/; reading remote reports...")
    reports = client.list_reports()
    destinations = client.list_destinations()
    plan = build_plan(desired, reports, destinations, PlanOptions(ignore=project.ignore))
    by_id = {r.id: r for r in reports}
    names = {r.identity[1] for r in reports}
    candidates = [by_id[u.remote_id] for u in plan.unmanaged if not u.ignored and selected(u, args, names)]
    files, skipped = plan_import(
        candidates,
        reports,
        {d.identity for d in desired},
        existing_names(folder),
        schema_reference(folder),
    )
    files, invalid = checked(files, folder, destinations)
    ignored = tuple(u for u in plan.unmanaged if u.ignored)
    pending = len(plan.changes)
    return ImportOutcome(project, files, skipped + invalid, ignored, bool(args.dry_run), pending)


def desired_or_none(project: Project, console: Console) -> tuple[DesiredReport, ...]:
    """The report files' desired reports; none when the folder does not exist yet (import creates it).

    SafetyError when an entry under the folder was not read: it may declare a report that import
    would then write a second file for.
    """
    from reportsync.desired import load_project_files
    from reportsync.errors import SafetyError

    if not Path(project.reports).exists():
        return ()
    desired, skipped = load_project_files(project.reports, project.root)
    for entry in skipped:
        console.info(f"Warning: {entry}")
    if skipped:
        raise SafetyError(
            f"{len(skipped)} entr{'y' if len(skipped) == 1 else 'ies'} under {project.reports}/ not read: "
            "import cannot tell which reports they declare; nothing was written"
        )
    return desired


def selected(u: Unmanaged, args: Namespace, names: set[str]) -> bool:
    """Whether the filters pick this report; an entry that is some report's exact name means only it."""
    if args.environment and u.environment != args.environment:
        return False
    if args.name and not selects(u.report_name, [args.name], names):
        return False
    return not args.target or selects(u.report_name, args.target, names)


def existing_names(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir()] if folder.is_dir() else []


def schema_reference(folder: Path) -> str | None:
    """The repo's report schema relative to the reports folder (for the editor modeline), if there is one."""
    start = folder.resolve()
    for parent in (start, *start.parents):
        candidate = parent / "schema" / SCHEMA_FILE
        if candidate.is_file():
            return Path(os.path.relpath(candidate, start)).as_posix()
    return None


def checked(
    files: tuple[ImportFile, ...], folder: Path, destinations: tuple[Destination, ...]
) -> tuple[tuple[ImportFile, ...], tuple[Skipped, ...]]:
    """Files that `plan` would accept; a remote report whose file would not is skipped, with why."""
    from reportsync.loader import parse_documents
    from reportsync.validate import check_document

    good: list[ImportFile] = []
    bad: list[Skipped] = []
    for item in files:
        try:  # a name YAML cannot hold (a lone surrogate) must skip one report, not fail the import
            _, problems = check_document(parse_documents(item.text, str(folder / item.filename))[0])
        except LoadError as exc:
            problems = [exc.problem]
        unknown = unknown_destinations(item.report, destinations)
        if problems:
            reason = "it would not be a valid report file: " + "; ".join(p.message for p in problems)
            bad.append(Skipped(item.report, reason))
        elif unknown:
            listed = ", ".join(unknown)
            reason = f"it delivers to {listed}, not in the destination listing; fix it in the dashboard"
            bad.append(Skipped(item.report, reason))
        else:
            good.append(item)
    return tuple(good), tuple(bad)


def unknown_destinations(report: RemoteReport, destinations: tuple[Destination, ...]) -> list[str]:
    known = {d.id for d in destinations}
    items = report.payload.get("destinations") or []
    return [str(d.get("id")) for d in items if isinstance(d, dict) and d.get("id") not in known]


def write_files(folder: Path, files: tuple[ImportFile, ...], redact: Callable[[str], str] = str) -> None:
    """Create each file, redacted (a file never holds the key); one that exists is never overwritten."""
    if files:
        folder.mkdir(parents=True, exist_ok=True)
    for item in files:
        path = folder / item.filename
        try:
            with open(path, "x", encoding="utf-8") as handle:
                handle.write(redact(item.text))
        except FileExistsError:
            raise ReportsyncError(
                f"{path} appeared during the import and was left untouched; run `reportsync import` again"
            ) from None


def show_imports(outcomes: list[ImportOutcome], args: Namespace, console: Console) -> None:
    if args.format == "json":
        docs = [import_json(o) for o in outcomes]
        console.print(json_text(by_project([o.project.name for o in outcomes], docs)))
        return
    for o in outcomes:
        if len(outcomes) > 1:
            console.print(project_heading(o.project.name, console.paint))
        files = [(f.filename, f.report) for f in o.files]
        skipped = [(s.report, s.reason) for s in o.skipped]
        console.print(import_text(o.project.reports, files, skipped, len(o.ignored), o.dry_run, o.pending))


def import_json(o: ImportOutcome) -> dict[str, Any]:
    def entry(report: RemoteReport) -> dict[str, str]:
        env, name = report.identity
        return identity_json(report.id, env, name)

    return {
        "dry_run": o.dry_run,
        "files": [{"file": str(Path(o.project.reports, f.filename)), **entry(f.report)} for f in o.files],
        "skipped": [{**entry(s.report), "reason": s.reason} for s in o.skipped],
        "ignored": [identity_json(u.remote_id, u.environment, u.report_name) for u in o.ignored],
    }
