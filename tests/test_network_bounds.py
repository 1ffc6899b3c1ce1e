"""Issue 14 A: every call bounded and every odd answer explained, through the CLI against the emulator."""

from __future__ import annotations

import socket
import threading
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import KEY, VirtualClock, report, run_cli, write_reports

from reportsync.emulator import Emulator
from reportsync.transport import Failure, new_session, send

LIST = "/scheduled-reports"
ONE = "/scheduled-reports/*"
ENV = "QONVERSION_TIMEOUT"


@pytest.fixture
def clock(emulator: Emulator) -> VirtualClock:
    """One virtual clock for the CLI and the emulator's drips: a drip of 1 byte a second costs no time."""
    shared = VirtualClock()
    emulator.faults.clock, emulator.faults.sleep = shared.clock, shared.sleep
    return shared


def plan(tmp_path: Path, env: dict[str, str], clock: VirtualClock, *extra: str) -> Any:
    folder = tmp_path / "reports"
    if not folder.exists():
        write_reports(folder, [report("Daily revenue")])
    return run_cli("plan", "--reports", str(folder), *extra, env=env, clock=clock)


def folder_of(tmp_path: Path) -> str:
    return str(write_reports(tmp_path / "reports", [report("Daily revenue")]))


def calls(emulator: Emulator, method: str, route: str = LIST) -> int:
    return emulator.counts[(method, route)]


# -- 1. a deadline per attempt, not per read ---------------------------------------------------------


def test_slow_drip_listing_is_a_read_timeout_after_the_deadline_and_retried(
    tmp_path: Path, env: dict[str, str], emulator: Emulator, clock: VirtualClock
) -> None:
    emulator.faults.drip("GET", LIST, 1, 1.0, count=1000)
    result = plan(tmp_path, env, clock)
    assert result.code == 1, result.err
    assert "waiting for a complete response (--timeout)" in result.err
    assert "gave up after" in result.err  # a GET is retried
    assert "internal error" not in result.err


def test_one_slow_drip_is_retried_and_the_plan_succeeds(
    tmp_path: Path, env: dict[str, str], emulator: Emulator, clock: VirtualClock
) -> None:
    emulator.faults.drip("GET", LIST, 1, 1.0, count=1)
    result = plan(tmp_path, env, clock, "--timeout", "5")
    assert result.code == 0, result.err
    assert calls(emulator, "GET") == 2


def test_slow_drip_create_is_ambiguous_then_adopted_never_duplicated(
    tmp_path: Path, env: dict[str, str], emulator: Emulator, clock: VirtualClock
) -> None:
    write_reports(tmp_path / "reports", [report("Daily revenue")])
    emulator.faults.drip("POST", LIST, 1, 1.0, count=5)
    result = run_cli("apply", "--reports", str(tmp_path / "reports"), "--auto-approve", env=env, clock=clock)
    assert result.code == 0, result.err
    assert "adopted after an ambiguous create" in result.err + result.out
    assert [r["report_name"] for r in emulator.reports()] == ["Daily revenue"]
    assert calls(emulator, "POST") == 1


@pytest.mark.parametrize(
    ("value", "source"),
    [
        ("0", "QONVERSION_TIMEOUT"),
        ("abc", "QONVERSION_TIMEOUT"),
        ("nan", "QONVERSION_TIMEOUT"),
        ("-1", "--timeout"),
    ],
)
def test_a_bad_timeout_is_refused_before_any_call(
    tmp_path: Path, env: dict[str, str], emulator: Emulator, clock: VirtualClock, value: str, source: str
) -> None:
    if source == "--timeout":
        result = plan(tmp_path, env, clock, "--timeout", value)
    else:
        result = plan(tmp_path, {**env, source: value}, clock)
    assert result.code == 1
    assert f"{source} " in result.err and "must be a number of seconds" in result.err
    assert sum(emulator.counts.values()) == 0


# -- 2. listings that never end -----------------------------------------------------------------------


def test_empty_pages_that_keep_saying_more_are_a_malformed_listing(
    tmp_path: Path, env: dict[str, str], emulator: Emulator, clock: VirtualClock
) -> None:
    emulator.faults.empty_pages(1_000_000)
    result = plan(tmp_path, env, clock)
    assert result.code == 1
    assert "GET /scheduled-reports → 200 malformed_response" in result.err
    assert "3 empty pages in a row still said has_more: the listing never ends" in result.err
    assert calls(emulator, "GET") == 3


def test_a_few_empty_pages_then_real_ones_are_read(
    tmp_path: Path, env: dict[str, str], emulator: Emulator, clock: VirtualClock
) -> None:
    emulator.add_report(report("Daily revenue"))
    emulator.faults.empty_pages(2)
    assert plan(tmp_path, env, clock).code == 0


# -- 3. bodies too large to be true -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("compressed", "seen"),
    [(False, "17,825,792 bytes declared"), (True, "more than that received, decompressed")],
)
def test_oversized_bodies_fail_clearly_within_the_cap(
    tmp_path: Path, env: dict[str, str], emulator: Emulator, clock: VirtualClock, compressed: bool, seen: str
) -> None:
    mib = 17 if not compressed else 200  # 200 MiB once decompressed, about 200 KiB on the wire
    emulator.faults.bloat("GET", LIST, mib * 1024 * 1024, compressed)
    tracemalloc.start()
    try:
        result = plan(tmp_path, env, clock)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.code == 1, result.err
    assert "the response body is larger than the 16 MiB limit" in result.err and seen in result.err
    assert "MemoryError" not in result.err
    assert peak < 40 * 1024 * 1024 + (mib * 1024 * 1024 if not compressed else 0)  # the emulator's copy


# -- 4. malformed remote data fails closed, naming the report and field --------------------------------

MALFORMED = {
    "destination id that is a list": (
        "destinations",
        [{"type": "target_integration", "id": ["int-wh-01"]}],
        "destinations [0].id is a list, expected a non-empty string",
    ),
    "report id '.'": ("id", ".", "a report with no valid id: id is not a valid id"),
    "report id '..'": ("id", "..", "a report with no valid id: id is not a valid id"),
    "integer served as a string": ("included_range_days", "7", "included_range_days is a string"),
    "status outside the enum": ("status", "paused", "status is not one of the documented values"),
    "send_at off the slots": ("send_at", "12:15", "send_at is not one of the documented values"),
    "destinations empty": ("destinations", [], "destinations is a list, expected a list of at least one"),
    "name too long": ("report_name", "x" * 256, "report_name has 256 characters, expected 1-255"),
    "runs negative": ("runs", -1, "runs is a number, expected a whole number"),
    "unknown field too large to send back": ("new_feature", [0] * 100_001, "new_feature is too large"),
}


@pytest.mark.parametrize(("field", "value", "expected"), MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_report_fails_the_read_naming_report_and_field(
    tmp_path: Path,
    env: dict[str, str],
    emulator: Emulator,
    clock: VirtualClock,
    field: str,
    value: object,
    expected: str,
) -> None:
    emulator.add_report(report("Other report"))
    emulator.faults.serve_field(field, value)
    write_reports(tmp_path / "reports", [report("Daily revenue")])
    args = ("--reports", str(tmp_path / "reports"), "--prune", "--force", "--auto-approve")
    result = run_cli("apply", *args, env=env, clock=clock)
    assert result.code == 1, result.err
    assert "GET /scheduled-reports → 200 malformed_response: " in result.err
    assert expected in result.err
    assert "internal error" not in result.err
    assert calls(emulator, "DELETE", ONE) == 0 and calls(emulator, "POST") == 0  # fail closed: no write


def test_json_nested_200000_deep_is_a_clear_error(
    tmp_path: Path, env: dict[str, str], emulator: Emulator, clock: VirtualClock
) -> None:
    emulator.faults.raw_body("GET", LIST, b"[" * 200_000 + b"]" * 200_000)
    result = plan(tmp_path, env, clock)
    assert result.code == 1
    assert "GET /scheduled-reports → failed: the response JSON is nested too deeply to read" in result.err


@pytest.mark.parametrize("name", ["Revenue \ud83d", "Revenue \u202e\x1b[31m 💥 ..%2F", "\udc00"])
def test_an_odd_but_valid_name_is_data(
    tmp_path: Path, env: dict[str, str], emulator: Emulator, clock: VirtualClock, name: str
) -> None:
    emulator.add_report(report(name, send_at="10:00"))
    emulator.add_report(report("Daily revenue", send_at="10:00"))
    result = run_cli(
        "apply", "--reports", folder_of(tmp_path), "--auto-approve", "--prune", env=env, clock=clock
    )
    assert result.code == 0, result.err
    assert "internal error" not in result.err
    assert [r["report_name"] for r in emulator.reports()] == ["Daily revenue"]  # pruned by id: it was data


# -- 1b. headers sent a byte at a time: the watchdog shuts the socket at the deadline ----------------


class HeaderDrip:
    """A fake server that sends a status line, then one header byte every 20 ms, until the client hangs up
    (the emulator answers with whole headers, so it cannot do this)."""

    def __init__(self) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self.hung_up = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                for _ in range(3000):  # 60 s at most, if nothing ended the attempt
                    conn.sendall(b"a")
                    time.sleep(0.02)
            except OSError:
                self.hung_up.set()

    def close(self) -> None:
        self._sock.close()


@pytest.fixture
def header_drip() -> Iterator[HeaderDrip]:
    server = HeaderDrip()
    yield server
    server.close()


def test_headers_dripped_a_byte_at_a_time_end_at_the_deadline(header_drip: HeaderDrip) -> None:
    session = new_session(2)
    try:
        url = f"http://127.0.0.1:{header_drip.port}/v4/scheduled-reports"
        outcome = send(session, "GET", url, body=None, headers={}, timeout=(1.0, 0.2))
    finally:
        session.close()
    assert isinstance(outcome, Failure)
    assert outcome.reason == "timed out after 0.2 s waiting for a complete response (--timeout)"
    assert (outcome.sent, outcome.transient) == (True, True)
    assert header_drip.hung_up.wait(5)


def test_plan_against_dripped_headers_fails_within_its_attempts(
    tmp_path: Path, header_drip: HeaderDrip
) -> None:
    env = {"QONVERSION_SECRET_KEY": KEY, "QONVERSION_API_URL": f"http://127.0.0.1:{header_drip.port}/v4"}
    result = plan(tmp_path, env, VirtualClock(), "--timeout", "0.05")
    assert result.code == 1
    assert "waiting for a complete response (--timeout) (gave up after 8 attempts)" in result.err


def test_a_listing_that_takes_too_long_in_all_is_stopped(
    tmp_path: Path, env: dict[str, str], emulator: Emulator, clock: VirtualClock
) -> None:
    for i in range(250):  # three pages of 100
        emulator.add_report(report(f"Report {i:03d}"))
    emulator.faults.drip("GET", LIST, 100, 1.0, count=10)  # ~300 s a page, each within --timeout
    result = plan(tmp_path, env, clock, "--timeout", "3600")
    assert result.code == 1, result.err
    assert (
        "GET /scheduled-reports → 200 malformed_response: the listing did not end within 600 s" in result.err
    )
    assert calls(emulator, "GET") == 2


@pytest.mark.parametrize(
    "argv",
    [
        ("plan",),
        ("apply", "--auto-approve"),
        ("import", "--dry-run"),
        ("refresh", "--dry-run"),
        ("show", "Daily revenue"),
        ("destinations",),
        ("doctor",),
    ],
)
def test_every_remote_command_honours_its_timeout_flag(
    tmp_path: Path, env: dict[str, str], emulator: Emulator, clock: VirtualClock, argv: tuple[str, ...]
) -> None:
    # Every command that accepts --timeout must use it: a flag accepted and ignored is a lie in --help.
    emulator.add_report(report("Daily revenue"))
    write_reports(tmp_path / "reports", [report("Daily revenue")])
    emulator.faults.drip("GET", "/scheduled-reports*", 1, 1.0, count=1000)
    result = run_cli(*argv, "--timeout", "7", env=env, clock=clock, cwd=tmp_path)
    assert result.code == 1, result.out + result.err
    assert "timed out after 7 s waiting for a complete response (--timeout)" in result.err
