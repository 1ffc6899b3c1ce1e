"""Running measured child processes and emulator processes for the benchmark."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportsync.constants import KEY_ENV, URL_ENV

PYTHON = sys.executable
KEY = "test_sk_reportsync_bench"
BENCH = Path(__file__).resolve().parent
WORK = BENCH / "_work"


@dataclass(frozen=True)
class Sample:
    """One finished child: wall and CPU seconds, peak RSS in MB, exit code and output."""

    wall: float
    cpu: float
    rss_mb: float
    rc: int
    out: str
    err: str


def run_measured(cmd: Sequence[str], env: dict[str, str] | None = None, cwd: Path = WORK) -> Sample:
    """Run cmd to completion; rusage comes from wait4 on that one child, so it is its own."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Sample(
            wall,
            usage.ru_utime + usage.ru_stime,
            usage.ru_maxrss / 1024,
            proc.returncode,
            out.read().decode(errors="replace"),
            err.read().decode(errors="replace"),
        )


def client_env(url: str) -> dict[str, str]:
    """The environment of a reportsync child: key and URL set, no CI variables, no colour."""
    # Users run with the bytecode cache: a PYTHONDONTWRITEBYTECODE inherited from a sandbox would make every
    # run recompile every edited module and measure the compiler, not reportsync.
    drop = ("GITHUB_", "PYTHONDONTWRITEBYTECODE", "PYTHONPROFILEIMPORTTIME")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update({KEY_ENV: KEY, URL_ENV: url, "NO_COLOR": "1"})
    return env


def reportsync(*args: str) -> list[str]:
    """The command as users run it: the installed console script (no runpy, as the floor has none)."""
    script = Path(PYTHON).with_name("reportsync")
    if script.exists():
        return [PYTHON, str(script), *args]
    return [PYTHON, "-m", "reportsync", *args]


def _emulator_flags(state: Path | None, latency_ms: float, rate: float | None) -> list[str]:
    """The flags both emulator launchers share: key, latency, optional state file and rate limit."""
    flags = ["--key", KEY, "--latency", str(latency_ms)]
    if state is not None:
        flags += ["--state", str(state)]
    if rate is not None:
        flags += ["--rate-limit", str(rate)]
    return flags


@contextmanager
def emulator(
    state: Path | None = None, latency_ms: float = 0, rate: float | None = None, extra: Sequence[str] = ()
) -> Iterator[str]:
    """`reportsync emulator` as a child process on a free port; yields its base URL. `extra`: more flags."""
    cmd = reportsync("emulator", "--port", "0", *_emulator_flags(state, latency_ms, rate), *extra)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=WORK)
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline()
        if "listening on" not in banner:
            raise RuntimeError(f"the emulator did not start: {banner!r}")
        yield banner.rsplit(" ", 1)[-1].strip()
    finally:
        proc.terminate()
        proc.wait(10)


class Counting:
    """bench/count_emulator.py as a child process: the same server, with counts readable."""

    def __init__(self, proc: subprocess.Popen[str], url: str) -> None:
        self.proc, self.url = proc, url

    def ask(self, command: str) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())  # type: ignore[no-any-return]


@contextmanager
def counting_emulator(
    state: Path | None = None, latency_ms: float = 0, rate: float | None = None
) -> Iterator[Counting]:
    cmd = [PYTHON, str(BENCH / "count_emulator.py"), *_emulator_flags(state, latency_ms, rate)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=WORK)
    try:
        assert proc.stdout is not None
        yield Counting(proc, proc.stdout.readline().strip())
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
