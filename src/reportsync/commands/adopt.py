"""`import`, `destinations` and `send-test`: adopting reports made by hand, and daily helpers."""

from __future__ import annotations

import argparse
import difflib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportsync.console import Console
from reportsync.errors import ApiError, ExitStatus, ReportsyncError
from reportsync.importer import SCHEMA_FILE, ImportFile, Skipped, plan_import
from reportsync.models import Destination, RemoteReport, ReportSpec
from reportsync.plan import PlanOptions, Unmanaged, build_plan, match_reports, matches
from reportsync.project import Project, resolve_projects
from reportsync.session import Remote, open_remote

# ---------------------------------------------------------------------------------------- import


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    project: Project
    files: tuple[ImportFile, ...]
    skipped: tuple[Skipped, ...]
    ignored: tuple[Unmanaged, ...]
    dry_run: bool


def run_import(args: argparse.Namespace, console: Console) -> int:
    outcomes: list[ImportOutcome] = []
    for project in resolve_projects(args, console.env):
        with open_remote(project, console, args.emulator) as remote:
            outcomes.append(import_project(project, remote, args, console))
    # every project is read before any file is written: a failure leaves the tree as it was
    for outcome in outcomes:
        if not args.dry_run:
            write_files(Path(outcome.project.reports), outcome.files)
    show_imports(outcomes, args, console)
    return ExitStatus.OK


def import_project(
    project: Project, remote: Remote, args: argparse.Namespace, console: Console
) -> ImportOutcome:
    """What import would write for one project; nothing is written here."""
    folder = Path(project.reports)
    desired = desired_or_none(folder)
    console.info(f"Read {len(desired)} report(s) from {project.reports}/; reading remote reports...")
    reports = remote.client.list_reports()
    destinations = remote.client.list_destinations()
    plan = build_plan(desired, reports, destinations, PlanOptions(ignore=project.ignore))
    by_id = {r.id: r for r in reports}
    candidates = [by_id[u.remote_id] for u in plan.unmanaged if not u.ignored and selected(u, args)]
    files, skipped = plan_import(
        candidates,
        reports,
        {spec.identity for spec in desired},
        existing_names(folder),
        schema_reference(folder),
    )
    files, invalid = checked(files, folder, destinations)
    ignored = tuple(u for u in plan.unmanaged if u.ignored)
    return ImportOutcome(project, files, skipped + invalid, ignored, bool(args.dry_run))


def desired_or_none(folder: Path) -> tuple[ReportSpec, ...]:
    """The report files' specs; none when the folder does not exist yet (import creates it)."""
    from reportsync.validate import load_desired

    return load_desired(folder) if folder.exists() else ()


def selected(u: Unmanaged, args: argparse.Namespace) -> bool:
    if args.environment and u.environment != args.environment:
        return False
    if args.name and not matches(u.report_name, [args.name]):
        return False
    return not args.target or matches(u.report_name, args.target)


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
        _, problems = check_document(parse_documents(item.text, str(folder / item.filename))[0])
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


def write_files(folder: Path, files: tuple[ImportFile, ...]) -> None:
    """Create each file; one that exists is never overwritten ("x" mode refuses)."""
    if files:
        folder.mkdir(parents=True, exist_ok=True)
    for item in files:
        path = folder / item.filename
        try:
            with open(path, "x", encoding="utf-8") as handle:
                handle.write(item.text)
        except FileExistsError:
            raise ReportsyncError(
                f"{path} appeared during the import and was left untouched; run `reportsync import` again"
            ) from None


def show_imports(outcomes: list[ImportOutcome], args: argparse.Namespace, console: Console) -> None:
    if args.format == "json":
        data = [import_json(o) for o in outcomes]
        many = len(outcomes) > 1
        out: Any = {
            "projects": [{"project": o.project.name, **d} for o, d in zip(outcomes, data, strict=True)]
        }
        console.print(json.dumps(out if many else data[0], indent=2, ensure_ascii=False))
        return
    for outcome in outcomes:
        if len(outcomes) > 1:
            console.print(console.paint(f"== project {outcome.project.name} ==", "1"))
        console.print(import_text(outcome))


def import_text(o: ImportOutcome) -> str:
    folder = f"{o.project.reports}/"
    lines = [f"  + {Path(o.project.reports, f.filename)}  {_title(f.report)}" for f in o.files]
    if not o.files:
        lines.append(f"Nothing to import: every remote report is managed by a file in {folder} or left out.")
    if o.skipped:
        lines += ["", "Not imported:"] + [f"  ! {_title(s.report)}: {s.reason}" for s in o.skipped]
    if o.ignored:
        lines += ["", f"{len(o.ignored)} unmanaged report(s) match `ignore:` in the config; not imported."]
    if o.files and o.dry_run:
        lines += ["", f"Dry run: {len(o.files)} file(s) would be written to {folder}; nothing was written."]
    elif o.files:
        lines += ["", f"Imported {len(o.files)} report(s) into {folder}; `reportsync plan` shows no changes."]
    return "\n".join(lines)


def _title(report: RemoteReport) -> str:
    env, name = report.identity
    return f"{json.dumps(name, ensure_ascii=False)} ({env}) id {report.id}"


def import_json(o: ImportOutcome) -> dict[str, Any]:
    def entry(report: RemoteReport) -> dict[str, str]:
        env, name = report.identity
        return {"id": report.id, "report_name": name, "environment": env}

    return {
        "dry_run": o.dry_run,
        "files": [{"file": str(Path(o.project.reports, f.filename)), **entry(f.report)} for f in o.files],
        "skipped": [{**entry(s.report), "reason": s.reason} for s in o.skipped],
        "ignored": [
            {"id": u.remote_id, "report_name": u.report_name, "environment": u.environment} for u in o.ignored
        ],
    }


# ---------------------------------------------------------------------------------- destinations


def run_destinations(args: argparse.Namespace, console: Console) -> int:
    listings: list[tuple[Project, tuple[Destination, ...]]] = []
    for project in resolve_projects(args, console.env):
        with open_remote(project, console, args.emulator) as remote:
            listings.append((project, remote.client.list_destinations()))
    many = len(listings) > 1
    if args.format == "json":
        rows = [[_destination_json(d) for d in found] for _, found in listings]
        out: Any = [{"project": p.name, "destinations": r} for (p, _), r in zip(listings, rows, strict=True)]
        console.print(json.dumps(out if many else rows[0], indent=2, ensure_ascii=False))
        return ExitStatus.OK
    for project, found in listings:
        if many:
            console.print(console.paint(f"== project {project.name} ==", "1"))
        console.print(destinations_table(found))
    return ExitStatus.OK


def _destination_json(d: Destination) -> dict[str, str]:
    return {"type": d.type, "id": d.id, "label": d.label}


def destinations_table(destinations: tuple[Destination, ...]) -> str:
    if not destinations:
        return "No destinations: add an integration in the Qonversion dashboard first."
    rows = [("TYPE", "ID", "LABEL"), *((d.type, d.id, d.label) for d in destinations)]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    return "\n".join(f"{t:<{widths[0]}}  {i:<{widths[1]}}  {label}".rstrip() for t, i, label in rows)


# ------------------------------------------------------------------------------------- send-test

SEND_TEST_LIMIT = (
    "the API allows one test delivery per minute per report, and this report was already tested "
    "within the last minute; wait a minute and run send-test again"
)


def run_send_test(args: argparse.Namespace, console: Console) -> int:
    project, spec = find_managed(args, resolve_projects(args, console.env))
    env, name = spec.identity
    with open_remote(project, console, args.emulator) as remote:
        target = remote_of(project, spec, remote)
        try:
            answer = remote.client.send_test(target.id)
        except ApiError as exc:
            if exc.status == 429:
                raise ReportsyncError(
                    f"send-test {json.dumps(name)} ({env}): {SEND_TEST_LIMIT} ({exc})."
                ) from None
            raise
    if args.format == "json":
        out = {"id": target.id, "report_name": name, "environment": env, "status": 202, "response": answer}
        console.print(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        console.print(f"Test delivery requested for {_title(target)}: accepted (202); it arrives shortly.")
    return ExitStatus.OK


def find_managed(args: argparse.Namespace, projects: tuple[Project, ...]) -> tuple[Project, ReportSpec]:
    """The one report file named NAME (in --environment), or an error saying what to add."""
    from reportsync.validate import load_desired

    everything = [(p, s) for p in projects for s in load_desired(p.reports)]
    named = [(p, s) for p, s in everything if s.payload["report_name"] == args.name]
    found = [(p, s) for p, s in named if not args.environment or s.payload["environment"] == args.environment]
    if len(found) == 1:
        return found[0]
    if not found:
        raise ReportsyncError(_not_found(args, named, [s for _, s in everything]))
    if len({p.name for p, _ in found}) > 1:
        names = ", ".join(sorted({p.name for p, _ in found}))
        raise ReportsyncError(f"{json.dumps(args.name)} is in several projects ({names}): add --project NAME")
    where = ", ".join(f"{s.payload['environment']} ({s.where})" for _, s in found)
    raise ReportsyncError(
        f"{json.dumps(args.name)} exists in both environments: {where}; "
        "add --environment sandbox or production"
    )


def _not_found(
    args: argparse.Namespace, named: list[tuple[Project, ReportSpec]], specs: list[ReportSpec]
) -> str:
    shown = json.dumps(args.name, ensure_ascii=False)
    if named:
        envs = ", ".join(sorted({s.payload["environment"] for _, s in named}))
        return f"{shown} is not declared in {args.environment}, only in {envs}"
    names = sorted({s.payload["report_name"] for s in specs})
    close = difflib.get_close_matches(args.name, names, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(json.dumps(c, ensure_ascii=False) for c in close)}?" if close else ""
    return f"no report file declares {shown}{hint} (send-test only sends reports managed by a file)"


def remote_of(project: Project, spec: ReportSpec, remote: Remote) -> RemoteReport:
    from reportsync.validate import load_desired

    pairs = match_reports(load_desired(project.reports), remote.client.list_reports())
    found = pairs.get(spec.where)
    if found is None:
        env, name = spec.identity
        raise ReportsyncError(
            f"{json.dumps(name)} ({env}) from {spec.where} does not exist remotely yet: "
            "run `reportsync apply` first"
        )
    return found
