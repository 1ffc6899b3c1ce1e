"""`reportsync show`: one remote report as the YAML a file would hold, with its id, runs and file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import report, write_reports

from reportsync.emulator import Emulator


def test_show_by_name_prints_the_file_a_report_would_be(
    tmp_path: Path, cli: Any, emulator: Emulator, env: Any
) -> None:
    made = emulator.add_report(report("Daily revenue", send_at="06:30"))
    write_reports(tmp_path / "reports", [report("Daily revenue", send_at="06:00")])
    result = cli("show", "Daily revenue", env=env, cwd=tmp_path)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == f'# "Daily revenue" (production) id {made["id"]}, {made["runs"]} runs'.replace(
        " 1 runs", " 1 run"
    )
    assert "# managed by reports/r0000.yaml:1" in lines
    data = yaml.safe_load(result.out)
    assert data["id"] == made["id"] and data["send_at"] == "06:30"
    # the text is a valid report file: pasted into reports/, plan shows no changes for it
    (tmp_path / "reports" / "r0000.yaml").write_text(result.out, encoding="utf-8")
    assert "No changes. Remote reports match" in cli("plan", env=env, cwd=tmp_path).out


def test_show_by_id_both_environments_and_json(
    tmp_path: Path, cli: Any, emulator: Emulator, env: Any
) -> None:
    prod = emulator.add_report(report("Twin"))
    sand = emulator.add_report(report("Twin", environment="sandbox"))
    both = cli("show", "Twin", env=env, cwd=tmp_path)
    assert both.code == 0
    assert [d["id"] for d in yaml.safe_load_all(both.out)] == [prod["id"], sand["id"]]
    assert "no file manages it" in both.out
    one = cli("show", "Twin", "--environment", "sandbox", env=env, cwd=tmp_path)
    assert yaml.safe_load(one.out)["id"] == sand["id"]
    by_id = json.loads(cli("show", "--id", prod["id"], "--format", "json", env=env, cwd=tmp_path).out)
    assert by_id[0]["id"] == prod["id"] and by_id[0]["file"]["report_name"] == "Twin"
    assert by_id[0]["managed_by"] is None


def test_show_explains_what_it_cannot_find(tmp_path: Path, cli: Any, emulator: Emulator, env: Any) -> None:
    emulator.add_report(report("Daily revenue"))
    missing = cli("show", "Daily revenu", env=env, cwd=tmp_path)
    assert missing.code == 1
    assert 'no remote report is named "Daily revenu"; did you mean "Daily revenue"?' in missing.err
    wrong_env = cli("show", "Daily revenue", "--environment", "sandbox", env=env, cwd=tmp_path)
    assert 'no remote report "Daily revenue" in sandbox, only in production' in wrong_env.err
    no_id = cli("show", "--id", "nope", env=env, cwd=tmp_path)
    assert no_id.code == 1 and "404" in no_id.err
    bad_id = cli("show", "--id", "a b", env=env, cwd=tmp_path)
    assert bad_id.code == 1 and '"a b" is not a valid report id' in bad_id.err
    neither = cli("show", env=env, cwd=tmp_path)
    assert neither.code == 1 and "show needs a report name or --id ID" in neither.err


def test_show_does_not_call_a_report_unmanaged_when_the_files_cannot_tell(
    tmp_path: Path, cli: Any, emulator: Emulator, env: Any
) -> None:
    """A file that does not read may be the one that manages the report: "import adopts it" would be
    false (and import refuses an invalid folder), so the managing file is unknown."""
    made = emulator.add_report(report("Daily revenue"))
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "daily.yaml").write_text(f"id: {made['id']}\nreport_name: Daily revenue\nsend_at: 9\n")
    result = cli("show", "Daily revenue", env=env, cwd=tmp_path)
    assert result.code == 0, result.err
    assert "no file manages it" not in result.out and "import" not in result.out
    assert "# managing file unknown: reports/ has problems (`reportsync validate` names them)" in result.out
    data = json.loads(cli("show", "--id", made["id"], "--format", "json", env=env, cwd=tmp_path).out)
    assert data[0]["managed_by"] is None and data[0]["managed_by_known"] is False
    # a file that reads still names its report while another file is broken
    (folder / "daily.yaml").unlink()
    write_reports(folder, [report("Daily revenue"), report("Broken", send_at="9")])
    assert "# managed by reports/r0000.yaml:1" in cli("show", "Daily revenue", env=env, cwd=tmp_path).out


@pytest.mark.parametrize("name", ["y ##[error]legacy forged", "##[group]x", "a ##[ b ##["])
def test_a_name_with_a_legacy_workflow_command_still_shows_as_a_valid_file(
    tmp_path: Path, cli: Any, emulator: Emulator, env: Any, name: str
) -> None:
    """Output defuses `##[` for CI logs; show's YAML writes it as an escape that YAML reads back
    (`"##\\x5b"`), so the shown file still pins the same name and plan shows no changes."""
    from channels import runner_commands

    made = emulator.add_report(report(name))
    result = cli("show", "--id", made["id"], env=env, cwd=tmp_path)
    assert result.code == 0, result.err
    assert runner_commands(result.out) == []
    assert yaml.safe_load(result.out)["report_name"] == name
    write_reports(tmp_path / "reports", [])
    (tmp_path / "reports" / "shown.yaml").write_text(result.out, encoding="utf-8")
    assert "No changes. Remote reports match" in cli("plan", env=env, cwd=tmp_path).out
