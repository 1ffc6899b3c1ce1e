"""`reportsync refresh`: bring remote edits (the dashboard's) into the managed files that declare them."""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from reportsync.client import Client
from reportsync.commands import projects_of
from reportsync.config import Project
from reportsync.connection import open_client
from reportsync.console import Console
from reportsync.errors import ExitStatus
from reportsync.models import RemoteReport, normalize
from reportsync.plan import Change, Plan, PlanOptions, build_plan
from reportsync.render import by_project, json_text, project_heading
from reportsync.render.refresh import file_diff, refresh_json, refresh_summary

TYPE_CHECKING = False
if TYPE_CHECKING:
    from argparse import Namespace


@dataclass(frozen=True, slots=True)
class FileRefresh:
    """One managed file: its text as read, its text with the remote values, the reports it takes."""

    path: str
    old: str
    new: str
    changes: tuple[Change, ...]


@dataclass(frozen=True, slots=True)
class RefreshOutcome:
    """What refresh rewrites for one project, what it cannot, and the creates it leaves to apply."""

    project: Project
    files: tuple[FileRefresh, ...]
    refused: tuple[tuple[str, str], ...]  # (file, why)
    creates: int


def run(args: Namespace, console: Console) -> int:
    from reportsync.commands.plan import refuse_shared_keys

    refuse_shared_keys(args, console)  # one remote project under two names, as plan refuses it
    outcomes: list[RefreshOutcome] = []
    for project in projects_of(args):
        with open_client(project, console, args.emulator, args.timeout) as client:
            console.info(f"Reading {project.reports}/ and the remote reports...")
            plan, remote = read_plan(project, args, client)
        outcomes.append(refresh_project(project, plan, remote))
    # every project is read and every file computed before one is written
    unwritten: dict[str, str] = {}
    if not args.dry_run:
        for item in (f for o in outcomes for f in o.files):
            why = write_back(item)
            if why:
                unwritten[item.path] = why
    outcomes = [left_out(o, unwritten) for o in outcomes]
    show(outcomes, args, console)
    return ExitStatus.ERROR if any(o.refused for o in outcomes) else ExitStatus.OK


def left_out(outcome: RefreshOutcome, unwritten: dict[str, str]) -> RefreshOutcome:
    """The outcome with the files that could not be written moved to `refused`, with why."""
    kept = tuple(f for f in outcome.files if f.path not in unwritten)
    failed = tuple((f.path, unwritten[f.path]) for f in outcome.files if f.path in unwritten)
    return replace(outcome, files=kept, refused=outcome.refused + failed)


def read_plan(project: Project, args: Namespace, client: Client) -> tuple[Plan, tuple[RemoteReport, ...]]:
    from reportsync.desired import load_desired

    desired = load_desired(project.reports)
    remote = client.list_reports()
    destinations = client.list_destinations()
    options = PlanOptions(targets=tuple(args.target or ()), ignore=project.ignore)
    return build_plan(desired, remote, destinations, options), remote


def refresh_project(project: Project, plan: Plan, remote: tuple[RemoteReport, ...]) -> RefreshOutcome:
    """The new text of every file declaring an update; nothing is written here."""
    from reportsync.roundtrip import LayoutError, rewrite

    by_id = {r.id: r for r in remote}
    by_file: dict[str, list[Change]] = defaultdict(list)
    for change in plan.changes:
        if change.action == "update" and change.file and change.remote_id in by_id:
            by_file[change.file].append(change)
    refused = list(identity_clashes(project.reports, by_file, by_id).items())
    files: list[FileRefresh] = []
    for path, changes in by_file.items():
        if path in dict(refused):
            continue
        raw = read_exactly(path)
        try:
            old, restore = windows_text(raw, path)
            new = rewrite(old, edits_of(changes, by_id), path)
            check_rewrite(old, new, path, {c.line: by_id[str(c.remote_id)] for c in changes})
        except LayoutError as exc:
            refused.append((path, exc.message))
            continue
        files.append(FileRefresh(path, raw, restore(new), tuple(changes)))
    creates = plan.count("create")
    return RefreshOutcome(project, tuple(files), tuple(refused), creates)


def identity_clashes(
    folder: str, by_file: dict[str, list[Change]], by_id: dict[str, RemoteReport]
) -> dict[str, str]:
    """file -> why not: files whose remote report now has the (environment, name) another document
    declares. The server allows two reports with one name; two files may not declare it (validate)."""
    from reportsync.desired import load_desired
    from reportsync.render import quoted

    renamed = {(c.file, c.line): by_id[str(c.remote_id)].identity for cs in by_file.values() for c in cs}
    declared: dict[tuple[str, str], list[str]] = defaultdict(list)
    for spec in load_desired(folder):
        declared[renamed.get((spec.file, spec.line), spec.identity)].append(spec.where)
    clashes: dict[str, str] = {}
    for (path, line), (env, name) in renamed.items():
        others = [w for w in declared[(env, name)] if w != f"{path}:{line}"]
        if others and path not in clashes:
            clashes[str(path)] = (
                f"{path}: the remote report is now named {quoted(name)} ({env}), which {others[0]} declares"
                " too; two files cannot declare one report: rename one of them in the dashboard (the file"
                " is left untouched)"
            )
    return clashes


def edits_of(changes: list[Change], by_id: dict[str, RemoteReport]) -> dict[int, dict[str, Any]]:
    """For each document (by its line), the remote value of every field that differs."""
    edits: dict[int, dict[str, Any]] = {}
    for change in changes:
        payload = by_id[str(change.remote_id)].payload
        edits[change.line] = {f.name: payload.get(f.name) for f in change.fields}
    return edits


def check_rewrite(old: str, new: str, path: str, remote_by_line: dict[int, RemoteReport]) -> None:
    """LayoutError unless the new text reads back as the remote reports, the other documents unchanged."""
    from reportsync.loader import parse_documents
    from reportsync.roundtrip import LayoutError
    from reportsync.validate import check_document

    def payloads(text: str) -> list[str]:
        found = []
        for document in parse_documents(text, path):
            spec, _ = check_document(document)
            if spec is None:
                raise LayoutError(f"{path}: the rewritten file would not be valid; edit it by hand")
            found.append(json.dumps(normalize(spec.payload), sort_keys=True))
        return found

    expected = payloads(old)
    lines = [d.line for d in parse_documents(old, path)]
    for index, line in enumerate(lines):
        if line in remote_by_line:
            expected[index] = json.dumps(normalize(remote_by_line[line].payload), sort_keys=True)
    if payloads(new) != expected:
        raise LayoutError(f"{path}: the rewritten file would not read back as the remote reports")


def windows_text(raw: str, path: str) -> tuple[str, Callable[[str], str]]:
    """(the text without a BOM and with LF line endings, what puts them back on a rewritten text);
    LayoutError for a file that mixes line endings (no one rewrite keeps it)."""
    from reportsync.roundtrip import LayoutError

    bom = "\ufeff" if raw.startswith("\ufeff") else ""
    text = raw[len(bom) :].replace("\r\n", "\n")
    crlf = "\r\n" in raw
    if "\r" in text or (crlf and "\n" in raw.replace("\r\n", "")):
        raise LayoutError(f"{path}: the file mixes line endings; edit the differing values by hand")
    return text, lambda new: bom + (new.replace("\n", "\r\n") if crlf else new)


def read_exactly(path: str) -> str:
    """The file's text with its line endings as they are (read_text would turn CRLF into LF)."""
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def write_back(item: FileRefresh) -> str | None:
    """Replace the file atomically, unless someone changed it since it was read; why not, if not."""
    path = Path(item.path)
    temporary = path.with_name(f".{path.name}.reportsync-tmp")
    try:
        if read_exactly(item.path) != item.old:
            return f"{item.path} changed during the refresh and was left untouched; run refresh again"
        with open(temporary, "w", encoding="utf-8", newline="") as handle:
            handle.write(item.new)
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        return f"{item.path} could not be written ({exc.strerror}) and was left untouched"
    return None


def show(outcomes: list[RefreshOutcome], args: Namespace, console: Console) -> None:
    if args.format == "json":
        docs = [
            refresh_json([(f.path, f.old, f.new) for f in o.files], o.refused, args.dry_run) for o in outcomes
        ]
        console.print(json_text(by_project([o.project.name for o in outcomes], docs)))
        return
    for o in outcomes:
        if len(outcomes) > 1:
            console.print(project_heading(o.project.name, console.paint))
        for item in o.files:
            console.print(file_diff(item.path, item.old, item.new, console.paint))
        for _path, why in o.refused:
            console.error(why)
        console.print(
            refresh_summary(o.project.reports, len(o.files), len(o.refused), o.creates, args.dry_run)
        )
