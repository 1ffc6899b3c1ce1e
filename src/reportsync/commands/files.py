"""Offline commands: `validate` and `schema`."""

from __future__ import annotations

from reportsync.console import Console
from reportsync.errors import ExitStatus

TYPE_CHECKING = False  # argparse stays off validate's start-up (see cli.py); mypy reads this as True
if TYPE_CHECKING:
    from argparse import Namespace


def run_validate(args: Namespace, console: Console) -> int:
    """Every project's files, each project checked on its own (identities are per project)."""
    from reportsync.project import resolve_projects
    from reportsync.validate import collect

    specs, problems, files = [], [], 0
    for project in resolve_projects(args, console.env):
        found, wrong, count = collect(project.reports)
        specs += found
        problems += wrong
        files += count
    if args.format == "json":
        import json

        console.print(json.dumps(_validate_json(len(specs), files, problems), indent=2))
        console.annotate(problems)
    else:
        console.problems(problems, to_err=False)
        console.print(_validate_summary(len(specs), files, len(problems)))
    return ExitStatus.ERROR if problems else ExitStatus.OK


def _validate_summary(reports: int, files: int, problems: int) -> str:
    files_text = f"{files} file{'s' if files != 1 else ''}"
    if problems:
        return f"{problems} problem{'s' if problems != 1 else ''} found in {files_text}."
    return f"{reports} report{'s' if reports != 1 else ''} in {files_text}: all valid."


def _validate_json(reports: int, files: int, problems: list) -> dict:  # type: ignore[type-arg]
    return {
        "valid": not problems,
        "files": files,
        "reports": reports,
        "problems": [{"file": p.file, "line": p.line, "col": p.col, "message": p.message} for p in problems],
    }


def run_schema(args: Namespace, console: Console) -> int:
    from reportsync.schema import REPORT_SCHEMA, schema_text

    name = REPORT_SCHEMA if args.name == "report" else "reportsync-config.schema.json"
    console.out.write(schema_text(name))
    return ExitStatus.OK
