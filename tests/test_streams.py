"""Pipes, encodings and the order of output, with real processes where real streams decide the outcome."""

from __future__ import annotations

import io
import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import KEY, VirtualClock, report, write_reports

from reportsync.cli import CLOSED_PIPE, main
from reportsync.console import Console
from reportsync.emulator import Emulator

NAMES = ("Umsatz – Überblick", "Wachstum → 😀 Ω")


def process_env(emulator: Emulator, **extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "QONVERSION_", "PYTHONIO"))}
    return {
        **base,
        "QONVERSION_SECRET_KEY": KEY,
        "QONVERSION_API_URL": emulator.url,
        "NO_COLOR": "1",
        **extra,
    }


def reportsync(*argv: str) -> list[str]:
    return [sys.executable, "-m", "reportsync", *argv]


def test_a_closed_pipe_ends_plan_quietly(tmp_path: Path, emulator: Emulator) -> None:
    """`reportsync plan | head -n 3`: the reader leaves while a large plan is being written."""
    folder = write_reports(tmp_path / "reports", [report(f"Report {i}") for i in range(400)])
    proc = subprocess.Popen(
        reportsync("plan", "--reports", str(folder)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=process_env(emulator),
    )
    assert proc.stdout is not None and proc.stderr is not None
    head = [proc.stdout.readline() for _ in range(3)]
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=120) == CLOSED_PIPE, err
    assert head[0].startswith(b"reportsync will perform")
    for noise in ("internal error", "Traceback", "Exception ignored", "BrokenPipe"):
        assert noise not in err, err


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_narrow_encoding_escapes_what_it_cannot_hold(fmt: str, tmp_path: Path, emulator: Emulator) -> None:
    """Windows' redirected output (cp1252): no crash; plan shows what fits, escapes the rest; apply's
    JSON result is still a valid document holding the exact names."""
    folder = write_reports(tmp_path / "reports", [report(n) for n in NAMES])
    env = process_env(emulator, PYTHONIOENCODING="cp1252")
    plan = subprocess.run(
        reportsync("plan", "--reports", str(folder), "--format", fmt), env=env, capture_output=True
    )
    assert plan.returncode == 0, plan.stderr
    text = plan.stdout.decode("cp1252")
    if fmt == "text":
        assert "Umsatz – Überblick" in text and "Wachstum \\u2192 \\ud83d\\ude00 \\u03a9" in text
    else:
        assert {c["report_name"] for c in json.loads(text)["changes"]} == set(NAMES)
    argv = reportsync("apply", "--reports", str(folder), "--auto-approve", "--format", fmt)
    applied = subprocess.run(argv, env=env, capture_output=True)
    assert applied.returncode == 0, applied.stderr
    assert {r["report_name"] for r in emulator.reports()} == set(NAMES)
    if fmt == "json":
        results = json.loads(applied.stdout.decode("cp1252"))["results"]
        assert {r["report_name"] for r in results} == set(NAMES)


class BreaksOn(io.StringIO):
    """A stream whose reader goes away when `marker` is written (BrokenPipeError from then on)."""

    def __init__(self, marker: str) -> None:
        super().__init__()
        self.marker, self.broken = marker, False

    def write(self, text: str) -> int:
        self.broken = self.broken or self.marker in text
        if self.broken:
            raise BrokenPipeError
        return super().write(text)


@pytest.mark.parametrize(("fmt", "broken"), [("text", "out"), ("json", "err"), ("text", "err")])
def test_output_trouble_after_the_writes_changes_neither_status_nor_result(
    fmt: str, broken: str, tmp_path: Path, emulator: Emulator
) -> None:
    folder = write_reports(tmp_path / "reports", [report("A"), report("B")])
    out = BreaksOn("applied") if broken == "out" else io.StringIO()
    err = BreaksOn("applied") if broken == "err" else io.StringIO()
    env = {"QONVERSION_SECRET_KEY": KEY, "QONVERSION_API_URL": emulator.url}
    clock = VirtualClock()
    console = Console(out, err, env, clock=clock.clock, sleep=clock.sleep)
    code = main(["apply", "--reports", str(folder), "--auto-approve", "--format", fmt], console)
    assert code == 0
    assert {r["report_name"] for r in emulator.reports()} == {"A", "B"}
    if fmt == "json":
        assert json.loads(out.getvalue())["summary"]["created"] == 2


def test_a_pipe_closed_before_the_plan_is_shown_applies_nothing(tmp_path: Path, emulator: Emulator) -> None:
    folder = write_reports(tmp_path / "reports", [report("A")])
    env = {"QONVERSION_SECRET_KEY": KEY, "QONVERSION_API_URL": emulator.url}
    console = Console(BreaksOn("reportsync will"), io.StringIO(), env)
    assert main(["apply", "--reports", str(folder), "--auto-approve"], console) == CLOSED_PIPE
    assert emulator.reports() == []


# -- the prompt comes after the plan; each applied change shown once ------------------------------


def read_until(fd: int, marker: bytes, seen: bytearray, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while marker not in seen:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        assert ready, f"no {marker!r} in {bytes(seen)!r}"
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # a pty's other side closed
            chunk = b""
        assert chunk, f"no {marker!r} in {bytes(seen)!r}"
        seen += chunk


def drain(fd: int) -> bytes:
    data = bytearray()
    while select.select([fd], [], [], 0)[0]:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    return bytes(data)


@pytest.mark.parametrize(
    "layout", ["both to one pipe", "both to a terminal", "stdout piped, stderr a terminal"]
)
def test_the_whole_plan_comes_before_the_prompt(layout: str, tmp_path: Path, emulator: Emulator) -> None:
    folder = write_reports(tmp_path / "reports", [report(f"R{i}") for i in range(3)])
    stdin_master, stdin_slave = pty.openpty()  # confirmation needs a terminal on stdin
    term_master, term_slave = pty.openpty()
    pipe_read, pipe_write = os.pipe()
    out_fd = pipe_write if layout != "both to a terminal" else term_slave
    err_fd = term_slave if layout != "both to one pipe" else pipe_write
    proc = subprocess.Popen(
        reportsync("apply", "--reports", str(folder)),
        stdin=stdin_slave,
        stdout=out_fd,
        stderr=err_fd,
        env=process_env(emulator),
    )
    for fd in (stdin_slave, term_slave, pipe_write):
        os.close(fd)
    prompt_fd = pipe_read if layout == "both to one pipe" else term_master
    seen = bytearray()
    read_until(prompt_fd, b"Only 'yes' will be accepted", seen)
    stdout_so_far = bytes(seen) if out_fd == err_fd or layout == "both to a terminal" else drain(pipe_read)
    assert b"Plan: 3 to create" in stdout_so_far, (layout, stdout_so_far)
    if out_fd == err_fd or layout == "both to a terminal":
        assert seen.index(b"Plan: 3 to create") < seen.index(b"Do you want to apply")
    os.write(stdin_master, b"yes\n")
    assert proc.wait(timeout=60) == 0
    rest = bytes(seen) + (b"" if stdout_so_far == bytes(seen) else stdout_so_far)
    rest += drain(pipe_read) + drain(term_master)
    for i in range(3):
        assert rest.count(f'create "R{i}"'.encode()) == 2, rest  # once in the plan, once applied
    for fd in (stdin_master, term_master, pipe_read):
        os.close(fd)
