"""`reportsync validate`: check every project's report files offline."""

from __future__ import annotations

from reportsync.commands import projects_of
from reportsync.console import Console
from reportsync.errors import ExitStatus, Problem
from reportsync.render.listing import validate_json, validate_summary
from reportsync.validate import collect

TYPE_CHECKING = False
if TYPE_CHECKING:
    from argparse import Namespace


def run(args: Namespace, console: Console) -> int:
    """Every project's files, each project checked on its own (identities are per project)."""
    reports, files = 0, 0
    problems: list[Problem] = []
    for project in projects_of(args):
        found, wrong, count = collect(project.reports)
        reports += len(found)
        problems += wrong
        files += count
    if args.format == "json":
        from reportsync.render import json_text

        console.print(json_text(validate_json(reports, files, problems)))
        console.annotate(problems)
    else:
        console.problems(problems, to_err=False)
        bad_files = len({p.file for p in problems})
        console.print(validate_summary(reports, files, len(problems), bad_files))
    return ExitStatus.ERROR if problems else ExitStatus.OK
