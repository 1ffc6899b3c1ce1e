"""The reportsync benchmark suite: plan, validate and apply against their floors, with targets.

    .venv/bin/python bench/run.py [--quick] [--latency-only]

Writes bench/RESULTS.md and exits 1 if a target of issue 7 is missed (the misses are printed).
--quick measures N = 100 and 1,000 only (apply at N = 100), to iterate.
--latency-only measures round trips on the critical path only (issue 14 B) and prints them; writes nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from latency import latency_table, measure_latency
from measure import (
    PARALLELISM,
    apply_requests,
    import_check,
    measure_apply,
    measure_plan,
    octodns,
    plan_requests,
    profile_plan,
    rate_limited,
)
from procs import WORK
from results import Results, write_results


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="N = 100 and 1,000 only")
    parser.add_argument("--reps", type=int, default=3, help="repeats per measurement (median; default 3)")
    parser.add_argument("--out", default=str(Path(__file__).with_name("RESULTS.md")), help="results file")
    parser.add_argument("--latency-only", action="store_true", help="round trips only; print, write nothing")
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    if args.latency_only:
        step(f"round trips on the critical path, {args.reps} repeats")
        rows = list(measure_latency(args.reps))
        print("\n".join(latency_table(rows)))
        return 0 if all(r.ok for r in rows) else 1
    started = time.monotonic()
    sizes = (100, 1000) if args.quick else (100, 1000, 10_000)
    res = Results(quick=args.quick, reps=args.reps)
    for n in sizes:
        step(f"plan / validate and their floors, N={n}")
        res.plan[n] = measure_plan(n, small_n_reps(n, args.reps))
        res.requests[n] = plan_requests(n)
        step(f"octoDNS peer, N={n}")
        res.octodns[n] = octodns(n, args.reps)
    res.imports = import_check(WORK / "reports-100")
    for n in (100,) if args.quick else (100, 1000):
        step(f"apply of {n} creates at parallelism {PARALLELISM}, {20} ms latency")
        res.apply[n] = measure_apply(n, args.reps, PARALLELISM)
        res.apply_requests[n] = apply_requests(n)
    step("round trips on the critical path at 200 ms latency")
    res.latency = list(measure_latency(args.reps))
    step("rate limit: apply 300 creates at parallelism 8 against --rate-limit 50")
    res.rate = rate_limited()
    step(f"cProfile of plan at N={sizes[-1]}")
    res.profile_n, res.profile = sizes[-1], profile_plan(sizes[-1])
    res.seconds = time.monotonic() - started
    write_results(res, Path(args.out))
    misses = [t.text for t in res.targets() if not t.ok]
    print(f"\nwrote {args.out} in {res.seconds:.0f} s")
    for target in res.targets():
        print(f"  {'PASS' if target.ok else 'MISS'}  {target.text}")
    return 1 if misses else 0


def small_n_reps(n: int, reps: int) -> int:
    """Three times the repeats below N=10,000: those runs take well under a second each, and on this noisy
    machine a median of 5 still moved the small-N ratios by +-0.15x between runs."""
    return reps * 3 if n < 10_000 else reps


def step(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
