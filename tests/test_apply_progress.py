"""Long applies: counted progress lines; Ctrl-C mid-apply says what was and was not applied; at the prompt."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from helpers import KEY, report, write_reports
from reliability import apply, assert_converged, env_for, record

from reportsync.cli import main
from reportsync.console import Console
from reportsync.emulator import Emulator

TOTAL = 60


def test_progress_lines_carry_a_count(tmp_path: Path, emulator: Emulator, env: Any) -> None:
    folder = write_reports(tmp_path / "reports", [report(f"R{i}") for i in range(5)])
    result = apply(folder, env)
    assert result.code == 0, result.err
    # text output shows each change once, as it completes, on stdout (with --format json: on stderr)
    counted = [line for line in result.out.splitlines() if line.startswith("[")]
    assert sorted(line.split("]")[0] + "]" for line in counted) == [f"[{i}/5]" for i in range(1, 6)]
    assert all("] applied  + create " in line and "→ id " in line for line in counted)


def test_ctrl_c_during_apply_says_what_was_applied_and_how_to_finish(tmp_path: Path) -> None:
    desired = [report(f"Bulk {i:03d}") for i in range(TOTAL)]
    folder = write_reports(tmp_path / "reports", desired)
    with Emulator(key=KEY, seed=4) as emu:
        emu.faults.latency = 0.02
        env = {"PATH": os.environ.get("PATH", ""), "NO_COLOR": "1", **env_for(emu)}
        argv = [sys.executable, "-m", "reportsync", "apply", "--reports", str(folder), "--auto-approve"]
        argv += ["--parallelism", "2"]
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while len(emu.reports()) < 10 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 130, err
        held = len(emu.reports())
        assert 10 <= held < TOTAL
        assert f"apply interrupted (Ctrl-C): {held} change(s) applied, {TOTAL - held} not applied" in err
        assert "run `reportsync apply` again to finish the rest" in err.replace("Run", "run")
        assert out.count("skipped  + create") == TOTAL - held
        assert out.count("applied  + create") == held
        assert "Traceback" not in err
        emu.faults.latency = 0.0
        rest = apply(folder, env_for(emu))
        assert f"Apply complete: {TOTAL - held} created" in rest.out
        assert_converged(emu, folder, desired)
    record(
        "process",
        "apply interrupted by SIGINT (Ctrl-C) mid-way (60 creates)",
        "exit 130; every change listed applied or skipped, counts match the remote; next apply creates only "
        "the rest; no dup",
    )


class CtrlCAtPrompt(io.StringIO):
    def isatty(self) -> bool:
        return True

    def readline(self, size: int | None = -1) -> str:
        raise KeyboardInterrupt


def test_ctrl_c_at_the_prompt_changes_nothing(tmp_path: Path, emulator: Emulator, env: Any) -> None:
    folder = write_reports(tmp_path / "reports", [report("New")])
    out, err = io.StringIO(), io.StringIO()
    console = Console(out, err, env, inp=CtrlCAtPrompt())
    code = main(["apply", "--reports", str(folder)], console)
    assert code == 130
    assert "apply cancelled (Ctrl-C): nothing was changed" in err.getvalue()
    assert emulator.reports() == []
