"""The optional project config `reportsync.yaml`: YAML text to validated Projects."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from reportsync.errors import ConfigError, LoadError, Problem
from reportsync.loader import parse_documents, read_text
from reportsync.models import Document
from reportsync.project import Project

CONFIG_SCHEMA = "reportsync-config.schema.json"
SETTINGS = ("reports", "key_env", "parallelism", "prune", "max_change_percent", "min_existing", "ignore")
PROJECT_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def load_config(path: str | Path) -> tuple[Project, ...]:
    """The projects a config file declares; ConfigError naming the file, line and column if it is wrong."""
    label = str(path)
    document = _read(path, label)
    problems = config_problems(document)
    if problems:
        raise ConfigError(_headline(len(problems), label), tuple(problems))
    return projects_of(document.data, Path(path).parent)


def _headline(count: int, label: str) -> str:
    return f"{count} problem{'s' if count != 1 else ''} in {label}; nothing was done."


def _read(path: str | Path, label: str) -> Document:
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

    problems = schema_problems_for(document, CONFIG_SCHEMA)
    if "projects" in data:
        problems += _mixed_problems(document) + _name_problems(document)
    return sorted(problems, key=lambda p: (p.line, p.col))


def _mixed_problems(document: Document) -> list[Problem]:
    problems = []
    for key in document.data:
        if key in SETTINGS:
            line, col = document.locate((key,), at_key=True)
            message = f"{key}: with `projects:`, settings go inside each project, not at the top level"
            problems.append(Problem(document.file, line, col, message))
    return problems


def _name_problems(document: Document) -> list[Problem]:
    projects = document.data["projects"]
    if not isinstance(projects, dict):
        return []
    problems = []
    for name in projects:
        if not PROJECT_NAME_RE.match(name):
            line, col = document.locate(("projects", name), at_key=True)
            message = (
                f"project name {name!r} must be 1-64 letters, digits, '.', '_' or '-' "
                "(it is used with --project NAME)"
            )
            problems.append(Problem(document.file, line, col, message))
    return problems


def projects_of(data: dict[str, Any], base: Path) -> tuple[Project, ...]:
    """Projects from validated config data; `reports` paths are relative to the config's folder."""
    if "projects" in data:
        return tuple(project_of(name, settings or {}, base) for name, settings in data["projects"].items())
    return (project_of(Project().name, data, base),)


def project_of(name: str, settings: dict[str, Any], base: Path) -> Project:
    default = Project()
    return Project(
        name=name,
        reports=str(base / settings.get("reports", default.reports)),
        key_env=settings.get("key_env", default.key_env),
        prune=settings.get("prune", default.prune),
        parallelism=settings.get("parallelism", default.parallelism),
        max_change_percent=float(settings.get("max_change_percent", default.max_change_percent)),
        min_existing=settings.get("min_existing", default.min_existing),
        ignore=tuple(settings.get("ignore", default.ignore)),
    )
