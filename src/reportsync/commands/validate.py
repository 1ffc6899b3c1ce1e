"""`reportsync validate`: check every project's report files offline."""

from __future__ import annotations

from reportsync.commands import projects_of
from reportsync.console import Console
from reportsync.errors import ExitStatus, Problem
from reportsync.render.listing import validate_json, validate_summary
from reportsync.validate import collect_all, name_warnings

TYPE_CHECKING = False
if TYPE_CHECKING:
    from argparse import Namespace


def run(args: Namespace, console: Console) -> int:
    """Every project's files, each project checked on its own (identities are per project)."""
    reports, files = 0, 0
    problems: list[Problem] = []
    for project in projects_of(args):
        found = collect_all(project.reports, project.root)
        for warning in found.skipped + name_warnings(found.specs):
            console.info(f"Warning: {warning}")
        reports += len(found.specs)
        problems += found.problems
        files += found.files
    if args.format == "json":
        from reportsync.render import json_text

        console.print(json_text(validate_json(reports, files, problems)))
        console.annotate(problems)
    else:
        console.problems(problems, to_err=False)
        bad_files = len({p.file for p in problems})
        console.print(validate_summary(reports, files, len(problems), bad_files))
    return ExitStatus.ERROR if problems else ExitStatus.OK
