"""The project config reportsync.yaml: shapes, defaults, flags laid over it, every error with its line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import KEY, report, write_reports

from reportsync.config import Project, load_config
from reportsync.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = "reportsync-config.schema.json"


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "reportsync.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def config_error(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(config(tmp_path, text))
    return info.value.full_text


def test_schema_copies_are_byte_identical() -> None:
    repo = (ROOT / "schema" / SCHEMA).read_bytes()
    packaged = (ROOT / "src" / "reportsync" / "schema" / SCHEMA).read_bytes()
    assert repo == packaged
    json.loads(repo)


def test_single_project_at_top_level(tmp_path: Path) -> None:
    text = """\
reports: reports/prod
key_env: QONVERSION_PROD_KEY
parallelism: 8
prune: true
max_change_percent: 50
min_existing: 3
ignore: ["Legacy *", "Manual ?"]
"""
    (project,) = load_config(config(tmp_path, text))
    assert project == Project(
        name="default",
        reports=str(tmp_path / "reports" / "prod"),
        key_env="QONVERSION_PROD_KEY",
        prune=True,
        parallelism=8,
        max_change_percent=50.0,
        min_existing=3,
        ignore=("Legacy *", "Manual ?"),
        root=str(tmp_path),
    )


def test_defaults_for_unset_keys(tmp_path: Path) -> None:
    (project,) = load_config(config(tmp_path, "prune: false\n"))
    assert project == Project(reports=str(tmp_path / "reports"), root=str(tmp_path))


def test_several_projects_in_file_order(tmp_path: Path) -> None:
    text = """\
projects:
  web:
    reports: reports/web
    key_env: WEB_KEY
  app:
    reports: reports/app
    key_env: APP_KEY
    ignore: ["Manual*"]
"""
    web, app = load_config(config(tmp_path, text))
    assert (web.name, web.reports, web.key_env) == ("web", str(tmp_path / "reports/web"), "WEB_KEY")
    assert (app.name, app.key_env, app.ignore) == ("app", "APP_KEY", ("Manual*",))


def test_reports_folder_is_relative_to_the_config_file(tmp_path: Path) -> None:
    sub = tmp_path / "ops"
    sub.mkdir()
    (tmp_path / ".git").mkdir()  # the repository holding ops/ and reports/
    (project,) = load_config(config(sub, "reports: ../reports\n"))
    assert project.reports == str(sub / ".." / "reports")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "reports: reports\nprunee: true\n",
            'reportsync.yaml:2:1: unknown field "prunee" (did you mean "prune"?)',
        ),
        ("parallelism: four\n", 'reportsync.yaml:1:14: parallelism: "four" must be a whole number'),
        ("parallelism: 0\n", "reportsync.yaml:1:14: parallelism: 0 is less than the minimum of 1"),
        ("prune: maybe\n", 'reportsync.yaml:1:8: prune: "maybe" must be true or false'),
        ("max_change_percent: 150\n", "reportsync.yaml:1:21: max_change_percent: 150"),
        ("min_existing: -1\n", "reportsync.yaml:1:15: min_existing: -1"),
        ("ignore: Legacy*\n", 'reportsync.yaml:1:9: ignore: "Legacy*" must be a list'),
        ("ignore:\n  - ok\n  - ''\n", "reportsync.yaml:3:5: ignore[1]: must not be empty"),
        ("reports: ''\n", "reportsync.yaml:1:10: reports: must not be empty"),
        ("key_env: my-key\n", "reportsync.yaml:1:10: key_env: must be the NAME of an environment variable"),
        ("projects: {}\n", "reportsync.yaml:1:11: projects: must list at least one project"),
        ("projects:\n  web: [1]\n", "reportsync.yaml:2:8: projects.web: a list must be a mapping"),
        (
            "projects:\n  web:\n    key_env: WEB_KEY\n    prune: 1\n",
            "reportsync.yaml:4:12: projects.web.prune: 1 must be true or false",
        ),
        (
            "projects:\n  web:\n    reports: web\nparallelism: 2\n",
            "reportsync.yaml:4:1: parallelism: with `projects:`, settings go inside each project",
        ),
        ("projects:\n  my project: {}\n", 'reportsync.yaml:2:3: project name "my project" must be'),
        ("- reports\n", "reportsync.yaml:1:1: the config must be a mapping of settings"),
        ("reports: a\n---\nreports: b\n", "reportsync.yaml:3:1: the config must be a single YAML document"),
        ("reports: a\nreports: b\n", 'reportsync.yaml:2:1: duplicate key "reports" (first set on line 1)'),
        ("reports: a\n\tprune: true\n", "reportsync.yaml:2:1: tab character"),
        ("# nothing yet\n", "reportsync.yaml:1: the config is empty"),
    ],
)
def test_each_error_names_file_line_and_column(
    tmp_path: Path, monkeypatch: Any, text: str, expected: str
) -> None:
    config(tmp_path, text)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as info:
        load_config(Path("reportsync.yaml"))
    assert info.value.full_text.startswith(expected), info.value.full_text


@pytest.mark.parametrize("key", ["sk_live_4f9a8b7c6d5e", "test_sk_0123456789abcdef"])
def test_a_literal_key_is_refused_and_never_echoed(tmp_path: Path, key: str) -> None:
    message = config_error(tmp_path, f"reports: reports\nkey_env: {key}\n")
    assert ":2:10: key_env: looks like a secret key; keys never go in the file" in message
    assert key not in message


def test_a_literal_key_inside_a_project_is_refused(tmp_path: Path) -> None:
    key = "sk_live_abcdef123456"
    message = config_error(tmp_path, f"projects:\n  web:\n    key_env: '{key}'\n")
    assert ":3:14: projects.web.key_env: looks like a secret key" in message
    assert key not in message


def test_all_problems_are_reported_in_line_order(tmp_path: Path) -> None:
    message = config_error(tmp_path, "parallelism: 0\nprunee: true\nkey_env: 9X\n")
    lines = [part.split(":")[1] for part in message.split("\n") if part.startswith(str(tmp_path))]
    assert lines == ["1", "2", "3"]


# -- through the CLI: the config is found, flags override it, errors are one line ------------------


def test_cli_reads_config_and_flags_override_it(tmp_path: Path, cli: Any, emulator: Any, env: Any) -> None:
    write_reports(tmp_path / "from-config", [report("Configured")])
    write_reports(tmp_path / "from-flag", [report("Flagged")])
    (tmp_path / "reportsync.yaml").write_text("reports: from-config\n", encoding="utf-8")
    result = cli("plan", env=env, cwd=tmp_path)
    assert result.code == 0, result.err
    assert '+ create "Configured"' in result.out
    result = cli("plan", "--reports", "from-flag", env=env, cwd=tmp_path)
    assert '+ create "Flagged"' in result.out
    assert "Configured" not in result.out


def test_cli_uses_the_configured_key_env(tmp_path: Path, cli: Any, emulator: Any) -> None:
    write_reports(tmp_path / "reports", [report()])
    (tmp_path / "reportsync.yaml").write_text("key_env: TEAM_QON_KEY\n", encoding="utf-8")
    result = cli("plan", env={"QONVERSION_API_URL": emulator.url, "TEAM_QON_KEY": KEY}, cwd=tmp_path)
    assert result.code == 0, result.err
    assert '+ create "Daily revenue"' in result.out


def test_cli_config_error_names_its_place(tmp_path: Path, cli: Any, env: Any) -> None:
    (tmp_path / "reportsync.yaml").write_text("reports: reports\nparallelism: many\n", encoding="utf-8")
    result = cli("plan", env=env, cwd=tmp_path)
    assert result.code == 1
    assert result.err.strip().splitlines() == [
        'reportsync.yaml:2:14: parallelism: "many" must be a whole number',
        "Error: 1 problem in reportsync.yaml; nothing was done.",
    ]
    assert result.out == ""


def test_cli_explicit_config_path(tmp_path: Path, cli: Any, env: Any) -> None:
    (tmp_path / "ops").mkdir()
    (tmp_path / "ops" / "rs.yaml").write_text("prune: yes please\n", encoding="utf-8")
    result = cli("plan", "--config", "ops/rs.yaml", env=env, cwd=tmp_path)
    assert result.code == 1
    assert "ops/rs.yaml:1:8: prune:" in result.err


def test_validate_follows_the_config_and_checks_identities_per_project(
    tmp_path: Path, cli: Any, monkeypatch: Any
) -> None:
    text = "projects:\n  app:\n    reports: qon/app\n  web:\n    reports: qon/web\n"
    (tmp_path / "reportsync.yaml").write_text(text, encoding="utf-8")
    for name in ("app", "web"):
        write_reports(tmp_path / "qon" / name, [report("Daily revenue")])
    result = cli("validate", cwd=tmp_path)
    assert result.code == 0, result.out + result.err
    assert "2 reports in 2 files: all valid." in result.out
    only = cli("validate", "--project", "web", cwd=tmp_path)
    assert only.code == 0 and "1 report in 1 file: all valid." in only.out
    write_reports(tmp_path / "qon" / "web", [report("Daily revenue"), report("Daily revenue")])
    dup = cli("validate", cwd=tmp_path)
    assert dup.code == 1 and "also declared in" in dup.out
