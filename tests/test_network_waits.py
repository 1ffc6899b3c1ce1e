"""Issue 14 A5-A6 and issue 12 §2: proxies, waits the API asks for, redirects, 2xx answers that disagree."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from helpers import KEY, VirtualClock, report, run_cli, write_reports

from reportsync.emulator import Emulator

LIST = "/scheduled-reports"
ONE = "/scheduled-reports/*"
FAR = "https://api.example.invalid/v4"


class Recorder:
    """A TCP server that records what it receives and answers every request with one canned reply."""

    def __init__(self, reply: bytes) -> None:
        self.received = bytearray()
        self._reply = reply
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    self.received += conn.recv(65536)
                    conn.sendall(self._reply)
                except OSError:
                    pass

    def close(self) -> None:
        self._sock.close()


@pytest.fixture
def proxy() -> Iterator[Recorder]:
    server = Recorder(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    yield server
    server.close()


def folder(tmp_path: Path, *names: str) -> str:
    return str(write_reports(tmp_path / "reports", [report(n) for n in names or ("Daily revenue",)]))


# -- 5. proxies -----------------------------------------------------------------------------------------


def test_loopback_is_never_proxied(
    tmp_path: Path, env: dict[str, str], proxy: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"http://127.0.0.1:{proxy.port}"
    names = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
    for name in names:
        monkeypatch.setenv(name, url)  # requests would read these itself
    result = run_cli("plan", "--reports", folder(tmp_path), env={**env, **dict.fromkeys(names, url)})
    assert result.code == 0, result.err
    assert proxy.received == b""


def test_a_failing_proxy_is_named_in_every_error_and_in_debug(tmp_path: Path, proxy: Recorder) -> None:
    url = f"http://user:secret@127.0.0.1:{proxy.port}"
    env = {
        "QONVERSION_SECRET_KEY": KEY,
        "QONVERSION_API_URL": FAR,
        "HTTPS_PROXY": url,
    }
    result = run_cli("plan", "--reports", folder(tmp_path), "--debug", env=env)
    assert result.code == 1
    assert f"through proxy http://127.0.0.1:{proxy.port}" in result.err.splitlines()[-1]
    assert f"debug: https://api.example.invalid/v4: through proxy http://127.0.0.1:{proxy.port}" in result.err
    assert "secret" not in result.err and KEY.encode() not in proxy.received  # CONNECT carries no key


def test_no_proxy_is_honoured(tmp_path: Path, proxy: Recorder) -> None:
    url = f"http://127.0.0.1:{proxy.port}"
    env = {
        "QONVERSION_SECRET_KEY": KEY,
        "QONVERSION_API_URL": FAR,
        "HTTPS_PROXY": url,
        "NO_PROXY": "example.invalid",
    }
    result = run_cli("plan", "--reports", folder(tmp_path), env=env)
    assert result.code == 1 and "could not resolve host api.example.invalid" in result.err
    assert proxy.received == b""


# -- 6. waits the API asks for -----------------------------------------------------------------------


@pytest.mark.parametrize("asked", ["86400", "121", "Wed, 21 Oct 2099 07:28:00 GMT"])
def test_a_retry_after_beyond_the_budget_fails_at_once_saying_what_was_asked(
    tmp_path: Path, env: dict[str, str], emulator: Emulator, asked: str
) -> None:
    clock = VirtualClock()
    emulator.faults.queue_429(1, asked)
    result = run_cli("plan", "--reports", folder(tmp_path), env=env, clock=clock)
    assert result.code == 1
    assert "→ 429 rate_limited" in result.err
    assert (
        "(the API asked to wait " in result.err and "s (Retry-After), more than the 120 s left)" in result.err
    )
    assert sum(clock.sleeps) < 5


def test_apply_stops_starting_changes_when_the_api_asks_for_a_long_wait(
    tmp_path: Path, env: dict[str, str], emulator: Emulator
) -> None:
    clock = VirtualClock()
    emulator.faults.fail("POST", LIST, 429, count=1, retry_after="86400")
    args = ("--reports", folder(tmp_path, "A", "B", "C", "D"), "--auto-approve", "--parallelism", "1")
    result = run_cli("apply", *args, env=env, clock=clock)
    assert result.code == 4
    assert "the API asked to wait 86,400 s (Retry-After)" in result.out + result.err
    assert emulator.counts[("POST", LIST)] == 1 and emulator.reports() == []
    assert result.out.count("not attempted: the API is rate limiting") == 3
    assert sum(clock.sleeps) < 5


class _Redirect(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(301)
        self.send_header("Location", "https://api.elsewhere.example/v4/scheduled-reports")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_a_redirect_shows_its_location(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        env = {
            "QONVERSION_SECRET_KEY": KEY,
            "QONVERSION_API_URL": f"http://127.0.0.1:{server.server_port}/v4",
        }
        result = run_cli("plan", "--reports", folder(tmp_path), env=env)
    finally:
        server.shutdown()
        server.server_close()
    assert result.code == 1
    assert (
        "301" in result.err
        and "redirected to 'https://api.elsewhere.example/v4/scheduled-reports'" in result.err
    )


# -- issue 12 §2: a 2xx is success only when the body agrees ------------------------------------------


def test_put_answered_200_with_an_error_is_a_failed_change(
    tmp_path: Path, env: dict[str, str], emulator: Emulator
) -> None:
    emulator.add_report(report("Daily revenue", send_at="10:00"))
    emulator.faults.error_2xx("PUT", ONE)
    reports = folder(tmp_path)
    result = run_cli("apply", "--reports", reports, "--auto-approve", env=env)
    assert result.code == 4, result.err
    assert "200 invalid_data: injected failure: the request was not served" in result.out + result.err
    assert "Apply complete: 1 updated" not in result.out
    again = run_cli("plan", "--reports", reports, "--detailed-exitcode", env=env)
    assert again.code == 2 and "update" in again.out


WRITES = {
    "create": ("POST", LIST, (), None),
    "delete": ("DELETE", ONE, ("--prune", "--force"), "Other"),
    "update": ("PUT", ONE, (), "Daily revenue"),
}


@pytest.mark.parametrize(("method", "glob", "flags", "existing"), WRITES.values(), ids=WRITES.keys())
def test_every_write_answered_2xx_with_an_error_fails(
    tmp_path: Path,
    env: dict[str, str],
    emulator: Emulator,
    method: str,
    glob: str,
    flags: tuple[str, ...],
    existing: str | None,
) -> None:
    if existing:
        emulator.add_report(report(existing, send_at="10:00"))
    emulator.faults.error_2xx(method, glob)
    before = {r["id"]: dict(r) for r in emulator.reports()}
    result = run_cli("apply", "--reports", folder(tmp_path), "--auto-approve", *flags, env=env)
    assert result.code == 4, result.err
    assert f"{method} /scheduled-reports" in result.out + result.err
    assert "invalid_data" in result.out + result.err
    after = {r["id"]: dict(r) for r in emulator.reports()}
    assert {i: after.get(i) for i in before} == before  # the report written is as it was
    assert len(after) == len(before) + (method == "DELETE")  # the create, when not the write refused


def test_a_write_answer_naming_another_id_fails(
    tmp_path: Path, env: dict[str, str], emulator: Emulator
) -> None:
    emulator.add_report(report("Daily revenue", send_at="10:00"))
    other = {**report("Daily revenue"), "object": "scheduled_report", "id": "zzzz9999"}
    emulator.faults.raw_body("PUT", ONE, json.dumps(other).encode())
    result = run_cli("apply", "--reports", folder(tmp_path), "--auto-approve", env=env)
    assert result.code == 4
    assert "the answer names report 'zzzz9999', not" in result.out + result.err


def test_send_test_answered_2xx_with_an_error_fails(
    tmp_path: Path, env: dict[str, str], emulator: Emulator
) -> None:
    emulator.add_report(report("Daily revenue"))
    emulator.faults.error_2xx("POST", "/scheduled-reports/*/send-test")
    result = run_cli("send-test", "Daily revenue", "--reports", folder(tmp_path), env=env)
    assert result.code != 0
    assert "200 invalid_data" in result.err


# -- B: one session and one backoff per API host ---------------------------------------------------


def test_projects_on_one_host_share_a_session_and_a_backoff(emulator: Emulator) -> None:
    from reportsync.config import Project
    from reportsync.connection import open_clients
    from reportsync.console import Console

    console = Console(env={"A_KEY": KEY, "B_KEY": KEY, "QONVERSION_API_URL": emulator.url})
    projects = [Project("a", "reports/a", key_env="A_KEY"), Project("b", "reports/b", key_env="B_KEY")]
    with open_clients(projects, console) as (first, second):
        first.list_reports()
        second.list_reports()
        assert first.request_count == second.request_count == 2  # one Retrier: one count for the host
        assert first._session is second._session
    assert emulator.counts[("GET", LIST)] == 2


def _projects(root: Path, count: int) -> dict[str, str]:
    lines, env = ["projects:"], {}
    for i in range(count):
        lines += [f"  p{i}:", f"    reports: reports/p{i}", f"    key_env: KEY_{i}"]
        env[f"KEY_{i}"] = f"{KEY}_{i}"
        write_reports(root / "reports" / f"p{i}", [report(f"Report of p{i}")])
    (root / "reportsync.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return env


def test_projects_are_read_at_once_and_shown_in_config_order(tmp_path: Path) -> None:
    env = _projects(tmp_path, 8)
    with Emulator(key=env["KEY_0"], more_keys=tuple(v for v in env.values() if v != env["KEY_0"])) as emu:
        result = run_cli("apply", "--auto-approve", env={**env, "QONVERSION_API_URL": emu.url}, cwd=tmp_path)
        again = run_cli(
            "plan", "--detailed-exitcode", env={**env, "QONVERSION_API_URL": emu.url}, cwd=tmp_path
        )
    assert result.code == 0, result.err
    headings = [line for line in result.out.splitlines() if line.startswith("== project ")]
    assert headings == [f"== project p{i} ==" for i in range(8)] * 2  # the plans, then the results
    applied = result.out.split("All projects: 8 to create")[1].split("== project ")[1:]
    for i, section in enumerate(applied):  # each project's rows under its own heading
        heading, row = section.splitlines()[:2]
        assert heading == f"p{i} ==" and f'applied  + create "Report of p{i}"' in row
    assert "All projects: Apply complete: 8 created, 0 updated, 0 deleted." in result.out
    assert again.code == 0, again.out


def test_the_first_failing_project_in_config_order_decides(tmp_path: Path) -> None:
    env = _projects(tmp_path, 3)
    (tmp_path / "reports" / "p1" / "bad.yaml").write_text("report_name: [\n", encoding="utf-8")
    (tmp_path / "reports" / "p2" / "bad.yaml").write_text("send_at: 1\n", encoding="utf-8")
    with Emulator(key=env["KEY_0"], more_keys=tuple(v for v in env.values() if v != env["KEY_0"])) as emu:
        result = run_cli("plan", env={**env, "QONVERSION_API_URL": emu.url}, cwd=tmp_path)
    assert result.code == 1 and result.out == ""
    assert "reports/p1/bad.yaml" in result.err and "reports/p2" not in result.err
