"""`reportsync plan`: read both sides of every project, build the plans and show them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reportsync.client import Client
from reportsync.commands import projects_of
from reportsync.config import Project
from reportsync.connection import open_clients
from reportsync.console import Console
from reportsync.errors import ExitStatus, SafetyError
from reportsync.match import matches
from reportsync.plan import Plan, PlanOptions, build_plan, threshold_breach
from reportsync.pool import both, in_order
from reportsync.render import by_project, code_span, json_text, project_heading
from reportsync.render.plan import plan_json, plan_totals_line, render_plan_markdown, render_plan_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from argparse import Namespace


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
    with open_clients(projects, console, args.emulator, args.timeout) as clients:
        plans = in_order([planner(p, c, args, console) for p, c in zip(projects, clients, strict=True)])
    show_plans(plans, args, console)
    guard_thresholds(plans, args)  # before saving: a refused plan must not be applied later by mistake
    if args.out:
        from reportsync.planfile import save_plan

        save_plan(plans[0].plan, args.out, plans[0].api_url, plans[0].project.name, console.redact)
        console.info(f"Saved the plan to {args.out}; apply it with `reportsync apply {args.out}`.")
    changed = any(p.plan.changes for p in plans)
    return ExitStatus.CHANGES if changed and args.detailed_exitcode else ExitStatus.OK


def planner(project: Project, client: Client, args: Namespace, console: Console) -> Callable[[], ProjectPlan]:
    """The project's plan, to be made on a worker thread (projects are read at the same time)."""
    return lambda: ProjectPlan(project, make_plan(project, client, args, console), client.api_url)


def plan_options(project: Project, args: Namespace) -> PlanOptions:
    return PlanOptions(
        project.prune,
        tuple(args.target or ()),
        project.ignore,
        project.max_change_percent,
        project.min_existing,
    )


def make_plan(project: Project, client: Client, args: Namespace, console: Console) -> Plan:
    """The project's plan from its files and the remote state; InvalidFilesError, PlanError, ApiError."""
    from reportsync.validate import load_desired

    desired = load_desired(project.reports)
    console.info(f"Read {len(desired)} report(s) from {project.reports}/; reading remote reports...")
    # Both reads at once: a far-away API costs one round trip, not two.
    reports, destinations = both(client.list_reports, client.list_destinations)
    plan = build_plan(desired, reports, destinations, plan_options(project, args))
    if plan.partial and not plan.changes and not plan.unchanged:
        targets = plan.options.targets
        if not any(matches(u.report_name, targets) for u in plan.unmanaged):
            console.info(
                f"Warning: --target {', '.join(targets)} matched no report in {project.reports}/ "
                "or in the remote project."
            )
    return plan


def show_plans(plans: list[ProjectPlan], args: Namespace, console: Console, summary: bool = True) -> None:
    """Every plan on stdout in the chosen format, and as Markdown in the job summary."""
    many = len(plans) > 1
    if args.format == "json":
        docs = [plan_json(p.plan) for p in plans]
        console.print(json_text(by_project([p.project.name for p in plans], docs) if many else docs[0]))
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
