"""`plan` and `apply`: read both sides, build the plan, show it, and carry it out when asked."""

from __future__ import annotations

import argparse
import json
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from reportsync import render
from reportsync.apply import ApplyResult, ChangeResult, apply_plan, stale_changes
from reportsync.console import Console
from reportsync.errors import ExitStatus, Problem, SafetyError
from reportsync.plan import Plan, PlanOptions, build_plan, matches, threshold_breach
from reportsync.project import Project, resolve_projects
from reportsync.session import Remote, open_remote


@dataclass(frozen=True, slots=True)
class ProjectPlan:
    project: Project
    plan: Plan
    api_url: str


def plan_options(project: Project, args: argparse.Namespace) -> PlanOptions:
    return PlanOptions(
        project.prune,
        tuple(args.target or ()),
        project.ignore,
        project.max_change_percent,
        project.min_existing,
    )


def make_plan(project: Project, remote: Remote, args: argparse.Namespace, console: Console) -> Plan:
    from reportsync.validate import load_desired

    desired = load_desired(project.reports)
    console.info(f"Read {len(desired)} report(s) from {project.reports}/; reading remote reports...")
    reports = remote.client.list_reports()
    destinations = remote.client.list_destinations()
    plan = build_plan(desired, reports, destinations, plan_options(project, args))
    if plan.partial and not plan.changes and not plan.unchanged:
        targets = plan.options.targets
        if not any(matches(u.report_name, targets) for u in plan.unmanaged):
            console.info(
                f"Warning: --target {', '.join(targets)} matched no report in {project.reports}/ "
                "or in the remote project."
            )
    return plan


def run_plan(args: argparse.Namespace, console: Console) -> int:
    projects = resolve_projects(args, console.env)
    if args.out and len(projects) > 1:
        raise SafetyError("--out saves one project's plan: add --project NAME")
    plans: list[ProjectPlan] = []
    for project in projects:
        with open_remote(project, console, args.emulator) as remote:
            plans.append(ProjectPlan(project, make_plan(project, remote, args, console), remote.api_url))
    show_plans(plans, args, console)
    guard_thresholds(plans, args)  # before saving: a refused plan must not be applied later by mistake
    if args.out:
        from reportsync.planfile import save_plan

        save_plan(plans[0].plan, Path(args.out), plans[0].api_url, plans[0].project.name)
        console.info(f"Saved the plan to {args.out}; apply it with `reportsync apply {args.out}`.")
    changed = any(p.plan.changes for p in plans)
    return ExitStatus.CHANGES if changed and args.detailed_exitcode else ExitStatus.OK


def show_plans(
    plans: list[ProjectPlan], args: argparse.Namespace, console: Console, summary: bool = True
) -> None:
    many = len(plans) > 1
    if args.format == "json":
        data = [render.plan_json(p.plan) for p in plans]
        out = (
            data[0]
            if not many
            else {
                "format_version": render.FORMAT_VERSION,
                "projects": [{"project": p.project.name, **d} for p, d in zip(plans, data, strict=True)],
            }
        )
        console.print(json.dumps(out, indent=2, ensure_ascii=False))
    for p in plans:
        title = f"reportsync plan — {p.project.name}" if many else "reportsync plan"
        markdown = render.render_plan_markdown(p.plan, title)
        if args.format == "markdown":
            console.print(markdown)
        elif args.format == "text":
            if many:
                console.print(console.paint(f"== project {p.project.name} ==", "1"))
            console.print(render.render_plan_text(p.plan, f"{p.project.reports}/", console.paint))
            console.print()
        if summary and not args.no_summary:
            console.append_summary(markdown)
    if many and args.format == "text":
        totals = {
            k: sum(render.plan_summary(p.plan)[k] for p in plans) for k in render.plan_summary(plans[0].plan)
        }
        console.print(
            f"All projects: {totals['create']} to create, {totals['update']} to update, "
            f"{totals['delete']} to delete. "
            f"({totals['unchanged']} unchanged, {totals['unmanaged']} unmanaged)"
        )


def guard_thresholds(plans: list[ProjectPlan], args: argparse.Namespace) -> None:
    if args.force:
        return
    for p in plans:
        breach = threshold_breach(p.plan)
        if breach:
            raise SafetyError(f"project {p.project.name}: {breach}" if len(plans) > 1 else breach)


def run_apply(args: argparse.Namespace, console: Console) -> int:
    """Plan every project, show every plan, confirm once, then apply project by project."""
    projects = resolve_projects(args, console.env)
    if args.plan_file and len(projects) > 1:
        raise SafetyError("a plan file holds one project's plan: add --project NAME")
    outcomes: list[tuple[Project, ApplyResult]] = []
    with ExitStack() as stack:
        staged: list[tuple[ProjectPlan, Remote]] = []
        for project in projects:
            remote = stack.enter_context(open_remote(project, console, args.emulator, project.parallelism))
            if args.plan_file:
                plan = saved_plan(Path(args.plan_file), remote, console, project)
            else:
                plan = make_plan(project, remote, args, console)
            staged.append((ProjectPlan(project, plan, remote.api_url), remote))
        if args.format == "text":
            show_plans([p for p, _ in staged], args, console, summary=False)
        guard_thresholds([p for p, _ in staged], args)
        if any(p.plan.changes for p, _ in staged) and not args.plan_file:
            confirm(args, console)  # a saved plan was reviewed when it was made, as with Terraform
        for p, remote in staged:
            result = apply_plan(p.plan, remote.client, p.project.parallelism, lambda r: progress(r, console))
            outcomes.append((p.project, result))
    report_results(outcomes, args, console)
    failed = any(r.failed or r.skipped for _, r in outcomes)
    return ExitStatus.PARTIAL if failed else ExitStatus.OK


def saved_plan(path: Path, remote: Remote, console: Console, project: Project) -> Plan:
    from reportsync.planfile import load_plan

    plan, api_url, made_for = load_plan(path)
    if made_for != project.name:
        raise SafetyError(f"{path} was made for project {made_for!r}, not {project.name!r}: add --project")
    if api_url.rstrip("/") != remote.api_url.rstrip("/"):
        raise SafetyError(f"{path} was made against {api_url}, not {remote.api_url}: make a new plan")
    console.info(f"Checking that the remote reports have not changed since {path} was made...")
    stale = stale_changes(plan, remote.client.list_reports())
    if stale:
        raise SafetyError(
            f"{path} is stale, nothing was applied: "
            + "; ".join(stale)
            + ". Run `reportsync plan --out` again."
        )
    return plan


def confirm(args: argparse.Namespace, console: Console) -> None:
    if args.auto_approve:
        return
    if not console.inp.isatty():
        raise SafetyError(
            "refusing to apply without confirmation in a non-interactive run: "
            "pass --auto-approve (as CI does) after reviewing the plan"
        )
    console.err.write("\nDo you want to apply these changes? Only 'yes' will be accepted: ")
    console.err.flush()
    if console.inp.readline().strip() != "yes":
        raise SafetyError("apply cancelled: nothing was changed")


def progress(result: ChangeResult, console: Console) -> None:
    console.info(render.result_row(result).strip())


def report_results(
    outcomes: list[tuple[Project, ApplyResult]], args: argparse.Namespace, console: Console
) -> None:
    many = len(outcomes) > 1
    if args.format == "json":
        docs = [render.result_json(r) for _, r in outcomes]
        data = (
            docs[0]
            if not many
            else {
                "format_version": render.FORMAT_VERSION,
                "projects": [{"project": p.name, **d} for (p, _), d in zip(outcomes, docs, strict=True)],
            }
        )
        console.print(json.dumps(data, indent=2, ensure_ascii=False))
    for project, result in outcomes:
        if args.format == "text" and result.results:
            console.print()
            if many:
                console.print(console.paint(f"== project {project.name} ==", "1"))
            console.print(render.render_result_text(result))
        if not args.no_summary:
            title = f"reportsync apply — {project.name}" if many else "reportsync apply"
            console.append_summary(render.render_result_markdown(result, title))
        console.annotate(
            [
                Problem(r.change.file, r.change.line, 0, f"{r.change.action} failed: {r.message}")
                for r in result.failed
                if r.change.file
            ]
        )
    if args.format == "text" and many:
        total = ApplyResult(tuple(r for _, res in outcomes for r in res.results))
        console.print(f"All projects: {render.result_line(total)}")
