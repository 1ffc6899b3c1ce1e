"""`reportsync apply`: plan (or read a saved plan), confirm, and carry the changes out."""

from __future__ import annotations

import threading
from dataclasses import replace

from reportsync.apply import INTERRUPTED, ApplyInterrupted, ApplyResult, ChangeResult, apply_plan
from reportsync.client import Client
from reportsync.commands import projects_of
from reportsync.commands.plan import (
    ProjectPlan,
    ProjectState,
    guard_thresholds,
    plan_options,
    plan_state,
    read_states,
    refuse_shared_keys,
    refuse_shared_remote,
    show_plans,
)
from reportsync.config import Project
from reportsync.connection import open_clients
from reportsync.console import Console
from reportsync.errors import ConfigError, ExitStatus, Problem, SafetyError
from reportsync.escape import shown
from reportsync.plan import Plan
from reportsync.progress import Progress
from reportsync.render import by_project, code_span, json_text, project_heading, quoted
from reportsync.render.result import (
    interrupted_text,
    render_result_markdown,
    result_json,
    result_line,
    result_row,
)

MAX_PROJECTS_AT_ONCE = 8  # projects applied at the same time (each with its own --parallelism writers)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from argparse import Namespace

    from reportsync.planfile import SavedPlan


def run(args: Namespace, console: Console) -> int:
    """Plan every project, show every plan, confirm once, then apply project by project."""
    projects = projects_of(args)
    if args.plan_file and len(projects) > 1:
        raise SafetyError("a plan file holds one project's plan: add --project NAME")
    refuse_shared_keys(args, console)
    if args.plan_file:
        refuse_plan_flags(args)
    saved = saved_plan(args.plan_file, projects[0]) if args.plan_file else None
    if saved is not None and saved.reports and not args.reports:
        projects = (replace(projects[0], reports=saved.reports),)  # the folder the plan was made from
    outcomes: list[tuple[Project, ApplyResult]] = []
    with open_clients(projects, console, args.emulator, args.timeout) as clients:
        # Every project is read at the same time, then (after one confirmation) written at the same time.
        read = [(s, c) for (s, _), c in zip(read_states(projects, clients, console), clients, strict=True)]
        if not args.emulator:  # each project's demo emulator holds the same demo reports
            refuse_shared_remote([s for s, _ in read])
        staged = [
            (ProjectPlan(s.project, planned(s, c, args, saved, console), c.api_url), c) for s, c in read
        ]
        if args.format == "text":
            show_plans([p for p, _ in staged], args, console, summary=False)
        guard_thresholds([p for p, _ in staged], args)
        if any(p.plan.changes for p, _ in staged) and not args.plan_file:
            confirm(args, console)  # a saved plan was reviewed when it was made, as with Terraform
        console.commit()  # from here on, output trouble must not hide what was applied
        headings = project_headings([p for p, _ in staged], args, console)
        counter = Progress(sum(len(p.plan.changes) for p, _ in staged), args, console, headings)
        interrupted = apply_all(staged, outcomes, counter, console)
    if interrupted is not None:
        return report_interrupted(outcomes, interrupted, args, console, counter)
    report_results(outcomes, args, console)
    failed = any(r.failed or r.skipped for _, r in outcomes)
    return ExitStatus.PARTIAL if failed else ExitStatus.OK


def project_headings(plans: list[ProjectPlan], args: Namespace, console: Console) -> list[str]:
    """The heading shown above each project's rows (none for one project, or for one with no change)."""
    many = args.format == "text" and len(plans) > 1
    return [project_heading(p.project.name, console.paint) if many and p.plan.changes else "" for p in plans]


def apply_all(
    staged: list[tuple[ProjectPlan, Client]],
    outcomes: list[tuple[Project, ApplyResult]],
    counter: Progress,
    console: Console,
) -> list[ProjectPlan] | None:
    """Apply every project's plan, each checked by a re-read, into `outcomes` (in config order).

    Several projects are applied at the same time on a bounded pool; their rows are shown in config
    order. Returns None when the run went to the end; after Ctrl-C, the plans of the projects not started.
    """
    if len(staged) == 1:
        ((p, client),) = staged
        try:
            outcomes.append((p.project, _apply_project(0, p, client, counter, console)))
        except ApplyInterrupted as exc:
            outcomes.append((p.project, exc.result))
            return []
        return None
    return _apply_at_once(staged, outcomes, counter, console)


def _apply_at_once(
    staged: list[tuple[ProjectPlan, Client]],
    outcomes: list[tuple[Project, ApplyResult]],
    counter: Progress,
    console: Console,
) -> list[ProjectPlan] | None:
    """Every project on its own worker; Ctrl-C (seen only by this thread) stops all from starting more."""
    from concurrent.futures import ThreadPoolExecutor, wait

    stop = threading.Event()
    interrupted = False
    with ThreadPoolExecutor(max_workers=min(MAX_PROJECTS_AT_ONCE, len(staged))) as pool:
        futures = [
            pool.submit(_apply_project, i, p, client, counter, console, stop)
            for i, (p, client) in enumerate(staged)
        ]
        try:
            wait(futures)
        except KeyboardInterrupt:
            stop.set()  # writes in flight finish; every change not yet started is skipped and shown
            interrupted = True
            wait(futures)
    outcomes += [(p.project, f.result()) for (p, _), f in zip(staged, futures, strict=True)]
    return [] if interrupted else None


def _apply_project(
    index: int,
    p: ProjectPlan,
    client: Client,
    counter: Progress,
    console: Console,
    stop: threading.Event | None = None,
) -> ApplyResult:
    """One project's plan applied, then checked against one fresh listing."""
    try:
        result = apply_plan(p.plan, client, p.project.parallelism, lambda r: counter.show(index, r), stop)
        checked = reread(result, client, console)
        for row, row_checked in zip(result.results, checked.results, strict=True):
            if row_checked is not row:  # shown once more: what the re-read found
                counter.show_again(index, row_checked)
        return checked
    finally:
        counter.finish(index)


def report_interrupted(
    outcomes: list[tuple[Project, ApplyResult]],
    rest: list[ProjectPlan],
    args: Namespace,
    console: Console,
    counter: Progress,
) -> int:
    """Ctrl-C during an apply: every result so far, the projects not started, and what to do next."""
    for q in rest:
        skipped = (
            ChangeResult(c, "skipped", c.remote_id, f"not attempted: {INTERRUPTED}") for c in q.plan.changes
        )
        outcomes.append((q.project, ApplyResult(tuple(skipped))))
    if args.format == "text":  # the changes never started were not shown as they completed
        for _, result in outcomes:
            for r in result.results:
                if r.status == "skipped" and id(r.change) not in counter.shown:
                    console.print(result_row(r))
    report_results(outcomes, args, console)
    console.error(interrupted_text(ApplyResult(tuple(r for _, o in outcomes for r in o.results))))
    return ExitStatus.INTERRUPTED


def refuse_plan_flags(args: Namespace) -> None:
    """ConfigError when a flag that shapes a plan comes with PLAN_FILE: the file's options, the reviewed
    ones, are used, so the flag would be dropped in silence (Terraform refuses -target with a saved plan)."""
    given = [flag for flag, value in _PLAN_FLAGS if getattr(args, value, None) not in (None, [])]
    if args.prune is not None:
        given.insert(1, "--prune" if args.prune else "--no-prune")
    if given:
        raise ConfigError(
            f"{', '.join(given)} cannot change a saved plan: {args.plan_file} is applied with the options it "
            "was made with. Make a new plan with them (`reportsync plan ... --out`) and apply that."
        )


_PLAN_FLAGS = (
    ("--target", "target"),
    ("--max-change-percent", "max_change_percent"),
    ("--min-existing", "min_existing"),
)


def saved_plan(path: str, project: Project) -> SavedPlan:
    """The plan file's content, checked to be for this project; ReportsyncError, SafetyError."""
    from reportsync.planfile import load_plan

    saved = load_plan(path)
    if saved.project != project.name:
        raise SafetyError(
            f"{path} was made for project {quoted(saved.project)}, not {quoted(project.name)}: add --project"
        )
    return saved


def planned(
    state: ProjectState, client: Client, args: Namespace, saved: SavedPlan | None, console: Console
) -> Plan:
    """The plan to apply: made now, or (with PLAN_FILE) made now with the file's options and equal to it."""
    if saved is None:
        return plan_state(state, plan_options(state.project, args), console)
    from reportsync.planfile import first_difference

    path = args.plan_file
    if saved.api_url.rstrip("/") != client.api_url.rstrip("/"):
        raise SafetyError(f"{path} was made against {saved.api_url}, not {client.api_url}: make a new plan")
    console.info(f"Planning again to check that {path} is still the plan that was reviewed...")
    fresh = plan_state(state, saved.plan.options, console)
    difference = first_difference(saved.plan, fresh)
    if difference:
        raise SafetyError(
            f"{path} is not the plan the files and remote reports give now, nothing was applied: "
            f"{difference}. Run `reportsync plan --out` again and review it."
        )
    return fresh  # what is shown and sent is computed from the files, not read from the plan file


def reread(result: ApplyResult, client: Client, console: Console) -> ApplyResult:
    """The result checked against one fresh listing: a change the server does not show has failed.

    When the listing cannot be read, every applied change is unconfirmed and counted as failed.
    """
    from reportsync.errors import ApiError
    from reportsync.verify import unconverged

    if not any(r.status == "applied" for r in result.results):
        return result
    console.info("Re-reading the remote reports to check that every change holds...")
    try:
        return unconverged(result, client.list_reports())
    except ApiError as exc:
        why = f"applied, but re-reading to check it failed: {exc.message}"
        rows = (
            replace(r, status="failed", message=why) if r.status == "applied" else r for r in result.results
        )
        return ApplyResult(tuple(rows))


def confirm(args: Namespace, console: Console) -> None:
    """Returns once the user typed yes (or --auto-approve); SafetyError otherwise."""
    if args.auto_approve:
        return
    if not console.inp.isatty():
        raise SafetyError(
            "refusing to apply without confirmation in a non-interactive run: "
            "pass --auto-approve (as CI does) after reviewing the plan"
        )
    try:
        answer = console.prompt("\nDo you want to apply these changes? Only 'yes' will be accepted: ")
    except KeyboardInterrupt:
        console.info("")
        raise ApplyCancelled("apply cancelled (Ctrl-C): nothing was changed") from None
    if answer.strip() != "yes":
        raise SafetyError("apply cancelled: nothing was changed")


class ApplyCancelled(SafetyError):
    exit_status = ExitStatus.INTERRUPTED


def report_results(outcomes: list[tuple[Project, ApplyResult]], args: Namespace, console: Console) -> None:
    many = len(outcomes) > 1
    if args.format == "json":
        docs = [result_json(r) for _, r in outcomes]
        console.print(json_text(by_project([p.name for p, _ in outcomes], docs)))
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
