"""Which projects a run covers: the optional `reportsync.yaml`, validated, with command-line overrides."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from reportsync.constants import KEY_ENV
from reportsync.errors import ConfigError, LoadError, Problem
from reportsync.loader import parse_documents, read_text
from reportsync.models import Document
from reportsync.schema import CONFIG_SCHEMA

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

CONFIG_FILE = "reportsync.yaml"
CONFIG_SPELLINGS = ("reportsync.yaml", "reportsync.yml")  # in any letter case
DEFAULT_PROJECT = "default"


@dataclass(frozen=True, slots=True)
class Project:
    """One remote project: its reports folder, the variable holding its key, and its settings."""

    name: str = DEFAULT_PROJECT
    reports: str = "reports"  # a path, relative to where reportsync runs
    key_env: str = KEY_ENV
    prune: bool = False
    parallelism: int = 4
    max_change_percent: float = 30.0
    min_existing: int = 10
    ignore: tuple[str, ...] = ()
    root: str = "."  # the repository (repository_of the config's folder, or of the working directory)


@dataclass(frozen=True, slots=True)
class Overrides:
    """What the command line lays over the config; None (or empty) where a flag was not given."""

    config: str | None = None
    projects: tuple[str, ...] = ()
    reports: str | None = None
    prune: bool | None = None
    parallelism: int | None = None
    max_change_percent: float | None = None
    min_existing: int | None = None


def resolve_projects(overrides: Overrides = Overrides()) -> tuple[Project, ...]:
    """Projects from the config file (if any), each with the command-line overrides laid over it.

    Raises ConfigError for a named config that is missing, an unknown --project or a bad value.
    """
    path = overrides.config or os.path.normpath(find_config("."))
    if overrides.config and not os.path.isfile(path):
        raise ConfigError(f"config file {overrides.config} not found")
    projects = load_config(path) if os.path.isfile(path) else (Project(root=repository_of(".")),)
    if overrides.projects:
        unknown = sorted(set(overrides.projects) - {p.name for p in projects})
        if unknown:
            names = ", ".join(p.name for p in projects)
            raise ConfigError(f"no project named {', '.join(unknown)} in {path} (projects: {names})")
        projects = tuple(p for p in projects if p.name in overrides.projects)
    return tuple(_override(p, overrides, len(projects) > 1) for p in projects)


def find_config(folder: str) -> str:
    """The config file in `folder` under any spelling users write (reportsync.yaml/.yml, any case).

    Returns the default name when there is none; ConfigError when two spellings are both there.
    """
    try:
        names = sorted(n for n in os.listdir(folder) if n.lower() in CONFIG_SPELLINGS)
    except OSError:
        names = []
    if len(names) > 1:
        raise ConfigError(f"{' and '.join(names)} are both present: keep one config file")
    return os.path.join(folder, names[0]) if names else os.path.join(folder, CONFIG_FILE)


def repository_of(folder: str) -> str:
    """The repository a folder belongs to: its nearest ancestor holding `.git`, else the folder itself."""
    here = os.path.realpath(folder or ".")
    while True:
        if os.path.exists(os.path.join(here, ".git")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return folder or "."
        here = parent


def _override(project: Project, overrides: Overrides, several: bool) -> Project:
    changes: dict[str, Any] = {}
    if overrides.reports:
        if several:
            raise ConfigError(
                "--reports names one folder but the config has several projects: add --project NAME"
            )
        changes["reports"] = os.path.normpath(overrides.reports)
    if overrides.prune is not None:
        changes["prune"] = overrides.prune
    if overrides.parallelism is not None:
        changes["parallelism"] = _checked("--parallelism", overrides.parallelism, 1, 64)
    if overrides.max_change_percent is not None:
        changes["max_change_percent"] = _checked("--max-change-percent", overrides.max_change_percent, 0, 100)
    if overrides.min_existing is not None:
        changes["min_existing"] = _checked("--min-existing", overrides.min_existing, 0, 1_000_000)
    return replace(project, **changes)


def _checked(flag: str, value: float, low: float, high: float) -> float:
    if not low <= value <= high:  # also refuses nan
        raise ConfigError(f"{flag} must be between {low:g} and {high:g}, not {value:g}")
    return value


SETTINGS = ("reports", "key_env", "parallelism", "prune", "max_change_percent", "min_existing", "ignore")


def load_config(path: str) -> tuple[Project, ...]:
    """The projects a config file declares; ConfigError naming the file, line and column if it is wrong."""
    label = str(path)
    document = _read(path, label)
    base = os.path.dirname(path)
    problems = (
        config_problems(document) or _outside_problems(document, base) or _shared_problems(document, base)
    )
    if problems:
        raise ConfigError(_headline(len(problems), label), tuple(problems))
    return projects_of(document.data, base)


def _outside_problems(document: Document, base: str) -> list[Problem]:
    """`reports:` folders that lead outside the repository (repository_of the config), links resolved."""
    data = document.data
    projects = data.get("projects") or {}
    where: list[tuple[tuple[str, ...], Any]] = [(("projects", n, "reports"), s) for n, s in projects.items()]
    where = where or [(("reports",), data)]
    root = os.path.realpath(repository_of(base))
    problems = []
    for path, settings in where:
        value = (settings or {}).get("reports")
        if value is None:
            continue
        real = os.path.realpath(os.path.join(base, value))
        if os.path.commonpath([real, root]) != root:
            line, col = document.locate(path)
            message = f"reports: {value!r} leads outside the repository ({root}); keep report files inside it"
            problems.append(Problem(document.file, line, col, message))
    return problems


def _shared_problems(document: Document, base: str) -> list[Problem]:
    """Projects whose reports folders are one folder, or one inside the other (links resolved): a file
    there would declare its report in both projects, and each would create it in its own remote project."""
    projects = document.data.get("projects") or {}
    seen: list[tuple[str, str, str]] = []  # (project, folder as written, real folder)
    problems = []
    for name, settings in projects.items():
        value = os.path.normpath(str((settings or {}).get("reports", Project().reports)))
        real = os.path.realpath(os.path.join(base, value))
        for other, other_value, other_real in seen:
            how = _nesting(real, value, other_real, other_value)
            if how:
                line, col = document.locate(("projects", name, "reports"))
                message = (
                    f"projects {other} and {name} read the same report files: {how}; give each its own folder"
                )
                problems.append(Problem(document.file, line, col, message))
                break
        seen.append((name, value, real))
    return problems


def _nesting(real: str, value: str, other_real: str, other_value: str) -> str:
    if real == other_real:
        return f"{value} is the same folder as {other_value}"
    if real.startswith(other_real.rstrip(os.sep) + os.sep):
        return f"{value} is inside {other_value}"
    if other_real.startswith(real.rstrip(os.sep) + os.sep):
        return f"{other_value} is inside {value}"
    return ""


def _headline(count: int, label: str) -> str:
    return f"{count} problem{'s' if count != 1 else ''} in {label}; nothing was done."


def _read(path: str, label: str) -> Document:
    try:
        documents = parse_documents(read_text(path, label), label)
    except LoadError as exc:
        problem = exc.problem
        if "holds no report" in problem.message:
            problem = Problem(label, 1, 0, "the config is empty: set `reports:` or delete the file")
        raise ConfigError(_headline(1, label), (problem,)) from None
    if len(documents) > 1:
        extra = documents[1]
        problem = Problem(label, extra.line, 1, "the config must be a single YAML document")
        raise ConfigError(_headline(1, label), (problem,))
    return documents[0]


def config_problems(document: Document) -> list[Problem]:
    """Every mistake in a parsed config, placed at its line and column."""
    data = document.data
    if not isinstance(data, dict):
        message = "the config must be a mapping of settings (reports: ..., key_env: ...)"
        return [Problem(document.file, document.line, 1, message)]
    from reportsync.validate import schema_problems_for

    # the schema holds every rule (settings beside `projects:`, project names), so editors check them too
    return schema_problems_for(document, CONFIG_SCHEMA)


def projects_of(data: dict[str, Any], base: str) -> tuple[Project, ...]:
    """Projects from validated config data; `reports` paths are relative to the config's folder."""
    if "projects" in data:
        return tuple(project_of(name, settings or {}, base) for name, settings in data["projects"].items())
    return (project_of(DEFAULT_PROJECT, data, base),)


def project_of(name: str, settings: dict[str, Any], base: str) -> Project:
    default = Project()
    return Project(
        name=name,
        reports=os.path.join(base, settings.get("reports", default.reports)),
        key_env=settings.get("key_env", default.key_env),
        prune=settings.get("prune", default.prune),
        parallelism=settings.get("parallelism", default.parallelism),
        max_change_percent=float(settings.get("max_change_percent", default.max_change_percent)),
        min_existing=settings.get("min_existing", default.min_existing),
        ignore=tuple(settings.get("ignore", default.ignore)),
        root=repository_of(base),
    )
