"""Test data and the CLI run in process: one valid report, report files, a clock that never waits."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from reportsync.cli import main
from reportsync.console import Console

KEY = "test_sk_fixture_key_0123456789"

# The smallest valid report, as a payload; REPORT_YAML is the same report as a person writes it.
REPORT: dict[str, Any] = {
    "report_name": "Daily revenue",
    "send_at": "09:00",
    "included_range_days": 1,
    "status": "active",
    "environment": "production",
    "destinations": [{"type": "target_integration", "id": "int-wh-01"}],
}
REPORT_YAML = """report_name: Daily revenue
send_at: "09:00"
included_range_days: 1
status: active
environment: production
destinations:
  - type: target_integration
    id: int-wh-01
"""


@dataclass
class CliResult:
    code: int
    out: str
    err: str


class VirtualClock:
    """Monotonic seconds that `sleep` advances at once: backoff and Retry-After cost no real time."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return time.monotonic() + self._offset

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._offset += max(seconds, 0.0)
            self.sleeps.append(seconds)


def report(name: str = "Daily revenue", **fields: Any) -> dict[str, Any]:
    """A valid report payload; keyword arguments override fields."""
    return {**REPORT, "report_name": name, "destinations": list(REPORT["destinations"]), **fields}


def write_reports(folder: Path, reports: list[dict[str, Any]]) -> Path:
    """One file per report, named from its index, in `folder` (created; older *.yaml files removed)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.yaml"):
        old.unlink()
    for index, data in enumerate(reports):
        text = yaml.safe_dump(data, sort_keys=False)
        (folder / f"r{index:04d}.yaml").write_text(text, encoding="utf-8")
    return folder


def run_cli(
    *argv: str,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    clock: VirtualClock | None = None,
    stdin: str = "",
) -> CliResult:
    """The CLI in process, with captured streams and a virtual clock (pass one to read its sleeps)."""
    out, err = io.StringIO(), io.StringIO()
    clock = clock or VirtualClock()
    console = Console(out, err, dict(env or {}), inp=io.StringIO(stdin), clock=clock.clock, sleep=clock.sleep)
    with pytest.MonkeyPatch.context() as mp:
        if cwd is not None:
            mp.chdir(cwd)
        code = main(list(argv), console)
    return CliResult(code, out.getvalue(), err.getvalue())
