"""The fault matrix: apply --prune --force through the CLI while the emulator misbehaves, then convergence."""

from __future__ import annotations

import time
from collections.abc import Callable
from email.utils import formatdate
from pathlib import Path

import pytest
from helpers import KEY, VirtualClock
from reliability import (
    Scenario,
    apply,
    assert_converged,
    canonical,
    env_for,
    identities,
    plan,
    record,
    scenario,
    summary_line,
)

from reportsync.apply import apply_plan
from reportsync.client import Client
from reportsync.desired import load_desired
from reportsync.emulator import Emulator
from reportsync.emulator.faults import Faults
from reportsync.plan import PlanOptions, build_plan
from reportsync.retry import Limits
from reportsync.settings import Settings

REPORTS = "/scheduled-reports"
ONE = "/scheduled-reports/*"
COMPLETE = "Apply complete: 10 created, 10 updated, 1 deleted."
Arm = Callable[[Faults], None]


def _http_date_in(seconds: float) -> str:
    return formatdate(time.time() + seconds, usegmt=True)


def _write_storm(faults: Faults) -> None:
    faults.fail("POST", REPORTS, 429, count=6)
    faults.fail("PUT", ONE, 429, count=6)


# name -> (arm the faults, extra CLI flags); every case must end in exit 0 with every change applied.
SURVIVED: dict[str, tuple[Arm, tuple[str, ...]]] = {
    "429 storm on the listing, Retry-After 0 (7 in a row)": (lambda f: f.queue_429(7, "0"), ()),
    "429 storm on the writes, no Retry-After": (_write_storm, ("--parallelism", "8")),
    "429 from a 20 rps rate limit, Retry-After 1": (lambda f: f.rate_limit(20, "1"), ("--parallelism", "8")),
    "429, Retry-After HTTP-date 2 s ahead": (lambda f: f.queue_429(2, _http_date_in(2)), ()),
    "429, Retry-After HTTP-date in the past": (
        lambda f: f.queue_429(6, "Wed, 21 Oct 2015 07:28:00 GMT"),
        (),
    ),
    "502 on the listing": (lambda f: f.fail("GET", REPORTS, 502), ()),
    "503 on the listing": (lambda f: f.fail("GET", REPORTS, 503), ()),
    "504 on the destinations read": (lambda f: f.fail("GET", REPORTS + "/destinations", 504), ()),
    "502 on PUT": (lambda f: f.fail("PUT", ONE, 502, count=3), ()),
    "503 on PUT": (lambda f: f.fail("PUT", ONE, 503, count=3), ()),
    "504 on PUT": (lambda f: f.fail("PUT", ONE, 504, count=3), ()),
    "503 on DELETE": (lambda f: f.fail("DELETE", ONE, 503), ()),
    "connection reset on the listing": (lambda f: f.reset_connections("GET", REPORTS, count=2), ()),
    "connection reset on PUT": (lambda f: f.reset_connections("PUT", ONE, count=3), ()),
    "connection reset on DELETE": (lambda f: f.reset_connections("DELETE", ONE), ()),
    "ambiguous creates (created, then dropped) x6": (
        lambda f: f.ambiguous_creates(6),
        ("--parallelism", "8"),
    ),
    "listing restarts part-way": (lambda f: f.restart_listing_after(1), ()),
    "listing fails part-way once (503), retried": (lambda f: f.fail_listing_after(1, 503), ()),
    "latency 5 ms on every call": (lambda f: setattr(f, "latency", 0.005), ("--parallelism", "8")),
}
LISTING = {"listing restarts part-way", "listing fails part-way once (503), retried"}


@pytest.mark.parametrize("name", list(SURVIVED))
def test_fault_survived(name: str, tmp_path: Path) -> None:
    arm, flags = SURVIVED[name]
    with Emulator(key=KEY, seed=11) as emu:
        # A listing fault needs a second page: 130 reports (PAGE_LIMIT is 100).
        case = scenario(emu, tmp_path / "reports", n=130 if name in LISTING else 40)
        clock = VirtualClock()
        emu.faults.clock = clock.clock  # the rate limiter and the client's backoff share virtual time
        arm(emu.faults)
        result = apply(case.folder, env_for(emu), *flags, clock=clock)
        assert result.code == 0, result.out + result.err
        assert summary_line(result) == COMPLETE
        assert "Traceback" not in result.err
        emu.faults.clear()
        assert_converged(emu, case.folder, case.desired)
    record(
        "fault", name, "exit 0, every change applied; remote == files; no identity twice; rerun: No changes"
    )


def test_listing_keeps_restarting_fails_closed(tmp_path: Path) -> None:
    with Emulator(key=KEY, seed=11) as emu:
        case = scenario(emu, tmp_path / "reports", n=130)
        before = canonical([dict(r) for r in emu.reports()])
        emu.faults.restart_listing_after(1, count=20)
        result = apply(case.folder, env_for(emu))
        assert result.code == 1 and "kept restarting" in result.err, result.err
        _assert_nothing_written(emu, before)
        emu.faults.clear()
        assert apply(case.folder, env_for(emu)).code == 0
        assert_converged(emu, case.folder, case.desired)
    record(
        "fault", "listing restarts on every read", "exit 1 naming the call; nothing written; rerun converges"
    )


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_listing_failing_part_way_fails_closed(command: str, tmp_path: Path) -> None:
    with Emulator(key=KEY, seed=11) as emu:
        case = scenario(emu, tmp_path / "reports", n=130)
        before = canonical([dict(r) for r in emu.reports()])
        emu.faults.fail_listing_after(1, status=500, count=5)
        emu.reset_counts()
        result = (plan if command == "plan" else apply)(case.folder, env_for(emu), "--prune")
        assert result.code == 1 and "GET /scheduled-reports" in result.err, result.err
        assert "Plan:" not in result.out and "No changes" not in result.out
        _assert_nothing_written(emu, before)
        emu.faults.clear()
        assert apply(case.folder, env_for(emu)).code == 0
        assert_converged(emu, case.folder, case.desired)
    record("fault", f"listing fails part-way (500 on page 2), {command}", "exit 1; no plan shown; no write")


def _assert_nothing_written(emu: Emulator, before: list[str]) -> None:
    writes = sum(n for (method, _), n in emu.counts.items() if method != "GET")
    assert writes == 0
    assert canonical([dict(r) for r in emu.reports()]) == before


POST_FAULTS: dict[str, Arm] = {
    "502 on POST x3": lambda f: f.fail("POST", REPORTS, 502, count=3),
    "503 on POST x3": lambda f: f.fail("POST", REPORTS, 503, count=3),
    "504 on POST x3": lambda f: f.fail("POST", REPORTS, 504, count=3),
    "connection reset on POST x3": lambda f: f.reset_connections("POST", REPORTS, count=3),
}


@pytest.mark.parametrize("name", list(POST_FAULTS))
def test_post_failure_is_ambiguous_adopted_or_reposted(name: str, tmp_path: Path) -> None:
    """A POST 5xx may have created the report: apply re-reads, adopts or posts once more. When the second
    POST also fails (the armed faults may hit it) that create is reported failed, never retried blindly."""
    with Emulator(key=KEY, seed=11) as emu:
        case = scenario(emu, tmp_path / "reports")
        POST_FAULTS[name](emu.faults)
        result = apply(case.folder, env_for(emu), "--parallelism", "8")
        assert result.code in (0, 4), result.out + result.err
        created = _created(emu, case)
        assert max(identities(emu).values()) == 1
        if result.code == 0:
            assert summary_line(result) == COMPLETE and created == case.creates
        else:
            failed = case.creates - created
            line = f"{created} created, 10 updated, 1 deleted. {failed} failed, 0 skipped."
            assert line in summary_line(result), result.out
            assert result.out.count("the outcome is unknown") >= failed
        emu.faults.clear()
        assert apply(case.folder, env_for(emu)).code == 0
        assert_converged(emu, case.folder, case.desired)
    record(
        "fault",
        f"{name} under --parallelism 8",
        "no duplicate; exit 0, or exit 4 naming each create whose re-post also failed; rerun converges",
    )


def _created(emu: Emulator, case: Scenario) -> int:
    names = {r["report_name"] for r in emu.reports()}
    return sum(1 for d in case.desired[: case.creates] if d["report_name"] in names)


@pytest.mark.parametrize("method", ["PUT", "DELETE", "POST"])
def test_failures_outlasting_retries_are_exit_4_and_named(method: str, tmp_path: Path) -> None:
    with Emulator(key=KEY, seed=11) as emu:
        case = scenario(emu, tmp_path / "reports")
        # 500 is not retried (nor is a second failed POST): every change of this kind fails.
        glob = REPORTS if method == "POST" else ONE
        emu.faults.fail(method, glob, 500, count=100)
        result = apply(case.folder, env_for(emu), "--parallelism", "8")
        failed = {"PUT": case.updates, "DELETE": case.deletes, "POST": case.creates}[method]
        assert result.code == 4, result.out + result.err
        assert f"{failed} failed, 0 skipped." in summary_line(result), result.out
        assert result.out.count("failed") >= failed and f"{method} /scheduled-reports" in result.out
        _assert_partial_state(emu, case, method)
        emu.faults.clear()
        rerun = apply(case.folder, env_for(emu))
        assert rerun.code == 0, rerun.out + rerun.err
        assert_converged(emu, case.folder, case.desired)
    record(
        "fault",
        f"500 on every {method}",
        f"exit 4; each failed {method} listed; the rest applied; rerun converges",
    )


def _assert_partial_state(emu: Emulator, case: Scenario, method: str) -> None:
    names = {r["report_name"] for r in emu.reports()}
    assert ("Orphan export" in names) == (method == "DELETE")
    assert _created(emu, case) == (0 if method == "POST" else case.creates)


@pytest.mark.parametrize("where", ["GET", "PUT", "POST"])
def test_read_timeout_survived(where: str, tmp_path: Path) -> None:
    """The CLI has no timeout flag (its client waits 30 s): this drives apply_plan, 0.5 s read timeout."""
    with Emulator(key=KEY, seed=11) as emu:
        case = scenario(emu, tmp_path / "reports")
        with Client(Settings(emu.url, KEY), timeout=(1.0, 0.5), limits=Limits(backoff_base=0.05)) as client:
            glob = REPORTS if where in ("GET", "POST") else ONE
            emu.faults.slow(where, glob, delay=1.0, count=2)  # processed first, then answered too late
            desired = load_desired(case.folder)
            plan_ = build_plan(
                desired, client.list_reports(), client.list_destinations(), PlanOptions(prune=True)
            )
            result = apply_plan(plan_, client, parallelism=8)
        assert not result.failed and not result.skipped, [r.message for r in result.failed]
        assert (result.count("create"), result.count("update"), result.count("delete")) == (10, 10, 1)
        emu.faults.clear()
        assert_converged(emu, case.folder, case.desired)
    record("fault", f"read timeout on {where} (apply_plan, 0.5 s timeout)", "every change applied; converges")


def test_sustained_rate_limit_with_retry_after_0_survived(tmp_path: Path) -> None:
    with Emulator(key=KEY, seed=11) as emu:
        case = scenario(emu, tmp_path / "reports")
        clock = VirtualClock()
        emu.faults.clock = clock.clock
        emu.faults.rate_limit(5, "0")
        result = apply(case.folder, env_for(emu), "--parallelism", "8", clock=clock)
        emu.faults.clear()
        assert result.code in (0, 4) and max(identities(emu).values()) == 1  # truthful either way
        assert result.code == 0, summary_line(result)
