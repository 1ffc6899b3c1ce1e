"""The benchmark's results: targets checked, and bench/RESULTS.md written."""

from __future__ import annotations

import math
import os
import platform
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from latency import L_MS, Row, latency_table
from measure import Median, Profile

# What was done, or should be, about each hot spot a cProfile of plan shows (matched by substring).
NOTES = {
    "parse_documents": "libyaml C parser; documents built by a direct node walk that records positions",
    "build_map": "records key/value positions while building (needed for error locations)",
    "load_file": "read_text + parse_documents per file",
    "read_text": "sized unbuffered read per file (fix A, applied)",
    "reportsync/loader.py": "one build() call per node, alias/tag checks inline (fix B, applied)",
    "method 'read'": "one sized read per file (fix A, applied)",
    "relpath": "display_path: one os.path.relpath per folder (fix C, applied)",
    "getcwd": "from relpath, once per folder (fix C, applied)",
    "pathlib.py": "Path objects per file; sorting is done on strings (fix C, applied)",
    "fastcheck.py": "hand-written yes/no check over constants.py; jsonschema only if it says no",
    "check_document": "schema check, whole numbers, repeated destinations, destination lines, per document",
    "resolver.py": "PyYAML implicit-tag resolution per scalar, as in the floor",
    "constructor.py": "PyYAML's Python constructors, as in the floor",
    "recv_into": "waiting for the emulator's pages (server-side work, same in the floor)",
    "schema_problems": "fast check first; jsonschema only when it says no",
    "io.open": "one open per file, as in the floor",
    "isinstance": "type checks in the constructors and the schema check",
    "client.py": "RemoteReport per listed item",
    "marshal.loads": "module start-up (imports)",
    "identity": "identity recomputed per access (~2%; left: payload is a dict, a cached copy could go stale)",
    "nodes.py": "PyYAML node objects, as in the floor",
    "cyaml.py": "one C loader per file, as in the floor",
    "get' of 'dict": "dict lookups in the constructors and the schema check",
    "validate.py:": "the loop over files: load, check, collect problems",  # last: the others are more exact
}


@dataclass(frozen=True)
class Target:
    text: str
    ok: bool


@dataclass
class Results:
    quick: bool
    reps: int
    plan: dict[int, dict[str, Median]] = field(default_factory=dict)
    requests: dict[int, dict[str, Any]] = field(default_factory=dict)
    octodns: dict[int, Median | None] = field(default_factory=dict)
    imports: dict[str, list[str]] = field(default_factory=dict)
    apply: dict[int, dict[int, Median]] = field(default_factory=dict)
    apply_requests: dict[int, dict[str, Any]] = field(default_factory=dict)
    rate: dict[str, Any] = field(default_factory=dict)
    latency: list[Row] = field(default_factory=list)
    profile_n: int = 0
    profile: Profile | None = None
    seconds: float = 0.0

    def ratio(self, n: int, what: str) -> float:
        m = self.plan[n]
        return m[what].wall / m[f"floor_{what}"].wall

    def targets(self) -> list[Target]:
        out: list[Target] = []
        for n, lim in ((100, 1.3), (10_000, 1.5)):
            if n in self.plan:
                r = self.ratio(n, "plan")
                out.append(Target(f"plan <= {lim}x floor at N={n}: {r:.2f}x", r <= lim))
        for n in sorted(self.plan):
            r = self.ratio(n, "validate")
            out.append(Target(f"validate <= 1.3x floor at N={n}: {r:.2f}x", r <= 1.3))
        for n, req in sorted(self.requests.items()):
            text = (
                f"plan requests at N={n}: {req['list']} list (want {req['expected_list']}) + "
                f"{req['destinations']} destinations (want 1) + {req['other']} other (want 0)"
            )
            out.append(Target(text, req["ok"]))
        for n, req in sorted(self.apply_requests.items()):
            text = (
                f"apply N={n} at p{req['parallelism']}: {req['writes']} writes (want {n}), "
                f"reads {req['reads']} (want {1 + math.ceil(n / 100)} list: the first read and the closing "
                f"re-read, + 1 destinations), exit {req['rc']}"
            )
            out.append(Target(text, req["ok"]))
        n = max(self.apply)
        speed = self.apply[n][1].wall / self.apply[n][8].wall
        out.append(Target(f"apply N={n}: parallelism 8 >= 6x faster than 1: {speed:.1f}x", speed >= 6))
        for row in self.latency:
            text = f"{row.case}: {row.round_trips:.2f} round trips at {L_MS} ms (want <= {row.target:g})"
            out.append(Target(text, row.ok))
        if 10_000 in self.plan:
            rss = self.plan[10_000]["plan"].rss
            out.append(Target(f"plan peak RSS at N=10000 < 300 MB: {rss:.0f} MB", rss < 300))
        r = self.rate
        out.append(
            Target(
                f"rate limit {r['rate']:g}/s, {r['n']} creates at p{r['parallelism']}: "
                f"{r['created']} created, exit {r['rc']}, achieved {r['achieved']:.1f}/s "
                f"(want >= {0.8 * r['rate']:g})",
                r["ok"],
            )
        )
        for label, mods in self.imports.items():
            bad = [m for m in mods if m in ("requests", "deepdiff")]
            out.append(
                Target(
                    f"`reportsync {label}` imports neither requests nor deepdiff: "
                    f"{', '.join(bad) or 'none imported'}",
                    not bad,
                )
            )
        return out


def machine() -> list[str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        ram = f"{int(mem) / 1024 / 1024:.1f} GiB"
    except OSError:
        ram = "unknown"
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    return [
        f"- Machine: {os.cpu_count()} CPUs (nproc), {cpu}, {ram} RAM, "
        f"{platform.system()} {platform.release()}",
        f"- Python {platform.python_version()} ({sys.executable})",
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; git HEAD {commit or '(no commits yet)'}",
    ]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def versus_table(res: Results, command: str) -> list[str]:
    """One command (plan or validate) beside its floor, a row per N."""
    rows = [
        f"| N | {command} wall | floor wall | **ratio** | {command} CPU | floor CPU | CPU ratio "
        f"| {command} peak RSS | floor RSS |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, m in sorted(res.plan.items()):
        c, f = m[command], m[f"floor_{command}"]
        rows.append(
            f"| {n:,} | {ms(c.wall)} | {ms(f.wall)} | **{c.wall / f.wall:.2f}x** | {ms(c.cpu)} | "
            f"{ms(f.cpu)} | {c.cpu / f.cpu:.2f}x | {c.rss:.0f} MB | {f.rss:.0f} MB |"
        )
    return rows


def requests_table(res: Results) -> list[str]:
    rows = [
        "| command | N | GET list | GET destinations | other | expected |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for n, r in sorted(res.requests.items()):
        rows.append(
            f"| plan | {n:,} | {r['list']} | {r['destinations']} | {r['other']} | {r['expected_list']} + 1 |"
        )
    for n, r in sorted(res.apply_requests.items()):
        reads = r["reads"]
        rows.append(
            f"| apply (p{r['parallelism']}, {n:,} creates) | {n:,} "
            f"| {reads.get('GET /scheduled-reports', 0)} | "
            f"{reads.get('GET /scheduled-reports/destinations', 0)} | {r['writes']} writes "
            f"({r['posts']} POST) | 1 + 1 + {n} POST |"
        )
    return rows


def apply_table(res: Results) -> list[str]:
    levels = sorted(next(iter(res.apply.values())))
    head = " | ".join(f"p{p}" for p in levels)
    rows = [f"| N creates | {head} | p1 / p8 | p1 / p16 |", "|---:|" + "---:|" * (len(levels) + 2)]
    for n, m in sorted(res.apply.items()):
        cells = " | ".join(ms(m[p].wall) for p in levels)
        rows.append(f"| {n:,} | {cells} | **{m[1].wall / m[8].wall:.1f}x** | {m[1].wall / m[16].wall:.1f}x |")
    return rows


def peer_table(res: Results) -> list[str]:
    rows = [
        "| N | octoDNS wall | octoDNS per record | reportsync plan per report | floor per report |",
        "|---:|---:|---:|---:|---:|",
    ]
    for n, o in sorted(res.octodns.items()):
        p, f = res.plan[n]["plan"].wall / n, res.plan[n]["floor_plan"].wall / n
        if o is None:
            rows.append(
                f"| {n:,} | not installed (bench/setup_octodns.sh) | - | {p * 1e6:,.0f} µs "
                f"| {f * 1e6:,.0f} µs |"
            )
        else:
            rows.append(
                f"| {n:,} | {ms(o.wall)} | {o.wall / n * 1e6:,.0f} µs | {p * 1e6:,.0f} µs "
                f"| {f * 1e6:,.0f} µs |"
            )
    return rows


def profile_section(res: Results) -> list[str]:
    prof = res.profile
    if prof is None:
        return []
    rows = [
        f"## Where the time goes: cProfile of `reportsync plan` at N={res.profile_n:,}",
        "",
        f"Total under the profiler: {prof.total:.2f} s (profiling inflates per-call costs ~2x; read shares).",
        "",
        "| phase | cumulative | share |",
        "|---|---:|---:|",
    ]
    for label, cum in prof.phases:
        rows.append(f"| {label} | {cum:.2f} s | {cum / prof.total:.0%} |")
    rows += [
        "",
        "| function (own time) | calls | own | cumulative | what was / should be done |",
        "|---|---:|---:|---:|---|",
    ]
    for name, calls, tottime, cumtime in prof.top:
        note = next((v for k, v in NOTES.items() if k in name), "")
        rows.append(f"| `{name}` | {calls:,} | {tottime:.3f} s | {cumtime:.3f} s | {note} |")
    return rows


def write_results(res: Results, path: Path, analysis: str = "") -> None:
    extra = Path(__file__).with_name("ANALYSIS.md")
    r = res.rate
    lines = [
        "# reportsync benchmark results",
        "",
        "Generated by `.venv/bin/python bench/run.py"
        + (" --quick" if res.quick else "")
        + f"` in {res.seconds:.0f} s; every number is the median of "
        f"{res.reps} runs ({res.reps * 3} for plan and validate below N=10,000), "
        "ours and the floor interleaved. See bench/README.md for what each measures.",
        "",
        *machine(),
        "",
        "## Targets (issues 7, 14 and 15)",
        "",
    ]
    lines += [f"- {'PASS' if t.ok else '**MISS**'}: {t.text}" for t in res.targets()]
    lines += [
        "",
        "## plan vs its floor (floor_plan.py: python + yaml/requests/json/argparse/dataclasses "
        "+ C-loader parse + one-session paging + dict compare)",
        "",
        *versus_table(res, "plan"),
        "",
        "## validate vs its floor (floor_validate.py: python + yaml, argparse, dataclasses + C-loader parse)",
        "",
        *versus_table(res, "validate"),
        "",
        "## Requests (counted by the emulator)",
        "",
        *requests_table(res),
        "",
        "## apply of N creates, 20 ms emulator latency per request (wall of the whole command)",
        "",
        *apply_table(res),
        "",
        f"## Round trips on the critical path: (wall at {L_MS} ms latency - wall at 0) / {L_MS} ms",
        "",
        *latency_table(res.latency),
        "",
        "## Rate limit",
        "",
        f"Emulator `--rate-limit {r['rate']:g}` (token bucket, 429 + Retry-After: 1), "
        f"apply {r['n']} creates at "
        f"`--parallelism {r['parallelism']}`: exit {r['rc']}, {r['created']} created, {r['served_429']} "
        f"429s served, writes spread over {r['span']:.2f} s = **{r['achieved']:.1f} req/s** "
        f"({r['achieved'] / r['rate']:.0%} of R); whole command {r['wall']:.1f} s.",
        "",
        "## Imports at start-up (`python -X importtime`)",
        "",
    ]
    for label, mods in res.imports.items():
        lines.append(f"- `reportsync {label}` imports: {', '.join(mods) or 'none of the watched modules'}")
    lines += [
        "",
        "## Peer: octoDNS planning N records, YAML source vs identical YAML target",
        "",
        *peer_table(res),
        "",
        *profile_section(res),
        "",
    ]
    if extra.exists():
        lines += [extra.read_text(encoding="utf-8").strip(), ""]
    path.write_text("\n".join(lines), encoding="utf-8")
