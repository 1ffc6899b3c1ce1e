"""Several projects applied at the same time: their writes overlap, their rows stay in config order, and
Ctrl-C stops every project from starting more."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import KEY, report, run_cli, write_reports

from reportsync.emulator import Emulator

KEYS = {"app": KEY, "web": KEY + "_web", "ops": KEY + "_ops"}


@pytest.fixture
def three(tmp_path: Path) -> Iterator[tuple[Emulator, Path, dict[str, str]]]:
    lines = ["projects:"]
    for name in KEYS:
        lines += [f"  {name}:", f"    reports: reports/{name}", f"    key_env: KEY_{name.upper()}"]
        write_reports(tmp_path / "reports" / name, [report(f"{name} {i}") for i in range(3)])
    (tmp_path / "reportsync.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with Emulator(key=KEY, more_keys=(KEYS["web"], KEYS["ops"]), seed=3) as emu:
        env = {f"KEY_{name.upper()}": key for name, key in KEYS.items()}
        yield emu, tmp_path, {**env, "QONVERSION_API_URL": emu.url}


def test_projects_are_written_at_the_same_time_and_shown_in_config_order(
    three: tuple[Emulator, Path, dict[str, str]],
) -> None:
    emu, root, env = three
    emu.faults.latency = 0.05  # each request is answered slowly enough for writes to overlap
    emu.reset_counts()
    result = run_cli("apply", "--auto-approve", "--parallelism", "1", env=env, cwd=root)
    assert result.code == 0, result.out + result.err
    # one writer per project (--parallelism 1): overlapping creates can only come from several projects
    assert emu.peak_in_flight["POST"] >= 2
    out = result.out.split("Plan:")[-1]
    headings = [out.index(f"== project {name} ==") for name in KEYS]
    assert headings == sorted(headings)
    for name, start, end in zip(KEYS, headings, [*headings[1:], len(out)], strict=True):
        rows = [line for line in out[start:end].splitlines() if line.startswith("[")]
        assert len(rows) == 3 and all(f'"{name} ' in row for row in rows), out
    for name, key in KEYS.items():
        assert sorted(r["report_name"] for r in emu.reports(key)) == [f"{name} {i}" for i in range(3)]


def test_ctrl_c_stops_every_project_and_lists_each_change_once(tmp_path: Path) -> None:
    lines = ["projects:"]
    for name in KEYS:
        lines += [f"  {name}:", f"    reports: reports/{name}", f"    key_env: KEY_{name.upper()}"]
        write_reports(tmp_path / "reports" / name, [report(f"{name} {i:02d}") for i in range(30)])
    (tmp_path / "reportsync.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with Emulator(key=KEY, more_keys=(KEYS["web"], KEYS["ops"]), seed=3) as emu:
        emu.faults.latency = 0.02
        env = {"PATH": os.environ.get("PATH", ""), "NO_COLOR": "1", "QONVERSION_API_URL": emu.url}
        env |= {f"KEY_{name.upper()}": key for name, key in KEYS.items()}
        argv = [sys.executable, "-m", "reportsync", "apply", "--auto-approve", "--parallelism", "2"]
        proc = subprocess.Popen(
            argv, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 60
        while sum(len(emu.reports(k)) for k in KEYS.values()) < 9 and proc.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.005)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        held = sum(len(emu.reports(k)) for k in KEYS.values())
        assert proc.returncode == 130, err
        assert 9 <= held < 90
        assert f"{held} change(s) applied, {90 - held} not applied" in err
        assert out.count("applied  + create") == held
        assert out.count("skipped  + create") == 90 - held  # each change listed once
        assert "Traceback" not in err
        emu.faults.latency = 0.0
        rest = run_cli("apply", "--auto-approve", env=env, cwd=tmp_path)
        assert rest.code == 0, rest.out + rest.err
        for name, key in KEYS.items():
            assert sorted(r["report_name"] for r in emu.reports(key)) == [
                f"{name} {i:02d}" for i in range(30)
            ]
