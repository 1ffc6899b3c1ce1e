"""`destinations`, `send-test`, `--target` and multi-project configs, driven through the CLI."""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from helpers import KEY, report, write_reports

from reportsync.constants import DEFAULT_DESTINATIONS
from reportsync.emulator import Emulator

# -- destinations -----------------------------------------------------------------------------------


def test_destinations_table(cli: Any, env: Any, tmp_path: Path) -> None:
    result = cli("destinations", env=env, cwd=tmp_path)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split() == ["TYPE", "ID", "LABEL"]
    assert "target_integration  int-slack-01  Slack: #growth" in lines
    assert len(lines) == 1 + len(DEFAULT_DESTINATIONS)


def test_destinations_json(cli: Any, env: Any, tmp_path: Path) -> None:
    result = cli("destinations", "--format", "json", env=env, cwd=tmp_path)
    assert result.code == 0, result.err
    assert json.loads(result.out) == [dict(d) for d in DEFAULT_DESTINATIONS]


def test_unknown_destination_in_plan_suggests_close_ids(cli: Any, env: Any, tmp_path: Path) -> None:
    dests = [{"type": "target_integration", "id": "int-wh-1"}]
    write_reports(tmp_path / "reports", [report(destinations=dests)])
    result = cli("plan", env=env, cwd=tmp_path)
    assert result.code == 1
    pattern = (
        r"reports/r0000\.yaml:\d+: unknown destination target_integration:int-wh-1 \(did you mean int-wh-01"
    )
    assert re.search(pattern, result.err), result.err
    assert result.out == ""


# -- send-test --------------------------------------------------------------------------------------


def test_send_test_reports_the_202_then_explains_the_429(
    cli: Any, env: Any, emulator: Emulator, tmp_path: Path
) -> None:
    write_reports(tmp_path / "reports", [report("Daily revenue")])
    remote = emulator.add_report(report("Daily revenue"))
    first = cli("send-test", "Daily revenue", env=env, cwd=tmp_path)
    assert first.code == 0, first.err
    assert f'"Daily revenue" (production) id {remote["id"]}: accepted (202)' in first.out
    second = cli("send-test", "Daily revenue", env=env, cwd=tmp_path)
    assert second.code == 1
    assert "one test delivery per minute per report" in second.err
    assert "wait a minute" in second.err
    assert "429" in second.err


def test_send_test_needs_environment_when_the_name_is_in_both(
    cli: Any, env: Any, emulator: Emulator, tmp_path: Path
) -> None:
    sandbox_dest = [{"type": "target_integration", "id": "int-slack-02"}]
    both = [report("Digest"), report("Digest", environment="sandbox", destinations=sandbox_dest)]
    write_reports(tmp_path / "reports", both)
    emulator.add_report(both[0])
    sandbox = emulator.add_report(both[1])
    ambiguous = cli("send-test", "Digest", env=env, cwd=tmp_path)
    assert ambiguous.code == 1
    assert '"Digest" exists in both environments' in ambiguous.err
    assert "add --environment sandbox or production" in ambiguous.err
    chosen = cli("send-test", "Digest", "--environment", "sandbox", "--format", "json", env=env, cwd=tmp_path)
    assert chosen.code == 0, chosen.err
    data = json.loads(chosen.out)
    assert (data["id"], data["environment"], data["status"]) == (sandbox["id"], "sandbox", 202)


def test_send_test_unknown_name_lists_close_names(cli: Any, env: Any, tmp_path: Path) -> None:
    write_reports(tmp_path / "reports", [report("Daily revenue"), report("Weekly digest")])
    result = cli("send-test", "Daily revenu", env=env, cwd=tmp_path)
    assert result.code == 1
    assert 'no report file declares "Daily revenu"; did you mean "Daily revenue"?' in result.err


def test_send_test_wrong_environment(cli: Any, env: Any, tmp_path: Path) -> None:
    write_reports(tmp_path / "reports", [report("Daily revenue")])
    result = cli("send-test", "Daily revenue", "--environment", "sandbox", env=env, cwd=tmp_path)
    assert result.code == 1
    assert '"Daily revenue" is not declared in sandbox, only in production' in result.err


def test_send_test_before_apply(cli: Any, env: Any, tmp_path: Path) -> None:
    write_reports(tmp_path / "reports", [report("Daily revenue")])
    result = cli("send-test", "Daily revenue", env=env, cwd=tmp_path)
    assert result.code == 1
    assert "does not exist remotely yet: run `reportsync apply` first" in result.err


def test_send_test_uses_the_pinned_id(cli: Any, env: Any, emulator: Emulator, tmp_path: Path) -> None:
    remote = emulator.add_report(report("Old name"))
    write_reports(tmp_path / "reports", [{"id": remote["id"], **report("New name")}])
    result = cli("send-test", "New name", env=env, cwd=tmp_path)
    assert result.code == 0, result.err
    assert f"id {remote['id']}" in result.out


# -- --target ---------------------------------------------------------------------------------------


@pytest.fixture
def drifted(emulator: Emulator, tmp_path: Path) -> dict[str, str]:
    """Three managed reports, each changed in the dashboard, and one unmanaged report."""
    names = ["Alpha daily", "Alpha weekly", "Beta daily"]
    write_reports(tmp_path / "reports", [report(n) for n in names])
    ids = {n: emulator.add_report(report(n, send_at="12:00"))["id"] for n in names}
    ids["Alpha stray"] = emulator.add_report(report("Alpha stray"))["id"]
    ids["Beta stray"] = emulator.add_report(report("Beta stray"))["id"]
    return ids


def test_plan_target_restricts_and_says_partial(cli: Any, env: Any, drifted: Any, tmp_path: Path) -> None:
    result = cli("plan", "--target", "Alpha*", "--prune", env=env, cwd=tmp_path)
    assert result.code == 0, result.err
    assert result.out.startswith("Partial run: only reports matching Alpha* (--target).")
    assert '~ update "Alpha daily"' in result.out and '~ update "Alpha weekly"' in result.out
    assert '- delete "Alpha stray"' in result.out
    assert "Beta daily" not in result.out
    assert '- delete "Beta stray"' not in result.out
    assert "Plan: 0 to create, 2 to update, 1 to delete." in result.out
    assert "[partial: --target]" in result.out


def test_target_is_repeatable_and_exact_names_work(cli: Any, env: Any, drifted: Any, tmp_path: Path) -> None:
    result = cli("plan", "--target", "Alpha daily", "--target", "Beta daily", env=env, cwd=tmp_path)
    assert "Partial run: only reports matching Alpha daily, Beta daily (--target)." in result.out
    assert "Plan: 0 to create, 2 to update, 0 to delete." in result.out


def test_apply_target_changes_only_matching_reports(
    cli: Any, env: Any, emulator: Emulator, drifted: Any, tmp_path: Path
) -> None:
    result = cli("apply", "--target", "Beta*", "--auto-approve", env=env, cwd=tmp_path)
    assert result.code == 0, result.err
    assert "Partial run: only reports matching Beta* (--target)." in result.out
    send_at = {r["report_name"]: r["send_at"] for r in emulator.reports()}
    assert send_at == {
        "Alpha daily": "12:00",
        "Alpha weekly": "12:00",
        "Beta daily": "09:00",
        "Alpha stray": "09:00",
        "Beta stray": "09:00",
    }


def test_plan_json_marks_partial_run(cli: Any, env: Any, drifted: Any, tmp_path: Path) -> None:
    result = cli("plan", "--target", "Beta*", "--format", "json", env=env, cwd=tmp_path)
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert (data["partial"], data["targets"]) == (True, ["Beta*"])
    assert [c["report_name"] for c in data["changes"]] == ["Beta daily"]


# -- several projects: one URL, the key selects the project (as on the real API) -----------------------

KEY_B = "test_sk_second_project_key_987654"


class KeyRouter(ThreadingHTTPServer):
    """A loopback front that forwards each request to the emulator whose key it carries."""

    daemon_threads = True

    def __init__(self, backends: dict[str, Emulator]) -> None:
        super().__init__(("127.0.0.1", 0), _Forward)
        self.backends = backends

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v4"


class _Forward(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: KeyRouter

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _forward(self) -> None:
        key = self.headers.get("Authorization", "").removeprefix("Bearer ")
        backend = self.server.backends.get(key) or next(iter(self.server.backends.values()))
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) or None
        url = backend.url.removesuffix("/v4") + self.path
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
        request = urllib.request.Request(url, body, headers, method=self.command)
        try:
            with urllib.request.urlopen(request) as answer:
                status, payload, reply_headers = answer.status, answer.read(), answer.headers
        except urllib.error.HTTPError as error:
            status, payload, reply_headers = error.code, error.read(), error.headers
        self.send_response(status)
        for name, value in reply_headers.items():
            if name.lower() not in ("content-length", "connection", "date", "server", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = _forward


@pytest.fixture
def two_projects(emulator: Emulator, tmp_path: Path) -> Iterator[tuple[dict[str, str], Emulator, Emulator]]:
    with Emulator(key=KEY_B, seed=8) as second:
        router = KeyRouter({KEY: emulator, KEY_B: second})
        thread = threading.Thread(target=router.serve_forever, daemon=True)
        thread.start()
        try:
            env = {"QONVERSION_API_URL": router.url, "APP_KEY": KEY, "WEB_KEY": KEY_B}
            yield env, emulator, second
        finally:
            router.shutdown()
            router.server_close()


CONFIG = """\
projects:
  app:
    reports: reports/app
    key_env: APP_KEY
  web:
    reports: reports/web
    key_env: WEB_KEY
    ignore: ["Manual*"]
"""


def test_plan_shows_one_section_per_project_and_one_summary(
    two_projects: Any, cli: Any, tmp_path: Path
) -> None:
    env, app, web = two_projects
    (tmp_path / "reportsync.yaml").write_text(CONFIG, encoding="utf-8")
    write_reports(tmp_path / "reports" / "app", [report("App daily"), report("App weekly")])
    write_reports(tmp_path / "reports" / "web", [report("Web daily")])
    app.add_report(report("App daily"))
    web.add_report(report("Manual export"))
    result = cli("plan", "--detailed-exitcode", env=env, cwd=tmp_path)
    assert result.code == 2, result.err
    app_part, web_part = result.out.split("== project web ==")
    assert app_part.startswith("== project app ==")
    assert '+ create "App weekly"' in app_part and "Web daily" not in app_part
    assert "Plan: 1 to create, 0 to update, 0 to delete. (1 unchanged, 0 unmanaged)" in app_part
    assert '+ create "Web daily"' in web_part and "App" not in web_part
    assert '? "Manual export" (production)' in web_part and "(ignored by config)" in web_part
    assert result.out.count("All projects:") == 1
    assert "All projects: 2 to create, 0 to update, 0 to delete. (1 unchanged, 1 unmanaged)" in result.out


def test_apply_writes_each_project_with_its_own_key(two_projects: Any, cli: Any, tmp_path: Path) -> None:
    env, app, web = two_projects
    (tmp_path / "reportsync.yaml").write_text(CONFIG, encoding="utf-8")
    write_reports(tmp_path / "reports" / "app", [report("App daily")])
    write_reports(tmp_path / "reports" / "web", [report("Web daily")])
    result = cli("apply", "--auto-approve", env=env, cwd=tmp_path)
    assert result.code == 0, result.err
    assert result.out.count("All projects: Apply complete: 2 created, 0 updated, 0 deleted.") == 1
    assert [r["report_name"] for r in app.reports()] == ["App daily"]
    assert [r["report_name"] for r in web.reports()] == ["Web daily"]
    again = cli("plan", "--project", "web", env=env, cwd=tmp_path)
    assert "No changes. Remote reports match reports/web/." in again.out
    assert "App daily" not in again.out


def test_a_missing_project_key_names_its_variable(two_projects: Any, cli: Any, tmp_path: Path) -> None:
    env, _, _ = two_projects
    (tmp_path / "reportsync.yaml").write_text(CONFIG, encoding="utf-8")
    write_reports(tmp_path / "reports" / "app", [report("App daily")])
    write_reports(tmp_path / "reports" / "web", [report("Web daily")])
    result = cli("plan", env={k: v for k, v in env.items() if k != "WEB_KEY"}, cwd=tmp_path)
    assert result.code == 1
    assert "WEB_KEY is not set" in result.err
    assert KEY not in result.err + result.out


def test_import_into_each_project(two_projects: Any, cli: Any, tmp_path: Path) -> None:
    env, app, web = two_projects
    (tmp_path / "reportsync.yaml").write_text(CONFIG, encoding="utf-8")
    app.add_report(report("App daily"))
    web.add_report(report("Web daily"))
    web.add_report(report("Manual export"))
    result = cli("import", env=env, cwd=tmp_path)
    assert result.code == 0, result.err
    assert sorted(p.name for p in (tmp_path / "reports" / "app").iterdir()) == ["app-daily.yaml"]
    assert sorted(p.name for p in (tmp_path / "reports" / "web").iterdir()) == ["web-daily.yaml"]
    plan = cli("plan", "--detailed-exitcode", env=env, cwd=tmp_path)
    assert plan.code == 0, plan.out + plan.err


def test_apply_json_with_several_projects_is_one_document(
    two_projects: Any, cli: Any, tmp_path: Path
) -> None:
    env, _, _ = two_projects
    (tmp_path / "reportsync.yaml").write_text(CONFIG, encoding="utf-8")
    write_reports(tmp_path / "reports" / "app", [report("App daily")])
    write_reports(tmp_path / "reports" / "web", [report("Web daily")])
    result = cli("apply", "--auto-approve", "--format", "json", env=env, cwd=tmp_path)
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert [p["project"] for p in data["projects"]] == ["app", "web"]
    assert all(p["summary"]["created"] == 1 for p in data["projects"])
