"""`reportsync send-test NAME`: trigger a test delivery of a report a file manages."""

from __future__ import annotations

import difflib

from reportsync.client import Client
from reportsync.commands import projects_of
from reportsync.config import Project
from reportsync.connection import open_client
from reportsync.console import Console
from reportsync.desired import load_project_files
from reportsync.errors import ApiError, ExitStatus, ReportsyncError
from reportsync.match import match_reports
from reportsync.models import DesiredReport, RemoteReport
from reportsync.render import json_text, quoted
from reportsync.render.listing import send_test_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from argparse import Namespace

SEND_TEST_LIMIT = (
    "the API allows one test delivery per minute per report, and this report was already tested "
    "within the last minute; wait a minute and run send-test again"
)


def run(args: Namespace, console: Console) -> int:
    project, desired = find_managed(args, projects_of(args))
    env, name = desired.identity
    with open_client(project, console, args.emulator, args.timeout) as client:
        target = remote_of(project, desired, client)
        try:
            answer = client.send_test(target.id)
        except ApiError as exc:
            if exc.status == 429:
                raise ReportsyncError(
                    f"send-test {quoted(name)} ({env}): {SEND_TEST_LIMIT} ({exc})."
                ) from None
            raise
    if args.format == "json":
        out = {"id": target.id, "report_name": name, "environment": env, "status": 202, "response": answer}
        console.print(json_text(out))
    else:
        console.print(send_test_text(target))
    return ExitStatus.OK


def find_managed(args: Namespace, projects: tuple[Project, ...]) -> tuple[Project, DesiredReport]:
    """The one report file named NAME (in --environment), or ReportsyncError saying what to add."""
    everything = [(p, d) for p in projects for d in load_project_files(p.reports, p.root)[0]]
    named = [(p, d) for p, d in everything if d.payload["report_name"] == args.name]
    found = [(p, d) for p, d in named if not args.environment or d.payload["environment"] == args.environment]
    if len(found) == 1:
        return found[0]
    if not found:
        raise ReportsyncError(_not_found(args, named, [d for _, d in everything]))
    if len({p.name for p, _ in found}) > 1:
        names = ", ".join(sorted({p.name for p, _ in found}))
        raise ReportsyncError(f"{quoted(args.name)} is in several projects ({names}): add --project NAME")
    where = ", ".join(f"{d.payload['environment']} ({d.where})" for _, d in found)
    raise ReportsyncError(
        f"{quoted(args.name)} exists in both environments: {where}; add --environment sandbox or production"
    )


def _not_found(
    args: Namespace, named: list[tuple[Project, DesiredReport]], desired: list[DesiredReport]
) -> str:
    shown = quoted(args.name)
    if named:
        envs = ", ".join(sorted({d.payload["environment"] for _, d in named}))
        return f"{shown} is not declared in {args.environment}, only in {envs}"
    names = sorted({d.payload["report_name"] for d in desired})
    close = difflib.get_close_matches(args.name, names, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(quoted(c) for c in close)}?" if close else ""
    return f"no report file declares {shown}{hint} (send-test only sends reports managed by a file)"


def remote_of(project: Project, desired: DesiredReport, client: Client) -> RemoteReport:
    """The remote report the file manages; ReportsyncError when it does not exist yet."""
    pairs = match_reports(load_project_files(project.reports, project.root)[0], client.list_reports())
    found = pairs.get(desired.where)
    if found is None:
        env, name = desired.identity
        raise ReportsyncError(
            f"{quoted(name)} ({env}) from {desired.where} does not exist remotely yet: "
            "run `reportsync apply` first"
        )
    return found
