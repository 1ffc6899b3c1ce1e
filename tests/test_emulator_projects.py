"""`reportsync emulator` for a team's own CI: --demo, several keys (a project each), --debug's log."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import report, run_cli, write_reports

from reportsync.constants import EMULATOR_DEMO_KEY
from reportsync.emulator import Emulator
from reportsync.emulator.demo import DEMO_REPORTS as DEMO_REMOTE

KEY_APP = "test_sk_project_app_0001"
KEY_WEB = "test_sk_project_web_0002"
CONFIG = """projects:
  app:
    reports: reports/app
    key_env: QONVERSION_KEY_APP
  web:
    reports: reports/web
    key_env: QONVERSION_KEY_WEB
"""


@pytest.fixture
def two_projects() -> Iterator[Emulator]:
    with Emulator(key=KEY_APP, more_keys=(KEY_WEB,), seed=1) as emu:
        yield emu


def project_repo(root: Path) -> Path:
    (root / "reportsync.yaml").write_text(CONFIG, encoding="utf-8")
    write_reports(root / "reports" / "app", [report("App revenue")])
    write_reports(root / "reports" / "web", [report("Web revenue"), report("Web churn")])
    return root


def test_each_key_is_its_own_project(two_projects: Emulator, tmp_path: Path) -> None:
    env = {"QONVERSION_API_URL": two_projects.url, "QONVERSION_KEY_APP": KEY_APP}
    env["QONVERSION_KEY_WEB"] = KEY_WEB
    repo = project_repo(tmp_path)
    done = run_cli("apply", "--auto-approve", env=env, cwd=repo)
    assert done.code == 0, done.err
    assert [r["report_name"] for r in two_projects.reports(KEY_APP)] == ["App revenue"]
    assert sorted(r["report_name"] for r in two_projects.reports(KEY_WEB)) == ["Web churn", "Web revenue"]
    again = run_cli("plan", "--detailed-exitcode", env=env, cwd=repo)
    assert again.code == 0, again.out + again.err
    assert KEY_APP not in again.out + again.err and KEY_WEB not in again.out + again.err


@pytest.mark.parametrize(
    ("key", "status"),
    [(KEY_WEB, 200), ("test_sk_unknown_0003", 401), ("pk_public_0004", 403), ("", 401)],
)
def test_a_key_reaches_only_its_project(two_projects: Emulator, key: str, status: int) -> None:
    import http.client

    two_projects.add_report(report("Only web"), KEY_WEB)
    conn = http.client.HTTPConnection("127.0.0.1", two_projects.port, timeout=5)
    conn.request("GET", "/v4/scheduled-reports", headers={"Authorization": f"Bearer {key}"})
    answer = conn.getresponse()
    body = answer.read()
    conn.close()
    assert answer.status == status
    assert (b"Only web" in body) is (status == 200)
    assert two_projects.reports() == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"key": KEY_APP, "more_keys": (KEY_APP,)}, "each key must be given once"),
        ({"more_keys": (KEY_WEB,), "state_file": "state.json"}, "a state file holds one project"),
    ],
)
def test_impossible_key_setups_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Emulator(**kwargs)  # type: ignore[arg-type]


def test_the_request_log_names_method_path_status_and_never_a_key() -> None:
    log = io.StringIO()
    with Emulator(key=KEY_APP, more_keys=(KEY_WEB,), request_log=log) as emu:
        emu.faults.reset_connections("GET", "/scheduled-reports/destinations", 1)
        for path, key in [
            ("/scheduled-reports", KEY_APP),
            (f"/scheduled-reports/{KEY_WEB}\x1b[31m", KEY_WEB),
            ("/scheduled-reports/destinations", KEY_APP),
        ]:
            run_request(emu, path, key)
    lines = log.getvalue().splitlines()
    assert lines == [
        "emulator: GET /v4/scheduled-reports -> 200",
        "emulator: GET /v4/scheduled-reports/***%1B%5B31m -> 400",
        "emulator: GET /v4/scheduled-reports/destinations -> connection dropped",
    ]


def test_the_request_log_escapes_what_it_prints() -> None:
    log = io.StringIO()
    emu = Emulator(key=KEY_APP, request_log=log)
    emu.log_request("GET", f"/v4/x\x1b[2J\n::error::{KEY_APP}", "200")
    assert log.getvalue() == "emulator: GET /v4/x\\x1b[2J\\n::error::*** -> 200\n"


def run_request(emu: Emulator, path: str, key: str) -> None:
    import http.client
    from urllib.parse import quote

    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
    try:
        conn.request("GET", "/v4" + quote(path), headers={"Authorization": f"Bearer {key}"})
        conn.getresponse().read()
    except (OSError, http.client.HTTPException):
        pass  # a dropped connection
    finally:
        conn.close()


def test_demo_serves_the_demo_project_on_every_key_with_a_request_log(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "reportsync", "emulator", "--port", "0", "--demo", "--debug"]
    argv += ["--key", KEY_APP, "--key", KEY_WEB]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        banner = [proc.stdout.readline() for _ in range(5)]
        assert banner[1] == f"accepting 2 keys, one project each: {KEY_APP}, {KEY_WEB}\n"
        assert banner[3:] == [
            f"mode: each project starts with the {len(DEMO_REMOTE)} demo reports; nothing is kept\n",
            "mode: every request is logged on stderr (method, path, status)\n",
        ]
        url = banner[0].split(" on ", 1)[1].strip()
        write_reports(tmp_path / "reports", [report("Daily revenue")])
        for key in (KEY_APP, KEY_WEB):
            done = run_cli(
                "plan", env={"QONVERSION_API_URL": url, "QONVERSION_SECRET_KEY": key}, cwd=tmp_path
            )
            assert done.code == 0, done.err
            assert "1 to create" in done.out and f"{len(DEMO_REMOTE)} unmanaged" in done.out
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert "emulator: GET /v4/scheduled-reports?limit=100 -> 200" in err
    assert KEY_APP not in err and KEY_WEB not in err


def test_demo_and_state_together_are_refused(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "reportsync", "emulator", "--port", "0", "--demo"]
    proc = subprocess.run([*argv, "--state", str(tmp_path / "s.json")], capture_output=True, text=True)
    assert proc.returncode == 1 and "cannot be combined with --state" in proc.stderr


def test_the_built_in_emulator_says_nothing_it_applies_is_kept(tmp_path: Path) -> None:
    write_reports(tmp_path / "reports", [report("Daily revenue")])
    done = run_cli("apply", "--emulator", "--auto-approve", cwd=tmp_path)
    assert done.code == 0, done.err
    assert "nothing it applies is kept" in done.err
    assert EMULATOR_DEMO_KEY not in done.out + done.err


def test_demo_serves_the_ids_of_the_built_in_emulator(tmp_path: Path) -> None:
    """ "The same demo project as --emulator": the ids too, so that `show --id i0VpEBOW` from the README
    (and ids noted from `plan --emulator`) find the same report, run after run."""
    import json

    write_reports(tmp_path / "reports", [report("Daily revenue")])

    def unmanaged(result: Any) -> list[str]:
        assert result.code == 0, result.err
        return sorted(u["id"] for u in json.loads(result.out)["unmanaged"])

    built_in = unmanaged(run_cli("plan", "--emulator", "--format", "json", cwd=tmp_path))
    argv = [sys.executable, "-m", "reportsync", "emulator", "--port", "0", "--demo"]
    for _ in range(2):  # the same ids on every start
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().split(" on ", 1)[1].strip()
            env = {"QONVERSION_API_URL": url, "QONVERSION_SECRET_KEY": EMULATOR_DEMO_KEY}
            assert unmanaged(run_cli("plan", "--format", "json", env=env, cwd=tmp_path)) == built_in
        finally:
            proc.terminate()
            proc.communicate(timeout=10)
