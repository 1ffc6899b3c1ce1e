"""`reportsync plan`: read both sides of every project, build the plans and show them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from reportsync.client import Client
from reportsync.commands import projects_of
from reportsync.config import Project
from reportsync.connection import open_clients
from reportsync.console import Console
from reportsync.errors import ExitStatus, Problem, SafetyError
from reportsync.match import unmatched
from reportsync.models import DesiredReport, Destination, RemoteReport
from reportsync.plan import Plan, PlanOptions, build_plan, threshold_breach
from reportsync.pool import both, in_order
from reportsync.render import by_project, code_span, json_text, project_heading
from reportsync.render.plan import plan_json, plan_totals_line, render_plan_markdown, render_plan_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from argparse import Namespace


@dataclass(frozen=True, slots=True)
class ProjectState:
    """What one project's run reads: its desired reports and its remote listings."""

    project: Project
    desired: tuple[DesiredReport, ...]
    reports: tuple[RemoteReport, ...]
    destinations: tuple[Destination, ...]
    skipped: tuple[Problem, ...] = ()  # entries under the reports folder that were not read


@dataclass(frozen=True, slots=True)
class ProjectPlan:
    """One project's plan and the API URL it was made against."""

    project: Project
    plan: Plan
    api_url: str


def run(args: Namespace, console: Console) -> int:
    projects = projects_of(args)
    if args.out and len(projects) > 1:
        raise SafetyError("--out saves one project's plan: add --project NAME")
    refuse_shared_keys(args, console)
    with open_clients(projects, console, args.emulator, args.timeout) as clients:
        states = read_states(projects, clients, console)
    if not args.emulator:  # each project's demo emulator holds the same demo reports
        refuse_shared_remote([s for s, _ in states])
    plans = [
        ProjectPlan(s.project, plan_state(s, plan_options(s.project, args), console), url)
        for s, url in states
    ]
    show_plans(plans, args, console)
    guard_thresholds(plans, args)  # before saving: a refused plan must not be applied later by mistake
    if args.out:
        from reportsync.planfile import save_plan

        first = plans[0]
        where = (first.api_url, first.project.name, first.project.reports)
        save_plan(first.plan, args.out, *where, console.redact)
        console.info(f"Saved the plan to {args.out}; apply it with `reportsync apply {args.out}`.")
    changed = any(p.plan.changes for p in plans)
    return ExitStatus.CHANGES if changed and args.detailed_exitcode else ExitStatus.OK


def plan_options(project: Project, args: Namespace) -> PlanOptions:
    return PlanOptions(
        project.prune,
        tuple(args.target or ()),
        project.ignore,
        project.max_change_percent,
        project.min_existing,
    )


def read_states(
    projects: Sequence[Project], clients: Sequence[Client], console: Console
) -> list[tuple[ProjectState, str]]:
    """Every project's state and API URL, in config order; the projects are read at the same time
    (a far-away API costs one round trip for all of them), and the first failure in order is raised."""

    def reader(project: Project, client: Client) -> Callable[[], tuple[ProjectState, str]]:
        return lambda: (read_state(project, client, console), client.api_url)

    return in_order([reader(p, c) for p, c in zip(projects, clients, strict=True)])


def read_state(project: Project, client: Client, console: Console) -> ProjectState:
    """The project's desired reports and its remote listings; InvalidFilesError, ApiError."""
    from reportsync.desired import load_project_files

    desired, skipped = load_project_files(project.reports, project.root)
    console.info(f"Read {len(desired)} report(s) from {project.reports}/; reading remote reports...")
    # Both listings at once: one round trip, not two.
    reports, destinations = both(client.list_reports, client.list_destinations)
    return ProjectState(project, desired, reports, destinations, skipped)


def plan_state(state: ProjectState, options: PlanOptions, console: Console) -> Plan:
    """The plan for one project's read state (PlanError when unsafe), warning about unmatched entries.

    A run that did not read everything under the reports folder never deletes: prune is turned off.
    """
    for skipped in state.skipped:
        console.info(f"Warning: {skipped}")
    if state.skipped and options.prune:
        console.info(
            f"Warning: {len(state.skipped)} entr{'y' if len(state.skipped) == 1 else 'ies'} under "
            f"{state.project.reports}/ not read: nothing is deleted in this run (prune is off)."
        )
        options = replace(options, prune=False)
    plan = build_plan(state.desired, state.reports, state.destinations, options)
    desired = [s.identity[1] for s in state.desired]
    warn_unmatched(state.project, plan, desired, [r.identity[1] for r in state.reports], console)
    return plan


def make_plan(project: Project, client: Client, args: Namespace, console: Console) -> Plan:
    """The project's plan from its files and the remote state; InvalidFilesError, PlanError, ApiError."""
    return plan_state(read_state(project, client, console), plan_options(project, args), console)


def refuse_shared_keys(args: Namespace, console: Console) -> None:
    """SafetyError when two projects of the config hold the same secret key: they are one remote project.

    Every project of the config is compared, not only those selected, because `--project web` alone
    would otherwise see `app`'s reports as unmanaged and prune them.
    """
    if args.emulator:
        return
    from reportsync.config import Overrides, resolve_projects

    seen: dict[str, Project] = {}
    for project in resolve_projects(Overrides(config=getattr(args, "config", None))):
        key = (console.env.get(project.key_env) or "").strip()
        first = seen.setdefault(key, project) if key else project
        if first is not project:
            raise SafetyError(
                f"projects {first.name} and {project.name} use the same secret key "
                f"({first.key_env} and {project.key_env}): they are one remote project, and each would "
                "see the other's reports as unmanaged; nothing was planned. Give each project its own key."
            )


def refuse_shared_remote(states: Sequence[ProjectState]) -> None:
    """SafetyError when the remote listings of two projects share a report id; run after every read."""
    owner: dict[str, Project] = {}
    for state in states:
        for report in state.reports:
            first = owner.setdefault(report.id, state.project)
            if first is not state.project:
                raise SafetyError(
                    f"projects {first.name} and {state.project.name} both list remote report "
                    f"{report.id}: they are one remote project under two keys; nothing was planned. "
                    "Keep one of them in reportsync.yaml."
                )


def warn_unmatched(
    project: Project, plan: Plan, desired: list[str], remote: list[str], console: Console
) -> None:
    """A warning (stderr) per --target entry matching no report, and per ignore: entry matching no remote."""
    from reportsync.names import escaped

    for entry in unmatched(plan.options.targets, desired + remote):
        console.info(
            f"Warning: --target {escaped(entry)} matched no report in {project.reports}/ "
            "or in the remote project."
        )
    for entry in unmatched(plan.options.ignore, remote):
        console.info(
            f"Warning: ignore: entry {escaped(entry)} of project {project.name} matched no remote report."
        )


def show_plans(plans: list[ProjectPlan], args: Namespace, console: Console, summary: bool = True) -> None:
    """Every plan on stdout in the chosen format, and as Markdown in the job summary."""
    many = len(plans) > 1
    if args.format == "json":
        docs = [plan_json(p.plan) for p in plans]
        console.print(json_text(by_project([p.project.name for p in plans], docs)))
    for p in plans:
        title = f"reportsync plan — {code_span(p.project.name)}" if many else "reportsync plan"
        markdown = render_plan_markdown(p.plan, title)
        if args.format == "markdown":
            console.print(markdown)
        elif args.format == "text":
            if many:
                console.print(project_heading(p.project.name, console.paint))
            console.print(render_plan_text(p.plan, f"{p.project.reports}/", console.paint))
            console.print()
        if summary and not args.no_summary:
            console.append_summary(markdown)
    if many and args.format == "text":
        console.print(plan_totals_line([p.plan for p in plans]))


def guard_thresholds(plans: list[ProjectPlan], args: Namespace) -> None:
    """SafetyError when a plan updates or deletes too large a share of its remote reports (no --force)."""
    if args.force:
        return
    for p in plans:
        breach = threshold_breach(p.plan)
        if breach:
            raise SafetyError(f"project {p.project.name}: {breach}" if len(plans) > 1 else breach)
