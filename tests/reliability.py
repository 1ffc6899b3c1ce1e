"""Shared pieces of the reliability suite: the realistic scenario, convergence checks, RELIABILITY.md rows."""

from __future__ import annotations

import atexit
import json
import os
import re
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers import CliResult, VirtualClock, report, run_cli, write_reports

from reportsync.emulator import Emulator
from reportsync.models import normalize

ROOT = Path(__file__).resolve().parents[1]
REPORT_FILE = ROOT / "RELIABILITY.md"
BEGIN, END = "<!-- rows:begin -->", "<!-- rows:end -->"
HEADER = "| area | scenario | runs | checked | result |\n|---|---|---|---|---|"


@dataclass(frozen=True)
class Scenario:
    """A reports folder and the remote state it is applied to."""

    folder: Path
    desired: list[dict[str, Any]]
    creates: int
    updates: int
    deletes: int


def desired_reports(n: int) -> list[dict[str, Any]]:
    """`n` realistic reports: both environments, mixed slots, ranges, statuses and destinations."""
    slots = ("06:00", "09:30", "12:00", "18:30", "23:30")
    dests = (
        [{"type": "target_integration", "id": "int-wh-01"}],
        [
            {"type": "target_integration", "id": "int-slack-01"},
            {"type": "target_integration", "id": "int-wh-02", "label": "Webhooks: Finance data lake"},
        ],
    )
    return [
        report(
            f"Report {i:03d}",
            send_at=slots[i % len(slots)],
            included_range_days=(1, 3, 7)[i % 3],
            status=("active", "draft")[i % 2],
            environment=("production", "sandbox")[i % 4 == 3],
            destinations=dests[i % 2],
        )
        for i in range(n)
    ]


def scenario(emu: Emulator, folder: Path, n: int = 40, creates: int = 10, updates: int = 10) -> Scenario:
    """Files for `n` reports; the remote holds all but `creates` of them (`updates` differing) plus one
    orphan, so `apply --prune --force` creates, updates and deletes one."""
    desired = desired_reports(n)
    for index, data in enumerate(desired[creates:]):
        emu.add_report(dict(data, send_at="03:00") if index < updates else data)
    emu.add_report(report("Orphan export", environment="sandbox"))
    write_reports(folder, desired)
    return Scenario(folder, desired, creates, updates, 1)


def canonical(payloads: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(normalize(p), sort_keys=True) for p in payloads)


def identities(emu: Emulator) -> Counter[tuple[str, str]]:
    return Counter((r["environment"], r["report_name"]) for r in emu.reports())


def env_for(emu: Emulator) -> dict[str, str]:
    return {"QONVERSION_SECRET_KEY": emu.key, "QONVERSION_API_URL": emu.url}


def apply(folder: Path, env: dict[str, str], *extra: str, clock: VirtualClock | None = None) -> CliResult:
    """apply --auto-approve --prune --force; pass the clock a rate-limited emulator also reads."""
    return run_cli(
        "apply",
        "--reports",
        str(folder),
        "--auto-approve",
        "--prune",
        "--force",
        "--no-color",
        *extra,
        env=env,
        clock=clock,
    )


def plan(folder: Path, env: dict[str, str], *extra: str) -> CliResult:
    return run_cli("plan", "--reports", str(folder), "--no-color", *extra, env=env)


def assert_converged(emu: Emulator, folder: Path, desired: list[dict[str, Any]]) -> None:
    """Remote equals desired (normalised), no identity twice, and a plain plan and a rerun say no changes."""
    assert max(identities(emu).values(), default=1) == 1, identities(emu).most_common(3)
    assert canonical([dict(r) for r in emu.reports()]) == canonical(desired)
    env = env_for(emu)
    again = plan(folder, env, "--prune", "--detailed-exitcode")
    assert again.code == 0 and again.out.startswith("No changes"), again.out + again.err
    rerun = apply(folder, env)
    assert rerun.code == 0 and rerun.out.startswith("No changes"), rerun.out + rerun.err


def summary_line(result: CliResult) -> str:
    found = re.search(r"^Apply (complete|finished).*$", result.out, re.M)
    return found.group(0) if found else ""


# -- RELIABILITY.md rows ------------------------------------------------------------------------

_rows: dict[tuple[str, str], list[Any]] = {}
_lock = threading.Lock()


def record(area: str, name: str, checked: str, result: str = "pass") -> None:
    """Count one passing run of a scenario. RELIABILITY_REPORT=1 rewrites RELIABILITY.md's rows at exit;
    RELIABILITY_REPORT=add adds this session's runs to the counts already there."""
    with _lock:
        row = _rows.setdefault((area, name), [0, checked, result])
        row[0] += 1


def _write_rows() -> None:
    if not _rows or not REPORT_FILE.exists():
        return
    text = REPORT_FILE.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        return
    head, rest = text.split(BEGIN, 1)
    old, tail = rest.split(END, 1)
    rows = {(r[0], r[1]): r for r in _parse(old)}
    adding = os.environ.get("RELIABILITY_REPORT") == "add"
    for (area, name), (runs, checked, result) in _rows.items():
        before = int(rows[(area, name)][2]) if adding and (area, name) in rows else 0
        rows[(area, name)] = [area, name, str(before + runs), checked, result]
    body = "\n".join("| " + " | ".join(r) + " |" for r in rows.values())
    REPORT_FILE.write_text(f"{head}{BEGIN}\n{HEADER}\n{body}\n{END}{tail}", encoding="utf-8")


def _parse(block: str) -> list[list[str]]:
    lines = [ln for ln in block.strip().splitlines() if ln.startswith("|") and not ln.startswith("|---")]
    cells = [[c.strip() for c in ln.strip().strip("|").split("|")] for ln in lines[1:]]
    return [c for c in cells if len(c) == 5]


if os.environ.get("RELIABILITY_REPORT") in ("1", "add"):
    atexit.register(_write_rows)
