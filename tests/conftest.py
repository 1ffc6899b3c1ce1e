"""Shared fixtures: an emulator over loopback, the CLI run in process, report files written to tmp."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from reportsync.cli import main
from reportsync.emulator import Emulator

KEY = "test_sk_fixture_key_0123456789"

# The smallest valid report file, as a person writes it (send_at quoted, destinations in block style).
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


def report(name: str = "Daily revenue", **fields: Any) -> dict[str, Any]:
    """A valid report payload; keyword arguments override fields."""
    base: dict[str, Any] = {
        "report_name": name,
        "send_at": "09:00",
        "included_range_days": 1,
        "status": "active",
        "environment": "production",
        "destinations": [{"type": "target_integration", "id": "int-wh-01"}],
    }
    base.update(fields)
    return base


def write_reports(folder: Path, reports: list[dict[str, Any]]) -> Path:
    """One file per report, named from its index, in `folder` (created)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.yaml"):
        old.unlink()
    for index, data in enumerate(reports):
        text = yaml.safe_dump(data, sort_keys=False)
        (folder / f"r{index:04d}.yaml").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(key=KEY, seed=7) as emu:
        yield emu


@pytest.fixture
def env(emulator: Emulator) -> dict[str, str]:
    return {"QONVERSION_SECRET_KEY": KEY, "QONVERSION_API_URL": emulator.url}


def run_cli(*argv: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> CliResult:
    out, err = io.StringIO(), io.StringIO()
    if cwd is not None:
        with pytest.MonkeyPatch.context() as mp:
            mp.chdir(cwd)
            code = main(list(argv), env=env or {}, stdout=out, stderr=err)
    else:
        code = main(list(argv), env=env or {}, stdout=out, stderr=err)
    return CliResult(code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli() -> Any:
    return run_cli
