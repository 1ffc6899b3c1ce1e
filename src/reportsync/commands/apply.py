"""`reportsync apply`: plan (or read a saved plan), confirm, and carry the changes out."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from reportsync.apply import ApplyResult, ChangeResult, apply_plan, stale_changes
from reportsync.client import Client
from reportsync.commands import projects_of
from reportsync.commands.plan import ProjectPlan, guard_thresholds, make_plan, show_plans
from reportsync.config import Project
from reportsync.connection import open_clients
from reportsync.console import Console
from reportsync.errors import ExitStatus, Problem, SafetyError
from reportsync.escape import shown
from reportsync.plan import Plan
from reportsync.pool import in_order
from reportsync.render import by_project, code_span, json_text, project_heading
from reportsync.render.result import render_result_markdown, result_json, result_line, result_row

TYPE_CHECKING = False
if TYPE_CHECKING:
    from argparse import Namespace

_PROGRESS = threading.Lock()


def run(args: Namespace, console: Console) -> int:
    """Plan every project, show every plan, confirm once, then apply the projects at the same time."""
    projects = projects_of(args)
    if args.plan_file and len(projects) > 1:
        raise SafetyError("a plan file holds one project's plan: add --project NAME")
    with open_clients(projects, console, args.emulator, args.timeout) as clients:
        pairs = list(zip(projects, clients, strict=True))
        staged = list(zip(in_order([stager(p, c, args, console) for p, c in pairs]), clients, strict=True))
        if args.format == "text":
            show_plans([p for p, _ in staged], args, console, summary=False)
        guard_thresholds([p for p, _ in staged], args)
        if any(p.plan.changes for p, _ in staged) and not args.plan_file:
            confirm(args, console)  # a saved plan was reviewed when it was made, as with Terraform
        console.commit()  # from here on, output trouble must not hide what was applied
        # Projects are independent: applied at the same time, shown in config order.
        rows = InOrder([p for p, _ in staged], args, console)
        results = in_order([applier(i, p, c, rows) for i, (p, c) in enumerate(staged)])
        outcomes = [(p.project, r) for (p, _), r in zip(staged, results, strict=True)]
    report_results(outcomes, args, console)
    failed = any(r.failed or r.skipped for _, r in outcomes)
    return ExitStatus.PARTIAL if failed else ExitStatus.OK


def stager(project: Project, client: Client, args: Namespace, console: Console) -> Callable[[], ProjectPlan]:
    """The project's plan (saved or made now), to be read on a worker thread."""

    def stage() -> ProjectPlan:
        if args.plan_file:
            plan = saved_plan(args.plan_file, client, console, project)
        else:
            plan = make_plan(project, client, args, console)
        return ProjectPlan(project, plan, client.api_url)

    return stage


def applier(index: int, p: ProjectPlan, client: Client, rows: InOrder) -> Callable[[], ApplyResult]:
    def apply() -> ApplyResult:
        try:
            return apply_plan(p.plan, client, p.project.parallelism, lambda r: rows.row(index, r))
        finally:
            rows.finish(index)

    return apply


class InOrder:
    """The rows of projects applied at the same time, in config order: the first unfinished project's rows
    as they come, a later project's held until every project before it is done."""

    def __init__(self, staged: Sequence[ProjectPlan], args: Namespace, console: Console) -> None:
        self._staged, self._args, self._console = staged, args, console
        self._lock = threading.Lock()
        self._held: list[list[ChangeResult]] = [[] for _ in staged]
        self._done = [False] * len(staged)
        self._head = 0
        with self._lock:
            self._start(0)

    def row(self, index: int, result: ChangeResult) -> None:
        with self._lock:
            if index == self._head:
                progress(result, self._args, self._console)
            else:
                self._held[index].append(result)

    def finish(self, index: int) -> None:
        with self._lock:
            self._done[index] = True
            while self._head < len(self._staged) and self._done[self._head]:
                self._head += 1
                self._start(self._head)

    def _start(self, index: int) -> None:
        """Project `index` is now the one shown: its heading, then the rows it already has."""
        if index >= len(self._staged):
            return
        p = self._staged[index]
        if self._args.format == "text" and p.plan.changes and len(self._staged) > 1:
            self._console.print()  # the plans end with a blank line, or with the all-projects total
            self._console.print(project_heading(p.project.name, self._console.paint))
        for result in self._held[index]:
            progress(result, self._args, self._console)
        self._held[index].clear()


def saved_plan(path: str, client: Client, console: Console, project: Project) -> Plan:
    """The plan saved in `path`; SafetyError if it was made elsewhere or the remote state moved since."""
    from reportsync.planfile import load_plan

    plan, api_url, made_for = load_plan(path)
    if made_for != project.name:
        raise SafetyError(f"{path} was made for project {made_for!r}, not {project.name!r}: add --project")
    if api_url.rstrip("/") != client.api_url.rstrip("/"):
        raise SafetyError(f"{path} was made against {api_url}, not {client.api_url}: make a new plan")
    console.info(f"Checking that the remote reports have not changed since {path} was made...")
    stale = stale_changes(plan, client.list_reports())
    if stale:
        raise SafetyError(
            f"{path} is stale, nothing was applied: "
            + "; ".join(stale)
            + ". Run `reportsync plan --out` again."
        )
    return plan


def confirm(args: Namespace, console: Console) -> None:
    """Returns once the user typed yes (or --auto-approve); SafetyError otherwise."""
    if args.auto_approve:
        return
    if not console.inp.isatty():
        raise SafetyError(
            "refusing to apply without confirmation in a non-interactive run: "
            "pass --auto-approve (as CI does) after reviewing the plan"
        )
    answer = console.prompt("\nDo you want to apply these changes? Only 'yes' will be accepted: ")
    if answer.strip() != "yes":
        raise SafetyError("apply cancelled: nothing was changed")


def progress(result: ChangeResult, args: Namespace, console: Console) -> None:
    """Each change is shown once, as it completes: in text, as a row of the result on stdout; with
    --format json (stdout holds the document), as a progress line on stderr. Called from apply's workers."""
    with _PROGRESS:  # one whole line at a time
        if args.format == "text":
            console.print(result_row(result))
        else:
            console.info(result_row(result).strip())


def report_results(outcomes: list[tuple[Project, ApplyResult]], args: Namespace, console: Console) -> None:
    many = len(outcomes) > 1
    if args.format == "json":
        docs = [result_json(r) for _, r in outcomes]
        console.print(json_text(by_project([p.name for p, _ in outcomes], docs) if many else docs[0]))
    for project, result in outcomes:
        if args.format == "text" and result.results:
            console.print()
            console.print(
                result_line(result) if not many else f"{shown(project.name)}: {result_line(result)}"
            )
        if not args.no_summary:
            title = f"reportsync apply — {code_span(project.name)}" if many else "reportsync apply"
            console.append_summary(render_result_markdown(result, title))
        console.annotate(
            [
                Problem(r.change.file, r.change.line, 0, f"{r.change.action} failed: {r.message}")
                for r in result.failed
                if r.change.file
            ]
        )
    if args.format == "text" and many:
        total = ApplyResult(tuple(r for _, res in outcomes for r in res.results))
        console.print(f"All projects: {result_line(total)}")
