"""Two configured projects must not be one remote project: same key, or listings sharing an id."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import KEY, report, run_cli, write_reports

from reportsync.commands.plan import ProjectState, refuse_shared_remote
from reportsync.config import Project
from reportsync.emulator import Emulator
from reportsync.errors import SafetyError
from reportsync.models import RemoteReport

CONFIG = """projects:
  app:
    reports: reports/app
    key_env: {app}
  web:
    reports: reports/web
    key_env: {web}
"""


def two_projects(tmp_path: Path, emulator: Emulator, app: str = "APP_KEY", web: str = "WEB_KEY") -> None:
    emulator.add_report(report("App daily"))
    emulator.add_report(report("Web daily"))
    write_reports(tmp_path / "reports" / "app", [report("App daily")])
    write_reports(tmp_path / "reports" / "web", [report("Web daily")])
    (tmp_path / "reportsync.yaml").write_text(CONFIG.format(app=app, web=web), encoding="utf-8")


@pytest.mark.parametrize(
    "argv",
    [
        ("plan", "--project", "web", "--prune", "--force"),
        ("apply", "--project", "web", "--prune", "--force", "--auto-approve"),
        ("plan",),
        ("apply", "--auto-approve", "--prune"),
    ],
)
def test_projects_with_the_same_key_are_refused_before_anything_is_planned(
    tmp_path: Path, emulator: Emulator, argv: tuple[str, ...]
) -> None:
    two_projects(tmp_path, emulator)
    env = {"APP_KEY": KEY, "WEB_KEY": f" {KEY}\n", "QONVERSION_API_URL": emulator.url}
    before = emulator.reports()
    emulator.reset_counts()
    result = run_cli(*argv, env=env, cwd=tmp_path)
    assert result.code == 3, result.out + result.err
    assert "projects app and web use the same secret key (APP_KEY and WEB_KEY)" in result.err
    assert KEY not in result.out + result.err
    assert emulator.reports() == before and not emulator.counts  # nothing read, nothing deleted


def test_projects_reading_one_variable_are_refused(tmp_path: Path, emulator: Emulator) -> None:
    two_projects(tmp_path, emulator, app="SHARED_KEY", web="SHARED_KEY")
    env = {"SHARED_KEY": KEY, "QONVERSION_API_URL": emulator.url}
    result = run_cli("plan", "--project", "app", "--prune", env=env, cwd=tmp_path)
    assert result.code == 3 and "projects app and web use the same secret key" in result.err
    assert len(emulator.reports()) == 2


def test_projects_with_their_own_keys_plan_as_before(tmp_path: Path, emulator: Emulator) -> None:
    two_projects(tmp_path, emulator)
    env = {"APP_KEY": KEY, "QONVERSION_API_URL": emulator.url}  # web's key is unset: not compared
    result = run_cli("plan", "--project", "app", env=env, cwd=tmp_path)
    assert result.code == 0, result.err


def _state(name: str, *ids: str) -> ProjectState:
    reports = tuple(RemoteReport(i, report(f"R {i}")) for i in ids)
    return ProjectState(Project(name=name), (), reports, ())


@pytest.mark.parametrize(
    ("states", "refused"),
    [
        ([_state("app", "a1", "a2"), _state("web", "w1")], None),
        (
            [_state("app", "a1", "x"), _state("web", "w1", "x")],
            "projects app and web both list remote report x",
        ),
        ([_state("a", "1"), _state("b", "2"), _state("c", "3", "1")], "projects a and c both list"),
        ([_state("app"), _state("web")], None),
    ],
)
def test_listings_sharing_an_id_are_refused(states: list[ProjectState], refused: str | None) -> None:
    if refused is None:
        refuse_shared_remote(states)
    else:
        with pytest.raises(SafetyError, match=refused):
            refuse_shared_remote(states)


@pytest.mark.parametrize("argv", [("import",), ("import", "--dry-run"), ("refresh",)])
def test_import_and_refresh_refuse_projects_with_the_same_key(
    tmp_path: Path, emulator: Emulator, argv: tuple[str, ...]
) -> None:
    # import would write each remote report into both projects' folders (and claim `plan` shows no
    # changes, when plan then refuses): one remote project is refused by every command that plans.
    two_projects(tmp_path, emulator)
    emulator.add_report(report("Nobody's"))
    env = {"APP_KEY": KEY, "WEB_KEY": KEY, "QONVERSION_API_URL": emulator.url}
    files = sorted(p.name for p in (tmp_path / "reports").rglob("*.yaml"))
    emulator.reset_counts()
    result = run_cli(*argv, env=env, cwd=tmp_path)
    assert result.code == 3, result.out + result.err
    assert "projects app and web use the same secret key" in result.err
    assert sorted(p.name for p in (tmp_path / "reports").rglob("*.yaml")) == files
    assert not emulator.counts


FOLDERS = "projects:\n  app:\n{app}    key_env: APP_KEY\n  web:\n{web}    key_env: WEB_KEY\n"


@pytest.mark.parametrize(
    ("app", "web", "line", "shared"),
    [
        ("", "    reports: reports/web\n", 5, "reports/web is inside reports"),  # app's default folder
        (
            "    reports: reports/app\n",
            "    reports: reports/app/\n",
            6,
            "reports/app is the same folder as reports/app",
        ),
        (
            "    reports: reports/app/web\n",
            "    reports: reports/./app\n",
            6,
            "reports/app/web is inside reports/app",
        ),
        (
            "    reports: linked\n",
            "    reports: reports/app\n",
            6,
            "reports/app is the same folder as linked",
        ),  # a link
    ],
)
def test_projects_reading_the_same_files_are_refused(
    tmp_path: Path, emulator: Emulator, app: str, web: str, line: int, shared: str
) -> None:
    # One file read by two projects declares its report in both: each creates it in its own remote
    # project (and import and refresh write one project's reports into the other's files).
    (tmp_path / ".git").mkdir()
    write_reports(tmp_path / "reports" / "app" / "web", [report("Web only")])
    (tmp_path / "linked").symlink_to(tmp_path / "reports" / "app")
    (tmp_path / "reportsync.yaml").write_text(FOLDERS.format(app=app, web=web), encoding="utf-8")
    env = {"APP_KEY": KEY, "WEB_KEY": "test_sk_web", "QONVERSION_API_URL": emulator.url}
    for argv in (("validate",), ("plan",), ("apply", "--auto-approve")):
        result = run_cli(*argv, env=env, cwd=tmp_path)
        assert result.code == 1, result.out + result.err
        assert f"reportsync.yaml:{line}:" in result.err, result.err
        assert "projects app and web read the same report files" in result.err
        assert shared in result.err
    assert emulator.reports() == []


def test_projects_in_sibling_folders_are_not_refused(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write_reports(tmp_path / "reports" / "app", [report("App daily")])
    write_reports(tmp_path / "reports" / "application", [report("App daily")])
    config = FOLDERS.format(app="    reports: reports/app\n", web="    reports: reports/application\n")
    (tmp_path / "reportsync.yaml").write_text(config, encoding="utf-8")
    assert run_cli("validate", cwd=tmp_path).code == 0
