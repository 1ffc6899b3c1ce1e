"""What `reportsync init` writes: a report repository from the packaged templates, never overwriting."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import NoReturn

from reportsync import __version__
from reportsync.errors import ReportsyncError
from reportsync.schema import CONFIG_SCHEMA, REPORT_SCHEMA, schema_text

TEMPLATE_DIR = os.path.join(os.path.dirname(__file__), "templates")
# Where the action and the pre-commit hook live: the repository this package is released from.
ACTION_REPOSITORY = "reportsync/reportsync"
WORKFLOWS = ("reportsync-plan.yml", "reportsync-apply.yml", "reportsync-drift.yml")
PLAN_FILES = ("plan.json", "plan.md", "plan-comment.md")  # what the template .gitignore ignores


@dataclass(frozen=True, slots=True)
class ScaffoldFile:
    """One file to create: its path relative to the target folder (with / separators) and its text."""

    path: str
    text: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """What init did: the files it created and the ones already there, left as they were, and the plan
    files an existing .gitignore does not ignore."""

    created: tuple[str, ...]
    skipped: tuple[str, ...]
    unignored: tuple[str, ...] = ()


def template(name: str) -> str:
    with open(os.path.join(TEMPLATE_DIR, name), encoding="utf-8") as handle:
        return handle.read()


def workflow(name: str, action: str) -> str:
    """A workflow template with `uses:` set to `action` (`./` here, `OWNER/reportsync@vX.Y.Z` elsewhere)."""
    return template(name).replace("__ACTION__", action)


def pinned_action(repository: str = ACTION_REPOSITORY, version: str = __version__) -> str:
    return f"{repository}@v{version}"


def scaffold_files(
    repository: str = ACTION_REPOSITORY, version: str = __version__
) -> tuple[ScaffoldFile, ...]:
    """Every file of a new report repository, the workflows and the hook pinned to `version`."""
    action = pinned_action(repository, version)
    hooks = template("pre-commit-config.yaml").replace("__REPOSITORY__", repository)
    return (
        ScaffoldFile("reports/daily-revenue.yaml", template("example-report.yaml")),
        ScaffoldFile("reportsync.yaml", template("reportsync.yaml")),
        ScaffoldFile(f"schema/{REPORT_SCHEMA}", schema_text(REPORT_SCHEMA)),
        ScaffoldFile(f"schema/{CONFIG_SCHEMA}", schema_text(CONFIG_SCHEMA)),
        *(ScaffoldFile(f".github/workflows/{name}", workflow(name, action)) for name in WORKFLOWS),
        ScaffoldFile(".gitignore", template("gitignore")),
        ScaffoldFile(".pre-commit-config.yaml", hooks.replace("__VERSION__", version)),
    )


def write_new(root: str, files: tuple[ScaffoldFile, ...]) -> Outcome:
    """Create each file under `root` that does not exist yet; never touch one that does.

    Raises ReportsyncError naming the file when one cannot be written (files created before it stay,
    and the message says so).
    """
    created: list[str] = []
    skipped: list[str] = []
    for item in files:
        target = os.path.join(root, *item.path.split("/"))
        try:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "x", encoding="utf-8", newline="\n") as handle:  # "x": never overwrite
                handle.write(item.text)
        except FileExistsError:
            if not os.path.lexists(target):  # a folder on the way is a file: not "already there"
                _cannot(target, "a file is in the way", created)
            skipped.append(item.path)
            continue
        except OSError as exc:
            _cannot(target, exc.strerror or type(exc).__name__, created)
        created.append(item.path)
    missing = unignored(os.path.join(root, ".gitignore")) if ".gitignore" in skipped else ()
    return Outcome(tuple(created), tuple(skipped), missing)


def unignored(gitignore: str) -> tuple[str, ...]:
    """The plan files that no plain pattern of an existing .gitignore matches (negations not followed)."""
    from fnmatch import fnmatchcase

    try:
        with open(gitignore, encoding="utf-8", errors="replace") as handle:
            lines = [line.strip() for line in handle]
    except OSError:
        return PLAN_FILES
    patterns = [line.lstrip("/") for line in lines if line and not line.startswith(("#", "!"))]
    return tuple(f for f in PLAN_FILES if not any(fnmatchcase(f, p) for p in patterns))


def _cannot(target: str, reason: str, created: list[str]) -> NoReturn:
    done = f" (created before it: {', '.join(created)})" if created else " (nothing was created)"
    raise ReportsyncError(f"cannot write {target!r}: {reason}{done}")
