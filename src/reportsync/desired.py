"""The desired state of a folder: every report file found, loaded, checked alone and against the others."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from reportsync.errors import InvalidFilesError, LoadError, Problem
from reportsync.loader import find_report_files, load_file
from reportsync.models import DesiredReport, Document
from reportsync.validate import check_document, cross_check


def display_path(path: str) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return path


@dataclass(frozen=True, slots=True)
class Collected:
    """What reading a reports folder found: reports, problems, files read, and entries not read."""

    specs: list[DesiredReport]
    problems: list[Problem]
    files: int
    skipped: list[Problem]  # each names an entry and why it was not read: never an error, never quoted


def collect_all(folder: str | os.PathLike[str], root: str | None = None) -> Collected:
    """Load and check every report file; links may lead anywhere inside `root` (the repository)."""
    from reportsync.discover import discover

    folder = os.path.normpath(folder)  # "reports/" and "./reports" name files as "reports" does
    if not os.path.isdir(folder):
        message = "reports folder not found" if not os.path.exists(folder) else "not a folder"
        return Collected([], [Problem(display_path(folder), 0, 0, message)], 0, [])
    found = discover(folder, root)
    specs: list[DesiredReport] = []
    declarations: list[DesiredReport] = []
    problems: list[Problem] = []
    prefix, shown = len(folder), display_path(folder)  # one relpath for the folder, not per file

    def label(path: str) -> str:
        return os.path.join(shown, path[prefix:].lstrip(os.sep))

    for path in found.files:
        try:
            documents = load_file(path, label(path))
        except LoadError as exc:
            problems.append(exc.problem)
            continue
        for document in documents:
            spec, wrong = check_document(document)
            problems.extend(wrong)
            if spec is not None:
                specs.append(spec)
            declaration = spec or declared(document)
            if declaration is not None:
                declarations.append(declaration)
    problems.extend(cross_check(declarations))
    skipped = [Problem(_safe(label(s.path)), 0, 0, f"not read: {s.reason}") for s in found.skipped]
    return Collected(specs, problems, len(found.files), skipped)


def _safe(name: str) -> str:
    """A file name shown as it is, or escaped when it holds characters a reader cannot see."""
    from reportsync.names import escaped

    shown = escaped(name)
    return name if shown == f'"{name}"' else shown


def collect(folder: str | os.PathLike[str]) -> tuple[list[DesiredReport], list[Problem], int]:
    """Load and check every report file: (specs, all problems, files read)."""
    found = collect_all(folder)
    return found.specs, found.problems, found.files


def load_project_files(
    folder: str | os.PathLike[str], root: str | None = None
) -> tuple[tuple[DesiredReport, ...], tuple[Problem, ...]]:
    """The desired state and the entries not read, or InvalidFilesError carrying every problem found."""
    found = collect_all(folder, root)
    if found.problems:
        raise InvalidFilesError(tuple(found.problems))
    return tuple(found.specs), tuple(found.skipped)


def declared(document: Document) -> DesiredReport | None:
    """What an invalid document still declares (name, environment, pinned id), for the cross-file checks.

    A clash between two files shows in the same run as their schema problems, not after they are fixed.
    """
    data = document.data
    if not isinstance(data, dict):
        return None
    name, env, pinned = data.get("report_name"), data.get("environment"), data.get("id")
    if not (isinstance(name, str) and isinstance(env, str)):
        return None
    payload = {"report_name": name, "environment": env}
    return DesiredReport(payload, document.file, document.line, pinned if isinstance(pinned, str) else None)


def collect_files(
    folder: str | os.PathLike[str], paths: Sequence[str]
) -> tuple[list[DesiredReport], list[Problem], list[str]]:
    """Check just `paths` (files inside `folder`): (their specs, their problems, paths not checked).

    Identities are still checked against the rest of the folder: a given file that repeats another
    file's report name or pinned id is a problem of the given file. The other files' own mistakes are
    not reported (a run without FILE arguments reports them). A named file that a whole-folder run would
    not read either (hidden, not .yaml/.yml) is not checked; one that does not exist is a problem.
    """
    folder = os.path.normpath(folder)
    wanted = {os.path.realpath(path): path for path in paths}
    mine: list[DesiredReport] = []
    others: list[DesiredReport] = []
    problems: list[Problem] = []
    prefix, shown = len(folder), display_path(folder)
    for path in find_report_files(folder) if os.path.isdir(folder) else []:
        label = os.path.join(shown, path[prefix:].lstrip(os.sep))
        given = wanted.pop(os.path.realpath(path), None) is not None
        found, wrong = _check_file(path, label)
        (mine if given else others).extend(found)
        problems += wrong if given else []
    missing = [path for path in wanted.values() if not os.path.lexists(path)]
    for path in missing:
        problems += _check_file(path, display_path(path))[1]
    labels = {spec.file for spec in mine}
    problems += [p for p in cross_check(others + mine) if p.file in labels]  # reported at the later one
    return mine, problems, [path for path in wanted.values() if path not in missing]


def _check_file(path: str, label: str) -> tuple[list[DesiredReport], list[Problem]]:
    try:
        documents = load_file(path, label)
    except LoadError as exc:
        return [], [exc.problem]
    specs: list[DesiredReport] = []
    problems: list[Problem] = []
    for document in documents:
        spec, found = check_document(document)
        problems.extend(found)
        if spec is not None:
            specs.append(spec)
    return specs, problems


def load_desired(folder: str | os.PathLike[str]) -> tuple[DesiredReport, ...]:
    """The desired state, or InvalidFilesError carrying every problem found."""
    return load_project_files(folder)[0]
