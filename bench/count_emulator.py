"""A counting emulator process: the same Emulator as `reportsync emulator`, plus counts on request.

`reportsync emulator` keeps its request counts in memory with no way for another process to read
them, so the benchmark runs this wrapper where it needs counts. Usage:
    count_emulator.py --key K [--state FILE] [--latency MS] [--rate-limit R]
It prints its URL on the first line, then answers commands on stdin, one JSON line each:
    counts  -> {"counts": {"GET /scheduled-reports": 11, ...}, "statuses": {"201": 300, "429": 7},
                "first_write": t0, "last_write": t1}   (monotonic seconds of the first/last 2xx write)
    reset   -> clears all of it
    quit    -> stops the server and exits
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections import Counter
from typing import Any

from reportsync.emulator import Emulator


class Recorder:
    """Statuses and the time span of successful writes, taken from the emulator's own hooks."""

    def __init__(self, emulator: Any) -> None:
        self.emulator = emulator
        self.lock = threading.Lock()
        self.statuses: Counter[int] = Counter()
        self.writes: list[float] = []
        served = emulator.served

        def hook(response: Any) -> None:
            with self.lock:
                self.statuses[response.status] += 1
                body = response.body if isinstance(response.body, dict) else {}
                if response.status in (200, 201) and body.get("object") == "scheduled_report":
                    self.writes.append(time.monotonic())
            served(response)

        emulator.served = hook

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            counts = {f"{m} {route}": n for (m, route), n in sorted(self.emulator.counts.items())}
            return {
                "counts": counts,
                "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
                "first_write": min(self.writes, default=None),
                "last_write": max(self.writes, default=None),
            }

    def reset(self) -> None:
        with self.lock:
            self.emulator.reset_counts()
            self.statuses.clear()
            self.writes.clear()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--key", required=True)
    parser.add_argument("--state")
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--rate-limit", type=float)
    args = parser.parse_args()
    emulator = Emulator(key=args.key, state_file=args.state)
    emulator.faults.latency = args.latency / 1000
    emulator.faults.rate_limit(args.rate_limit)
    recorder = Recorder(emulator)
    emulator.start()
    print(emulator.url, flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "quit":
            break
        if command == "reset":
            recorder.reset()
        print(json.dumps(recorder.snapshot()), flush=True)
    emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
