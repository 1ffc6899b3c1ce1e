"""Checking documents against the schema and each other; the only module importing jsonschema."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from reportsync import messages
from reportsync.errors import InvalidFilesError, LoadError, Problem
from reportsync.fastcheck import is_valid_report
from reportsync.loader import load_file
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
    echo the value (the config schema uses it where the value could be a secret key); `x-at-key: true`
    places them at the key. Under `propertyNames` the message is about the key itself: `{name}` in it
    is the key, shown quoted, and it is placed there.
    """
    errors = sorted(_named_validator(schema_name).iter_errors(document.data), key=_error_order)
    problems: list[Problem] = []
    seen: set[tuple[Any, ...]] = set()
    for error in errors:
        custom = error.schema.get("x-message") if isinstance(error.schema, dict) else None
        found = [_custom(error, custom)] if custom else _describe(error)
        for where, at_key, text in found:
            if where in seen:
                continue
            seen.add(where)
            line, col = document.locate(where, at_key=at_key)
            problems.append(Problem(document.file, line, col, text))
    return sorted(problems, key=lambda p: (p.line, p.col))


def _custom(error: Any, message: str) -> tuple[tuple[Any, ...], bool, str]:
    path = tuple(error.absolute_path)
    if "propertyNames" in error.absolute_schema_path:
        return path + (error.instance,), True, message.replace("{name}", messages.show(error.instance))
    return path, bool(error.schema.get("x-at-key")), f"{messages.field_label(path)}: {message}"


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
        yield path, False, f"{label}: {messages.enum_message(instance, error.validator_value)}"
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
    # every problem at once: a user should not need a second run to see the next one
    problems = schema_problems(document)
    placed = {(p.line, p.col) for p in problems}
    for extra in _whole_number_problems(document) + _repeated_destinations(document):
        if (extra.line, extra.col) not in placed:  # one problem per spot: the schema's comes first
            problems.append(extra)
    if problems:
        return None, problems
    data = document.data
    # a destination's problems point at its `id:` line, the value a user has to change
    lines = tuple(document.locate(("destinations", i, "id"))[0] for i in range(len(data["destinations"])))
    return DesiredReport(api_body(data), document.file, document.line, data.get("id"), lines), []


def _repeated_destinations(document: Document) -> list[Problem]:
    """A destination listed twice: the API would store it twice while the plan compares a set."""
    seen: dict[tuple[str, str], int] = {}
    problems: list[Problem] = []
    items = document.data.get("destinations")
    for index, dest in enumerate(items if isinstance(items, list) else ()):
        if not isinstance(dest, dict) or not isinstance(dest.get("id"), str):
            continue
        key = (str(dest.get("type")), dest["id"])
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
                    f"report {messages.show(name)} ({env}) is also declared in {first.where}",
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
                        f"id {messages.show(spec.pinned_id)} is also pinned in {pinned.where}",
                    )
                )
    return problems


def name_warnings(specs: Sequence[DesiredReport]) -> list[Problem]:
    """Names a server may store differently than written (outer spaces, non-NFC, controls): warnings."""
    from reportsync.names import escaped, loose_name, name_oddities

    warnings: list[Problem] = []
    seen: dict[tuple[str, str], DesiredReport] = {}
    for spec in specs:
        env, name = spec.identity
        odd = name_oddities(name)
        if odd:
            text = f"report_name {escaped(name)} has {' and '.join(odd)}; a server may store it otherwise"
            warnings.append(Problem(spec.file, spec.line, 0, text))
        first = seen.setdefault((env, loose_name(name)), spec)
        if first.identity != spec.identity:  # an exact repeat is already an error
            text = f"report_name {escaped(name)} ({env}) differs from {first.where} only in spaces or form"
            warnings.append(Problem(spec.file, spec.line, 0, text))
    return warnings


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


def load_desired(folder: str | os.PathLike[str]) -> tuple[DesiredReport, ...]:
    """The desired state, or InvalidFilesError carrying every problem found."""
    return load_project_files(folder)[0]
