"""Checking documents against the schema and each other; the only module importing jsonschema."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from functools import cache

from reportsync import messages
from reportsync.errors import InvalidFilesError, LoadError, Problem
from reportsync.fastcheck import is_valid_report
from reportsync.loader import find_report_files, load_file
from reportsync.models import DesiredReport, Document, api_body
from reportsync.schema import REPORT_SCHEMA, load_schema

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_PRIORITY = {"type": 0, "required": 1, "additionalProperties": 1}


@cache
def _named_validator(schema_name: str) -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(load_schema(schema_name))


def schema_problems(document: Document) -> list[Problem]:
    """Every schema violation in one document, as sentences placed at the offending spot."""
    if is_valid_report(document.data):
        return []
    return schema_problems_for(document, REPORT_SCHEMA)


def schema_problems_for(document: Document, schema_name: str) -> list[Problem]:
    """Every violation of a packaged schema, as sentences placed at the offending spot.

    A schema node may carry `x-message`: its violations then read "<field>: <x-message>" and never
    echo the value (the config schema uses it where the value could be a secret key).
    """
    errors = sorted(_named_validator(schema_name).iter_errors(document.data), key=_error_order)
    problems: list[Problem] = []
    seen: set[tuple[Any, ...]] = set()
    for error in errors:
        custom = error.schema.get("x-message") if isinstance(error.schema, dict) else None
        path = tuple(error.absolute_path)
        found = [(path, False, f"{messages.field_label(path)}: {custom}")] if custom else _describe(error)
        for where, at_key, text in found:
            if where in seen:
                continue
            seen.add(where)
            line, col = document.locate(where, at_key=at_key)
            problems.append(Problem(document.file, line, col, text))
    return sorted(problems, key=lambda p: (p.line, p.col))


def _error_order(error: Any) -> tuple[int, int]:
    return (len(error.absolute_path), _PRIORITY.get(error.validator, 2))


def _describe(error: Any) -> Iterable[tuple[tuple[Any, ...], bool, str]]:
    path = tuple(error.absolute_path)
    label = messages.field_label(path)
    kind, instance, schema = error.validator, error.instance, error.schema
    if kind == "required":
        for key in error.validator_value:
            if key not in instance:
                yield path + (key,), False, f"{messages.field_label(path + (key,))}: missing"
    elif kind == "additionalProperties":
        known = list(schema.get("properties", {}))
        for key in sorted(set(instance) - set(known)):
            yield path + (key,), True, messages.unknown_key_message(key, known)
    elif path and path[-1] == "send_at":
        yield path, False, f"send_at: {messages.send_at_message(instance)}"
    elif kind == "type":
        text = messages.type_message(instance, error.validator_value, schema.get("enum"))
        yield path, False, f"{label}: {text}"
    elif kind == "enum":
        allowed = ", ".join(messages.show(v) for v in error.validator_value)
        yield path, False, f"{label}: {messages.show(instance)} is not one of {allowed}"
    elif kind == "minItems":
        yield path, False, f"{label}: needs at least one destination"
    elif kind == "minLength":
        yield path, False, f"{label}: must not be empty"
    elif kind == "maxLength":
        limit = error.validator_value
        yield path, False, f"{label}: is {len(instance)} characters long; the limit is {limit}"
    elif kind == "pattern":
        yield (
            path,
            False,
            (
                f"{label}: {messages.show(instance)} is not a valid id "
                "(1-256 letters, digits, '.', '_' or '-')"
            ),
        )
    else:
        yield path, False, f"{label}: {error.message}"


def _whole_number_problems(document: Document) -> list[Problem]:
    # JSON Schema counts 7.0 as an integer; the API wants 7, and the user surely meant it.
    problems: list[Problem] = []
    if not any(isinstance(value, float) for value in document.data.values()):
        return problems  # the usual case, decided without reading the schema
    for key, rule in load_schema().get("properties", {}).items():
        value = document.data.get(key)
        if rule.get("type") == "integer" and isinstance(value, float):
            line, col = document.locate((key,))
            text = messages.type_message(value, "integer", rule.get("enum"))
            problems.append(Problem(document.file, line, col, f"{key}: {text}"))
    return problems


def check_document(document: Document) -> tuple[DesiredReport | None, list[Problem]]:
    if not isinstance(document.data, dict):
        kind = "a list" if isinstance(document.data, list) else f"{messages.show(document.data)}"
        where = f"document {document.index + 1}" if document.index else "the file"
        message = f"{where} must be a mapping of report fields (report_name: ...), not {kind}"
        return None, [Problem(document.file, document.line, 1, message)]
    problems = (
        schema_problems(document) or _whole_number_problems(document) or _repeated_destinations(document)
    )
    if problems:
        return None, problems
    data = document.data
    lines = tuple(document.locate(("destinations", i))[0] for i in range(len(data["destinations"])))
    return DesiredReport(api_body(data), document.file, document.line, data.get("id"), lines), []


def _repeated_destinations(document: Document) -> list[Problem]:
    """A destination listed twice: the API would store it twice while the plan compares a set."""
    seen: dict[tuple[str, str], int] = {}
    problems: list[Problem] = []
    for index, dest in enumerate(document.data["destinations"]):
        key = (dest["type"], dest["id"])
        if key in seen:
            line, col = document.locate(("destinations", index))
            message = f"destinations[{index}]: {dest['id']} is already listed as destinations[{seen[key]}]"
            problems.append(Problem(document.file, line, col, message))
        seen.setdefault(key, index)
    return problems


def cross_check(specs: Sequence[DesiredReport]) -> list[Problem]:
    """Two files may not declare the same (environment, report_name) or pin the same id."""
    problems: list[Problem] = []
    by_identity: dict[Any, DesiredReport] = {}
    by_id: dict[str, DesiredReport] = {}
    for spec in specs:
        first = by_identity.setdefault(spec.identity, spec)
        if first is not spec:
            env, name = spec.identity
            problems.append(
                Problem(
                    spec.file,
                    spec.line,
                    0,
                    f"report {name!r} ({env}) is also declared in {first.where}",
                )
            )
        if spec.pinned_id is not None:
            pinned = by_id.setdefault(spec.pinned_id, spec)
            if pinned is not spec:
                problems.append(
                    Problem(
                        spec.file,
                        spec.line,
                        0,
                        f"id {spec.pinned_id!r} is also pinned in {pinned.where}",
                    )
                )
    return problems


def display_path(path: str) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return path


def collect(folder: str | os.PathLike[str]) -> tuple[list[DesiredReport], list[Problem], int]:
    """Load and check every report file: (specs, all problems, files read)."""
    folder = os.path.normpath(folder)  # "reports/" and "./reports" name files as "reports" does
    if not os.path.isdir(folder):
        message = "reports folder not found" if not os.path.exists(folder) else "not a folder"
        return [], [Problem(display_path(folder), 0, 0, message)], 0
    specs: list[DesiredReport] = []
    problems: list[Problem] = []
    files = find_report_files(folder)
    prefix, shown = len(folder), display_path(folder)  # one relpath for the folder, not per file
    for path in files:
        found, wrong = _check_file(path, os.path.join(shown, path[prefix:].lstrip(os.sep)))
        specs += found
        problems += wrong
    problems.extend(cross_check(specs))
    return specs, problems, len(files)


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
    specs, problems, _ = collect(folder)
    if problems:
        raise InvalidFilesError(tuple(problems))
    return tuple(specs)
