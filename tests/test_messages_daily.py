"""Messages a user acts on: did-you-mean for values, hints that lead to a valid file, the PR diff."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import REPORT_YAML, report, run_cli, write_reports

from reportsync.emulator import Emulator


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "status: active",
            "status: Active",
            'status: "Active" is not one of "draft", "active" (did you mean "active"?)',
        ),
        ("status: active", "status: actve", '(did you mean "active"?)'),
        ("status: active", "status: DRAFT", '(did you mean "draft"?)'),
        ("environment: production", "environment: prod", '(did you mean "production"?)'),
        ("environment: production", "environment: sand", '(did you mean "sandbox"?)'),
        (
            "environment: production",
            "environment: staging",
            '"staging" is not one of "sandbox", "production"',
        ),
    ],
)
def test_enum_values_get_did_you_mean(tmp_path: Path, old: str, new: str, message: str) -> None:
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "a.yaml").write_text(REPORT_YAML.replace(old, new), encoding="utf-8")
    result = run_cli("validate", cwd=tmp_path)
    assert result.code == 1 and message in result.out
    if new.endswith("staging"):
        assert "did you mean" not in result.out


@pytest.mark.parametrize("word", ["on", "yes", "off", "true"])
def test_the_boolean_hint_leads_to_a_valid_value(tmp_path: Path, word: str) -> None:
    """Following the message must give a valid file: quoting "on" would not, so it names the values."""
    (tmp_path / "reports").mkdir()
    path = tmp_path / "reports" / "a.yaml"
    path.write_text(REPORT_YAML.replace("status: active", f"status: {word}"), encoding="utf-8")
    result = run_cli("validate", cwd=tmp_path)
    assert 'must be one of "draft", "active"' in result.out and "put it in quotes" not in result.out
    for key in ("environment: production", "included_range_days: 1"):
        bad = REPORT_YAML.replace(key, key.split(":")[0] + f": {word}")
        path.write_text(bad, encoding="utf-8")
        assert "put it in quotes" not in run_cli("validate", cwd=tmp_path).out


def test_unknown_destination_points_at_its_id_line(
    tmp_path: Path, cli: Any, emulator: Emulator, env: Any
) -> None:
    (tmp_path / "reports").mkdir()
    text = REPORT_YAML + "  - type: target_integration\n    id: int-wh-99\n"
    (tmp_path / "reports" / "a.yaml").write_text(text, encoding="utf-8")
    result = cli("plan", env=env, cwd=tmp_path)
    assert result.code == 1
    assert "reports/a.yaml:10: unknown destination target_integration:int-wh-99" in result.err


@pytest.mark.parametrize(("suffix", "hinted"), [("", True), ("/v3", True), ("/v4", False), ("/v4/", False)])
def test_an_api_url_without_v4_gets_a_hint(
    tmp_path: Path, cli: Any, emulator: Emulator, env: Any, suffix: str, hinted: bool
) -> None:
    url = env["QONVERSION_API_URL"].removesuffix("/v4") + suffix
    result = cli("destinations", env={**env, "QONVERSION_API_URL": url}, cwd=tmp_path)
    assert ("does not end in /v4" in result.err) is hinted
    if hinted:
        assert "404" in result.err and result.code == 1


def test_pr_comment_shows_what_changes_and_colours_as_a_diff(
    tmp_path: Path, cli: Any, emulator: Emulator, env: Any
) -> None:
    emulator.add_report(report("Daily revenue", send_at="08:00"))
    emulator.add_report(report("Gone"))
    write_reports(
        tmp_path / "reports",
        [
            report(
                "Daily revenue",
                send_at="08:30",
                destinations=[{"type": "target_integration", "id": "int-wh-02"}],
            ),
            report("New"),
        ],
    )
    markdown = cli("plan", "--format", "markdown", "--prune", env=env, cwd=tmp_path).out
    row = next(line for line in markdown.splitlines() if "Daily revenue" in line and line.startswith("|"))
    assert "| `send_at 08:00 → 08:30; destinations +int-wh-02 −int-wh-01` |" in row
    details = markdown.split("```diff\n")[1].split("```")[0]
    lines = [line for line in details.splitlines() if line]
    # GitHub colours lines by their first character; hints stay neutral context
    assert all(line[0] in "+-@" or line.startswith("      hint:") for line in lines), lines
    assert '-     send_at: "08:00"' in lines and '+     send_at: "08:30"' in lines
    assert any(line.startswith('+ create "New"') for line in lines)
    assert any(line.startswith('- delete "Gone"') for line in lines)


@pytest.mark.parametrize(
    ("setup", "summary"),
    [
        ("missing", "1 problem; 0 files read."),  # not "1 problem in 1 of 0 files."
        ("file", "1 problem; 0 files read."),
        ("two projects, one missing", "1 problem; 1 file read."),
    ],
)
def test_the_summary_never_counts_more_bad_files_than_files(tmp_path: Path, setup: str, summary: str) -> None:
    if setup == "file":
        (tmp_path / "reports").write_text("not a folder\n", encoding="utf-8")
    if setup.startswith("two"):
        write_reports(tmp_path / "a", [report()])
        (tmp_path / "reportsync.yaml").write_text(
            "projects:\n  a:\n    reports: a\n  b:\n    reports: b\n    key_env: KEY_B\n", encoding="utf-8"
        )
    result = run_cli("validate", cwd=tmp_path)
    assert result.code == 1
    assert result.out.splitlines()[-1] == summary, result.out
