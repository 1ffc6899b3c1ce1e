"""The octoDNS peer: plan N records from a YAML source against an identical YAML target.

Run with the interpreter of bench/_work/venv (see setup_octodns.sh), not reportsync's:
    octodns_peer.py N WORKDIR
Writes the same zone file of N A records into WORKDIR/source and WORKDIR/target, then loads the
source and plans the target with octodns.provider.yaml.YamlProvider, as `octodns-sync` would.
Prints one JSON line: {"n": N, "plan_seconds": ..., "changes": 0}.
"""

import json
import logging
import sys
import time
from pathlib import Path

from octodns.provider.yaml import YamlProvider
from octodns.zone import Zone

ZONE = "bench.example.com."


def zone_yaml(n):
    lines = ["---"]
    for i in range(n):
        lines += [
            f"r{i:05d}:",
            "  ttl: 300",
            "  type: A",
            f"  value: 10.{i // 65536}.{i // 256 % 256}.{i % 256}",
        ]
    return "\n".join(lines) + "\n"


def main():
    n, work = int(sys.argv[1]), Path(sys.argv[2])
    logging.disable(logging.WARNING)
    text = zone_yaml(n)
    for side in ("source", "target"):
        (work / side).mkdir(parents=True, exist_ok=True)
        (work / side / f"{ZONE}yaml").write_text(text, encoding="utf-8")
    started = time.perf_counter()
    source = YamlProvider("source", str(work / "source"), escaped_semicolons=False)
    target = YamlProvider("target", str(work / "target"), escaped_semicolons=False)
    desired = Zone(ZONE, [])
    source.populate(desired)
    plan = target.plan(desired)
    took = time.perf_counter() - started
    changes = len(plan.changes) if plan is not None else 0
    print(json.dumps({"n": n, "records": len(desired.records), "plan_seconds": took, "changes": changes}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
