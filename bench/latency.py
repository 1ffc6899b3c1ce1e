"""Round trips on the critical path (issue 14 B): (wall at latency L - wall at latency 0) / L, L = 200 ms.

The emulator's `--latency` delays every request by L before answering, so a command whose requests all wait
one after another costs L per request, and reads made at the same time cost L once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from fixtures import write_reports
from procs import KEY, WORK, client_env, emulator, reportsync, run_measured

L_MS = 200
PROJECTS = 8
PER_PROJECT = 12
APPLY_N, APPLY_P = 40, 8


@dataclass(frozen=True)
class Row:
    """One case: its round trips on the critical path, the target, and the walls (seconds) it came from."""

    case: str
    round_trips: float
    target: float
    wall_l: float
    wall_0: float

    @property
    def ok(self) -> bool:
        return self.round_trips <= self.target


Run = Callable[[float], float]  # latency in ms -> wall seconds of one run


def round_trips(run: Run, reps: int) -> tuple[float, float, float]:
    """(round trips, fastest wall at L, fastest wall at 0), the two latencies interleaved. The fastest run,
    not the median: on a shared machine noise only adds time, and a difference of medians of 3 moved by
    +-0.3 round trips between runs."""
    at_l, at_0 = [], []
    run(0)  # warm-up: bytecode and page caches
    for _ in range(reps):
        at_l.append(run(L_MS))
        at_0.append(run(0))
    wall_l, wall_0 = min(at_l), min(at_0)
    return (wall_l - wall_0) / (L_MS / 1000), wall_l, wall_0


def _wall(
    cmd: list[str],
    server: Callable[[float], AbstractContextManager[str]],
    env_of: Callable[[str], dict[str, str]],
    cwd: Path = WORK,
) -> Run:
    def run(latency: float) -> float:
        with server(latency) as url:
            sample = run_measured(cmd, env_of(url), cwd)
        if sample.rc not in (0, 2):
            raise RuntimeError(f"{' '.join(cmd[-6:])} failed (exit {sample.rc}): {sample.err.strip()[-400:]}")
        return sample.wall

    return run


def one_project(n: int = 100) -> Run:
    """plan of one project with N reports, all unchanged (the remote holds them)."""
    from fixtures import write_state

    folder = write_reports(WORK / f"latency-reports-{n}", n)
    state = write_state(WORK / f"latency-state-{n}.json", n)
    cmd = reportsync("plan", "--reports", str(folder), "--no-summary")
    return _wall(cmd, lambda ms: emulator(state, ms), client_env)


def eight_projects() -> Run:
    """plan of 8 projects in reportsync.yaml, each with its own key (one emulator, one project per key)."""
    root = WORK / "latency-projects"
    keys = {f"BENCH_KEY_{i}": f"{KEY}_{i}" for i in range(PROJECTS)}
    lines = ["projects:"]
    for i, name in enumerate(keys):
        write_reports(root / "reports" / f"p{i}", PER_PROJECT)
        lines += [f"  p{i}:", f"    reports: reports/p{i}", f"    key_env: {name}"]
    root.mkdir(parents=True, exist_ok=True)
    (root / "reportsync.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    first = keys.pop("BENCH_KEY_0")
    extra = [flag for key in keys.values() for flag in ("--key", key)]  # each further project's key

    def env_of(url: str) -> dict[str, str]:
        return {**client_env(url), "BENCH_KEY_0": first, **keys}

    cmd = reportsync("plan", "--no-summary")
    return _wall(cmd, lambda ms: emulator(None, ms, None, ["--key", first, *extra]), env_of, root)


def apply_creates(n: int = APPLY_N, p: int = APPLY_P) -> Run:
    """apply of N creates at --parallelism p into an empty emulator (a fresh one per run)."""
    folder = write_reports(WORK / f"latency-apply-{n}", n)
    cmd = reportsync(
        "apply", "--reports", str(folder), "--auto-approve", "--no-summary", "--parallelism", str(p)
    )
    return _wall(cmd, lambda ms: emulator(None, ms), client_env)


def measure_latency(reps: int) -> Iterator[Row]:
    """Every case of issue 14 B with its target."""
    cases: list[tuple[str, Run, float]] = [
        ("plan, 1 project, N = 100", one_project(), 1.3),
        (f"plan, {PROJECTS} projects of {PER_PROJECT} reports", eight_projects(), 1.5),
        (
            f"apply, {APPLY_N} creates at --parallelism {APPLY_P}",
            apply_creates(),
            math.ceil(APPLY_N / APPLY_P) + 2.5,
        ),
    ]
    for case, run, target in cases:
        rt, wall_l, wall_0 = round_trips(run, reps)
        yield Row(case, rt, target, wall_l, wall_0)


def latency_table(rows: list[Row]) -> list[str]:
    out = [
        f"| case | wall at {L_MS} ms | wall at 0 ms | **round trips** | target |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        mark = "" if r.ok else " (MISS)"
        out.append(
            f"| {r.case} | {r.wall_l * 1000:,.0f} ms | {r.wall_0 * 1000:,.0f} ms "
            f"| **{r.round_trips:.2f}**{mark} | <= {r.target:g} |"
        )
    return out
