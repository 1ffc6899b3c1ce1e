"""Which projects a run covers: the optional reportsync.yaml merged with command-line flags."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace

from reportsync.constants import KEY_ENV
from reportsync.errors import ConfigError

TYPE_CHECKING = False  # argparse stays off validate's start-up (see cli.py); mypy reads this as True
if TYPE_CHECKING:
    from argparse import Namespace

CONFIG_FILE = "reportsync.yaml"


@dataclass(frozen=True, slots=True)
class Project:
    name: str = "default"
    reports: str = "reports"  # a path; str keeps pathlib off validate's start-up
    key_env: str = KEY_ENV
    prune: bool = False
    parallelism: int = 4
    max_change_percent: float = 30.0
    min_existing: int = 10
    ignore: tuple[str, ...] = ()


def resolve_projects(args: Namespace, env: Mapping[str, str]) -> tuple[Project, ...]:
    """Projects from the config file (if any), each with the command-line flags laid over it."""
    config = getattr(args, "config", None)
    path = config or CONFIG_FILE
    if config and not os.path.isfile(path):
        raise ConfigError(f"config file {config} not found")
    if os.path.isfile(path):
        from reportsync.config import load_config

        projects = load_config(path)
    else:
        projects = (Project(),)
    wanted = getattr(args, "project", None)
    if wanted:
        unknown = sorted(set(wanted) - {p.name for p in projects})
        if unknown:
            names = ", ".join(p.name for p in projects)
            raise ConfigError(f"no project named {', '.join(unknown)} in {path} (projects: {names})")
        projects = tuple(p for p in projects if p.name in wanted)
    return tuple(_override(p, args, len(projects) > 1) for p in projects)


def _override(project: Project, args: Namespace, several: bool = False) -> Project:
    changes: dict[str, object] = {}
    if getattr(args, "reports", None):
        if several:
            raise ConfigError(
                "--reports names one folder but the config has several projects: add --project NAME"
            )
        changes["reports"] = os.path.normpath(args.reports)
    if getattr(args, "prune", None) is not None:
        changes["prune"] = bool(args.prune)
    if getattr(args, "parallelism", None) is not None:
        changes["parallelism"] = _checked("--parallelism", args.parallelism, 1, 64)
    if getattr(args, "max_change_percent", None) is not None:
        changes["max_change_percent"] = _checked("--max-change-percent", args.max_change_percent, 0, 100)
    if getattr(args, "min_existing", None) is not None:
        changes["min_existing"] = _checked("--min-existing", args.min_existing, 0, 1_000_000)
    return replace(project, **changes)  # type: ignore[arg-type]


def _checked(flag: str, value: float, low: float, high: float) -> float:
    if not low <= value <= high:  # also refuses nan
        raise ConfigError(f"{flag} must be between {low:g} and {high:g}, not {value:g}")
    return value
