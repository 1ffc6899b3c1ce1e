"""`reportsync validate FILE...`: just the named files, identities still checked against their folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import REPORT_YAML, report, run_cli, write_reports

BROKEN = REPORT_YAML.replace("Daily revenue", "Broken").replace('"09:00"', '"07:15"')


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    folder = write_reports(tmp_path / "reports", [report("Daily revenue"), report("Weekly churn", id="abc")])
    (folder / "zz-broken.yaml").write_text(BROKEN, encoding="utf-8")
    return tmp_path


# One row per kind: (files written first, files named, exit status, problem texts expected, summary).
CASES = [
    ({"new.yaml": report("New report")}, ["reports/new.yaml"], 0, [], "1 report in 1 file: all valid."),
    (
        {"new.yaml": report("Daily revenue")},
        ["reports/new.yaml"],
        1,
        ['reports/new.yaml:1: report "Daily revenue" (production) is also declared in reports/r0000.yaml'],
        "1 problem in 1 of 1 file.",
    ),
    (
        {"a-first.yaml": report("Weekly churn")},
        ["reports/a-first.yaml"],
        1,
        ['reports/a-first.yaml:1: report "Weekly churn" (production) is also declared in reports/r0001'],
        "1 problem in 1 of 1 file.",
    ),
    (
        {"pin.yaml": report("Other", id="abc")},
        ["reports/pin.yaml"],
        1,
        ['reports/pin.yaml:1: id "abc" is also pinned in reports/r0001.yaml'],
        "1 problem in 1 of 1 file.",
    ),
    ({}, ["reports/r0000.yaml", "./reports/r0000.yaml"], 0, [], "1 report in 1 file: all valid."),
    ({}, ["reports/zz-broken.yaml"], 1, ["reports/zz-broken.yaml:2:10: send_at:"], "in 1 of 1 file."),
    ({}, ["reports/gone.yaml"], 1, ["reports/gone.yaml: cannot read file"], "1 problem in 1 of 1 file."),
    ({}, ["README.yaml", ".github/workflows/plan.yml"], 0, [], "0 reports in 0 files: all valid."),
]


@pytest.mark.parametrize(("extra", "named", "code", "expected", "summary"), CASES)
def test_named_files_are_checked_alone_but_against_their_folder(
    repo: Path,
    extra: dict[str, dict[str, object]],
    named: list[str],
    code: int,
    expected: list[str],
    summary: str,
) -> None:
    for name, data in extra.items():
        (repo / "reports" / name).write_text(json.dumps(data), encoding="utf-8")
    done = run_cli("validate", *named, cwd=repo)
    assert done.code == code, done.out + done.err
    lines = done.out.splitlines()
    assert len(lines) == len(expected) + 1, done.out
    for line, text in zip(lines, expected, strict=False):
        assert line.startswith(text), done.out
    assert summary in lines[-1]
    assert "zz-broken" not in done.out or "zz-broken" in " ".join(named)


def test_files_outside_the_reports_folder_are_named_as_skipped(repo: Path) -> None:
    (repo / "notes.yaml").write_text("a: 1\n", encoding="utf-8")
    done = run_cli("validate", "notes.yaml", "reports/r0000.yaml", cwd=repo)
    assert done.code == 0, done.out + done.err
    assert 'Not checked (1 file, not in a reports folder): "notes.yaml".' in done.err
    assert done.out.strip() == "1 report in 1 file: all valid."


def test_named_files_in_each_project_of_a_config(tmp_path: Path) -> None:
    (tmp_path / "reportsync.yaml").write_text(
        "projects:\n  app:\n    reports: reports/app\n  web:\n    reports: reports/web\n", encoding="utf-8"
    )
    write_reports(tmp_path / "reports" / "app", [report("Same name")])
    write_reports(tmp_path / "reports" / "web", [report("Same name"), report("Other")])
    (tmp_path / "reports" / "web" / "dup.yaml").write_text(REPORT_YAML.replace("Daily revenue", "Other"))
    done = run_cli(
        "validate", "reports/app/r0000.yaml", "reports/web/dup.yaml", "--format", "json", cwd=tmp_path
    )
    data = json.loads(done.out)
    assert done.code == 1 and (data["files"], data["reports"]) == (2, 2)
    assert [p["file"] for p in data["problems"]] == ["reports/web/dup.yaml"]
    assert "also declared in reports/web/r0001.yaml" in data["problems"][0]["message"]


def test_what_a_whole_folder_run_would_not_read_is_not_checked(tmp_path: Path) -> None:
    """reports: . takes the whole repository: its workflows (hidden folder) are still no report files."""
    (tmp_path / "reportsync.yaml").write_text("reports: .\n", encoding="utf-8")
    write_reports(tmp_path / "team", [report("Daily revenue")])
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "plan.yml").write_text("on: push\n", encoding="utf-8")
    (tmp_path / "team" / "notes.txt").write_text("x\n", encoding="utf-8")
    named = [".github/workflows/plan.yml", "team/notes.txt", "team/r0000.yaml", "team/r0000.yaml"]
    done = run_cli("validate", *named, cwd=tmp_path)
    assert done.code == 0, done.out + done.err
    assert done.out.strip() == "1 report in 1 file: all valid."
    assert (
        'Not checked (2 files, not in a reports folder): ".github/workflows/plan.yml", "team/notes.txt".'
        in (done.err)
    )


@pytest.mark.parametrize("named", ["reports", "reports/", "./reports", "reports/sub", "."])
def test_a_folder_named_as_file_is_refused_not_called_valid(repo: Path, named: str) -> None:
    """`validate reports/` must not answer "0 reports in 0 files: all valid." over a broken folder."""
    (repo / "reports" / "sub").mkdir()
    result = run_cli("validate", named, cwd=repo)
    assert result.code == 1, result.out
    assert "all valid" not in result.out
    assert "is a folder: validate FILE... names files; `reportsync validate` checks the whole" in result.err
    as_json = json.loads(run_cli("validate", named, "--format", "json", cwd=repo).out)
    assert as_json["error"]["exit_status"] == 1
