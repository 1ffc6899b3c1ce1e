"""`reportsync validate [FILE...]`: check every project's report files (or just the named ones) offline."""

from __future__ import annotations

import os

from reportsync.commands import projects_of
from reportsync.config import Project
from reportsync.console import Console
from reportsync.desired import collect_all, collect_files, display_path
from reportsync.errors import ExitStatus, Problem, ReportsyncError
from reportsync.render import quoted
from reportsync.render.listing import skipped_files_note, validate_json, validate_summary
from reportsync.validate import name_warnings

TYPE_CHECKING = False
if TYPE_CHECKING:
    from argparse import Namespace


def run(args: Namespace, console: Console) -> int:
    """Every project's files, each project checked on its own (identities are per project)."""
    projects = projects_of(args)
    if args.files:
        reports, files, problems = _check_named(projects, args.files, console)
    else:
        reports, files, problems = _check_all(projects, console)
    if args.format == "json":
        from reportsync.render import json_text

        console.print(json_text(validate_json(reports, files, problems)))
        console.annotate(problems)
    else:
        console.problems(problems, to_err=False)
        folders = {display_path(os.path.normpath(project.reports)) for project in projects}
        bad_files = len({p.file for p in problems} - folders)  # a missing folder is no bad file
        console.print(validate_summary(reports, files, len(problems), bad_files))
    return ExitStatus.ERROR if problems else ExitStatus.OK


def _check_all(projects: tuple[Project, ...], console: Console) -> tuple[int, int, list[Problem]]:
    """(reports, files read, problems) of every project's folder; entries not read are warned about."""
    reports, files = 0, 0
    problems: list[Problem] = []
    for project in projects:
        found = collect_all(project.reports, project.root)
        for warning in found.skipped + name_warnings(found.specs):
            console.info(f"Warning: {warning}")
        reports += len(found.specs)
        problems += found.problems
        files += found.files
    return reports, files, problems


def _check_named(
    projects: tuple[Project, ...], paths: list[str], console: Console
) -> tuple[int, int, list[Problem]]:
    """(reports, files checked, problems) of the named files that are some project's report files.

    pre-commit hands over every changed YAML file, workflows included: the others are listed as skipped.
    """
    # a folder typed as FILE; a link to one is what pre-commit may hand over for a linked folder
    folders = [path for path in paths if os.path.isdir(path) and not os.path.islink(path)]
    if folders:
        raise ReportsyncError(
            f"{quoted(folders[0])} is a folder: validate FILE... names files; "
            "`reportsync validate` checks the whole reports folder (--reports DIR another one)"
        )
    reports, checked = 0, 0
    problems: list[Problem] = []
    unique: dict[str, str] = {}
    for path in paths:
        unique.setdefault(os.path.realpath(path), path)  # a file named twice is checked once
    left = list(unique.values())
    skipped: list[str] = []
    for project in projects:
        mine = [path for path in left if _inside(path, project.reports)]
        left = [path for path in left if path not in mine]
        if mine:
            found, wrong, unread = collect_files(project.reports, mine)
            reports, problems, skipped = reports + len(found), problems + wrong, skipped + unread
            checked += len(mine) - len(unread)
    if left or skipped:
        console.info(skipped_files_note([p for p in unique.values() if p in left or p in skipped]))
    return reports, checked, problems


def _inside(path: str, folder: str) -> bool:
    folder = os.path.realpath(folder)
    return os.path.realpath(path).startswith(folder + os.sep)
