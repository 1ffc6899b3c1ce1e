"""Real processes: an apply killed with SIGKILL part-way, and two applies started at the same moment."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from helpers import KEY, report, write_reports
from reliability import apply, assert_converged, env_for, identities, plan, record, scenario

from reportsync.emulator import Emulator

TOTAL = 200


def start_apply(folder: Path, emu: Emulator, *extra: str) -> subprocess.Popen[str]:
    env = {"PATH": os.environ.get("PATH", ""), "NO_COLOR": "1", **env_for(emu)}
    argv = [sys.executable, "-m", "reportsync", "apply", "--reports", str(folder), "--auto-approve", *extra]
    return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_reports(emu: Emulator, count: int, proc: subprocess.Popen[str]) -> None:
    """Until the emulator holds `count` reports (the process is then mid-apply), or the process ends."""
    deadline = time.monotonic() + 60
    while len(emu.reports()) < count and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)


def test_killed_apply_resumes_without_duplicates(tmp_path: Path) -> None:
    folder = write_reports(tmp_path / "reports", [report(f"Bulk {i:03d}") for i in range(TOTAL)])
    with Emulator(key=KEY, seed=3) as emu:
        emu.faults.latency = 0.02
        for stop_at in (40, 120):  # killed twice, at different depths
            proc = start_apply(folder, emu, "--parallelism", "2")
            wait_for_reports(emu, stop_at, proc)
            proc.kill()
            proc.communicate()
            assert proc.returncode == -9, "the apply finished before it could be killed"
            time.sleep(0.2)  # a request the server had already read is still processed: let it land
            held = len(emu.reports())
            assert stop_at <= held < TOTAL and max(identities(emu).values()) == 1
        emu.faults.latency = 0.0
        rest = apply(folder, env_for(emu), "--parallelism", "8")
        assert rest.code == 0, rest.out + rest.err
        assert f"Apply complete: {TOTAL - held} created, 0 updated, 0 deleted." in rest.out
        assert len(emu.reports()) == TOTAL and max(identities(emu).values()) == 1
        assert_converged(emu, folder, [report(f"Bulk {i:03d}") for i in range(TOTAL)])
    record(
        "process", "apply SIGKILLed twice mid-way (200 creates)", "next apply creates only the rest; no dup"
    )


def test_two_simultaneous_applies_can_duplicate_and_the_next_plan_fails_closed(tmp_path: Path) -> None:
    """Each apply plans from its own read and the API has no uniqueness: when both reads come before
    either's creates, both create. Guaranteed: both runs tell the truth (the run that re-reads after both
    wrote sees the copies and exits 4), updates and deletes land once, and the next plan/apply refuses
    (exit 1), naming both ids, and writes nothing."""
    with Emulator(key=KEY, seed=5) as emu:
        case = scenario(emu, tmp_path / "reports", n=30, creates=20, updates=5)
        # Both listings are read, then answered 1 s later: the two plans overlap, as two CI runs may.
        emu.faults.slow("GET", "/scheduled-reports", delay=1.0, count=2)
        emu.faults.latency = 0.01
        procs = [start_apply(case.folder, emu, "--prune", "--force") for _ in range(2)]
        outs = [p.communicate(timeout=60) for p in procs]
        emu.faults.clear()
        for proc, (out, err) in zip(procs, outs, strict=True):
            assert proc.returncode in (0, 4), out + err
            assert "20 created, 5 updated, 1 deleted." in out or "applied, but the server holds 2" in out
        assert any(p.returncode == 4 for p in procs)
        assert any("applied, but the server holds 2 reports named" in out for out, _ in outs)
        counts = identities(emu)
        created = {(d["environment"], d["report_name"]) for d in case.desired[:20]}
        assert all(counts[i] == 2 for i in created) and all(counts[i] == 1 for i in set(counts) - created)
        assert "Orphan export" not in {r["report_name"] for r in emu.reports()}
        emu.reset_counts()
        for result in (plan(case.folder, env_for(emu)), apply(case.folder, env_for(emu))):
            assert result.code == 1 and '2 remote reports are named "Report 000"' in result.err
            twins = [r["id"] for r in emu.reports() if r["report_name"] == "Report 000"]
            assert all(rid in result.err for rid in twins)
        assert all(method == "GET" for method, _ in emu.counts)
    record(
        "process",
        "two applies at the same moment (reads overlap)",
        "creates duplicated; the later run's re-read finds the copies (exit 4); next plan and apply "
        "exit 1 naming both ids, write nothing",
        "pass: duplicates occur, as documented",
    )


def test_second_apply_after_the_first_finishes_is_a_no_op(tmp_path: Path) -> None:
    """The supported way (a CI concurrency group): applies run one after the other, so the second
    plans from the first's result."""
    with Emulator(key=KEY, seed=5) as emu:
        case = scenario(emu, tmp_path / "reports", n=30, creates=20, updates=5)
        first = start_apply(case.folder, emu, "--prune", "--force")
        out, err = first.communicate(timeout=60)
        assert first.returncode == 0, out + err
        second = start_apply(case.folder, emu, "--prune", "--force")
        out, err = second.communicate(timeout=60)
        assert second.returncode == 0 and "No changes" in out, out + err
        assert_converged(emu, case.folder, case.desired)
    record("process", "two applies one after the other (concurrency group)", "second is a no-op; no dup")
