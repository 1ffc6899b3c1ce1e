"""The benchmark's measurements: plan/validate against their floors, apply, request counts, peers."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fixtures import write_reports, write_state
from procs import (
    BENCH,
    PYTHON,
    WORK,
    Sample,
    client_env,
    counting_emulator,
    emulator,
    reportsync,
    run_measured,
)

LATENCY_MS = 20
PARALLELISM = (1, 4, 8, 16)


@dataclass
class Median:
    """Medians of repeated samples of one command."""

    samples: list[Sample] = field(default_factory=list)

    def add(self, sample: Sample, what: str) -> None:
        if sample.rc != 0:
            raise RuntimeError(f"{what} failed (exit {sample.rc}): {sample.err.strip()[-400:]}")
        self.samples.append(sample)

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def cpu(self) -> float:
        return statistics.median(s.cpu for s in self.samples)

    @property
    def rss(self) -> float:
        return max(s.rss_mb for s in self.samples)


def inputs(n: int) -> tuple[Path, Path]:
    return write_reports(WORK / f"reports-{n}", n), write_state(WORK / f"state-{n}.json", n)


def plan_cmd(folder: Path) -> list[str]:
    return reportsync("plan", "--reports", str(folder), "--no-summary")


def measure_plan(n: int, reps: int) -> dict[str, Median]:
    """plan, its floor, validate and its floor, interleaved (the order alternates every repeat)."""
    folder, state = inputs(n)
    out = {k: Median() for k in ("plan", "floor_plan", "validate", "floor_validate")}
    with emulator(state) as url:
        env = client_env(url)
        cmds: dict[str, list[str]] = {
            "plan": plan_cmd(folder),
            "floor_plan": [PYTHON, str(BENCH / "floor_plan.py"), str(folder)],
            "validate": reportsync("validate", "--reports", str(folder)),
            "floor_validate": [PYTHON, str(BENCH / "floor_validate.py"), str(folder)],
        }
        order = list(cmds)
        for name in order:  # warm-up, unmeasured: bytecode caches and the page cache, as on a CI re-run
            run_measured(cmds[name], env)
        for rep in range(reps):
            for name in order if rep % 2 == 0 else order[::-1]:
                out[name].add(run_measured(cmds[name], env), f"{name} N={n}")
    return out


def plan_requests(n: int) -> dict[str, Any]:
    """The requests one plan makes, counted by the counting emulator."""
    folder, state = WORK / f"reports-{n}", WORK / f"state-{n}.json"
    with counting_emulator(state) as emu:
        sample = run_measured(plan_cmd(folder), client_env(emu.url))
        stats = emu.ask("counts")
    if sample.rc != 0 or "No changes" not in sample.out:
        raise RuntimeError(
            f"plan N={n} was expected to say No changes: {sample.out[-300:]}{sample.err[-300:]}"
        )
    counts = stats["counts"]
    lists = counts.get("GET /scheduled-reports", 0)
    dests = counts.get("GET /scheduled-reports/destinations", 0)
    other = sum(counts.values()) - lists - dests
    expected = math.ceil(n / 100)
    return {
        "n": n,
        "list": lists,
        "destinations": dests,
        "other": other,
        "expected_list": expected,
        "ok": lists == expected and dests == 1 and other == 0,
    }


def apply_cmd(folder: Path, parallelism: int) -> list[str]:
    return reportsync(
        "apply", "--reports", str(folder), "--auto-approve", "--no-summary", "--parallelism", str(parallelism)
    )


def measure_apply(n: int, reps: int, levels: tuple[int, ...]) -> dict[int, Median]:
    """Apply of N creates into an empty emulator with 20 ms latency, a fresh emulator per run."""
    folder = WORK / f"reports-{n}"
    out = {p: Median() for p in levels}
    for rep in range(reps):
        for p in levels if rep % 2 == 0 else levels[::-1]:
            with emulator(None, LATENCY_MS) as url:
                out[p].add(run_measured(apply_cmd(folder, p), client_env(url)), f"apply N={n} p={p}")
    return out


def apply_requests(n: int, parallelism: int = 8) -> dict[str, Any]:
    folder = WORK / f"reports-{n}"
    with counting_emulator(None, LATENCY_MS) as emu:
        sample = run_measured(apply_cmd(folder, parallelism), client_env(emu.url))
        stats = emu.ask("counts")
    counts = stats["counts"]
    writes = sum(v for k, v in counts.items() if not k.startswith("GET "))
    posts = counts.get("POST /scheduled-reports", 0)
    reads = {k: v for k, v in counts.items() if k.startswith("GET ")}
    # One read before (an empty listing: one page) and the closing re-read of the N reports (issue 12).
    lists = 1 + math.ceil(n / 100)
    ok = sample.rc == 0 and writes == n and posts == n and reads.get("GET /scheduled-reports", 0) == lists
    ok = ok and reads.get("GET /scheduled-reports/destinations", 0) == 1
    return {
        "n": n,
        "parallelism": parallelism,
        "writes": writes,
        "posts": posts,
        "reads": reads,
        "rc": sample.rc,
        "ok": ok,
    }


def rate_limited(n: int = 300, rate: float = 50, parallelism: int = 8) -> dict[str, Any]:
    """Apply N creates against `--rate-limit R`: every change must land, at >= 0.8 R."""
    folder = write_reports(WORK / f"reports-{n}", n)
    with counting_emulator(None, 0, rate) as emu:
        sample = run_measured(apply_cmd(folder, parallelism), client_env(emu.url))
        stats = emu.ask("counts")
    created = stats["statuses"].get("201", 0)
    span = (stats["last_write"] or 0) - (stats["first_write"] or 0)
    achieved = (created - 1) / span if span > 0 else 0.0
    failed = sample.out.count(" failed") if sample.rc != 0 else 0
    ok = sample.rc == 0 and created == n and achieved >= 0.8 * rate
    return {
        "n": n,
        "rate": rate,
        "parallelism": parallelism,
        "created": created,
        "served_429": stats["statuses"].get("429", 0),
        "span": span,
        "achieved": achieved,
        "wall": sample.wall,
        "rc": sample.rc,
        "failed_hint": failed,
        "ok": ok,
    }


def import_check(folder: Path) -> dict[str, list[str]]:
    """Which of the costly modules each start-up path imports (the ones taken off validate's path too)."""
    watched = (
        "requests",
        "deepdiff",
        "jsonschema",
        "yaml",
        "dataclasses",
        "inspect",
        "typing",
        "pathlib",
        "json",
    )
    found: dict[str, list[str]] = {}
    for label, args in (("--help", ["--help"]), ("validate", ["validate", "--reports", str(folder)])):
        sample = run_measured([PYTHON, "-X", "importtime", "-m", "reportsync", *args])
        names = {line.split("|")[-1].strip() for line in sample.err.splitlines() if "|" in line}
        found[label] = [w for w in watched if w in names]
    return found


def octodns(n: int, reps: int) -> Median | None:
    """The peer's same-run time, or None when bench/setup_octodns.sh has not been able to install it."""
    python = WORK / "venv" / "bin" / "python"
    if not python.exists():
        return None
    out = Median()
    for _ in range(reps):
        out.add(
            run_measured([str(python), str(BENCH / "octodns_peer.py"), str(n), str(WORK / f"octodns-{n}")]),
            f"octodns N={n}",
        )
    return out


PHASES = {
    "imports (all modules)": ("<frozen importlib._bootstrap>", "_find_and_load"),
    "load_desired (find, read, parse, check files)": ("reportsync/validate.py", "collect_all"),
    "list_reports (GET pages)": ("reportsync/client.py", "list_reports"),
    "list_destinations": ("reportsync/client.py", "list_destinations"),
    "build_plan": ("reportsync/plan.py", "build_plan"),
    "show_plans (render)": ("reportsync/commands/remote.py", "show_plans"),
}


@dataclass(frozen=True)
class Profile:
    total: float
    phases: list[tuple[str, float]]
    top: list[tuple[str, int, float, float]]


def profile_plan(n: int, top: int = 15) -> Profile:
    """cProfile of one plan at N: its phases and the top functions by own time."""
    import pstats

    prof = WORK / f"plan-{n}.prof"
    with emulator(WORK / f"state-{n}.json") as url:
        cmd = [PYTHON, "-m", "cProfile", "-o", str(prof), *plan_cmd(WORK / f"reports-{n}")[1:]]
        sample = run_measured(cmd, client_env(url))
    if sample.rc != 0:
        raise RuntimeError(f"profiled plan failed: {sample.err[-300:]}")
    loaded: Any = pstats.Stats(str(prof))
    rows, phases = [], []
    for (file, line, func), (_, calls, tottime, cumtime, _) in loaded.stats.items():
        rows.append((f"{_short(file)}:{line}({func})", calls, tottime, cumtime))
    for label, (file_part, func_name) in PHASES.items():
        cums = [
            c for (f, _, fn), (_, _, _, c, _) in loaded.stats.items() if fn == func_name and file_part in f
        ]
        phases.append((label, max(cums, default=0.0)))
    rows.sort(key=lambda r: r[2], reverse=True)
    return Profile(loaded.total_tt, phases, rows[:top])


def _short(file: str) -> str:
    for marker in ("site-packages/", "/src/", "/lib/python3"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


Timer = Callable[[], float]
