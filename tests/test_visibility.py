"""Renames and removals are visible: a rename hint naming the id to pin, no false "match" headline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import report, write_reports

from reportsync.emulator import Emulator
from reportsync.models import Destination, RemoteReport
from reportsync.plan import build_plan
from reportsync.validate import load_desired


def test_renaming_a_file_without_id_hints_at_the_id_to_pin(
    tmp_path: Path, cli: Any, emulator: Emulator, env: Any
) -> None:
    old = emulator.add_report(report("Daily revenue", send_at="06:00"))
    emulator.add_report(report("Other", send_at="06:00", included_range_days=7))
    write_reports(tmp_path / "reports", [report("Daily revenue (EU)", send_at="06:00")])
    result = cli("plan", env=env, cwd=tmp_path)
    assert result.code == 0, result.err
    assert f'hint: "Daily revenue" (production) id {old["id"]} has the same fields' in result.out
    assert f"add `id: {old['id']}` to reports/r0000.yaml" in result.out
    assert "Other" not in result.out.split("Unmanaged")[0]
    data = json.loads(cli("plan", "--format", "json", env=env, cwd=tmp_path).out)
    assert data["renames"] == [
        {
            "file": "reports/r0000.yaml",
            "line": 1,
            "environment": "production",
            "report_name": "Daily revenue (EU)",
            "old_name": "Daily revenue",
            "id": old["id"],
        }
    ]
    markdown = cli("plan", "--format", "markdown", env=env, cwd=tmp_path).out
    assert f"add `id: {old['id']}`" in markdown
    # pinning the id, as the hint says, turns the create into the rename
    (tmp_path / "reports" / "r0000.yaml").write_text(
        f"id: {old['id']}\n" + (tmp_path / "reports" / "r0000.yaml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    pinned = cli("plan", env=env, cwd=tmp_path)
    assert '~ update "Daily revenue (EU)"' in pinned.out and "hint:" not in pinned.out


@pytest.mark.parametrize(
    ("remote_fields", "hinted"),
    [
        ({}, True),
        ({"send_at": "10:00"}, False),
        ({"environment": "sandbox"}, False),
        ({"destinations": [{"type": "target_integration", "id": "int-wh-02"}]}, False),
        ({"destinations": [{"type": "target_integration", "id": "int-wh-01", "label": "x"}]}, True),
    ],
)
def test_rename_hint_needs_every_field_but_the_name_equal(
    remote_fields: dict[str, Any], hinted: bool
) -> None:
    from reportsync.loader import parse_documents
    from reportsync.validate import check_document

    spec, _ = check_document(parse_documents(json.dumps(report("New")), "f.yaml")[0])
    assert spec is not None
    remote = RemoteReport("r1", report("Old", **remote_fields))
    listing = [Destination("target_integration", i) for i in ("int-wh-01", "int-wh-02")]
    plan = build_plan([spec], [remote], listing)
    assert bool(plan.renames) is hinted


def test_a_deleted_file_is_not_reported_as_a_match(
    tmp_path: Path, cli: Any, emulator: Emulator, env: Any
) -> None:
    kept = emulator.add_report(report("Kept"))
    gone = emulator.add_report(report("Deleted file"))
    also = emulator.add_report(report("Made by hand"))
    write_reports(tmp_path / "reports", [report("Kept")])
    result = cli("plan", "--detailed-exitcode", env=env, cwd=tmp_path)
    assert result.code == 0
    assert "Remote reports match" not in result.out
    assert result.out.startswith(
        "No changes to the reports in reports/, but 2 remote reports no file declares are still running; "
        "`--prune` would delete them (listed below)."
    )
    markdown = cli("plan", "--format", "markdown", env=env, cwd=tmp_path).out
    assert "Remote reports match" not in markdown
    for r in (gone, also):
        assert f"- `{r['report_name']}` (`production`) id `{r['id']}`" in markdown
    assert kept["id"] not in markdown
    assert len(load_desired(tmp_path / "reports")) == 1


def test_ignored_reports_do_not_count_and_one_is_singular(
    tmp_path: Path, cli: Any, emulator: Emulator, env: Any
) -> None:
    emulator.add_report(report("Manual export"))
    emulator.add_report(report("Stray"))
    write_reports(tmp_path / "reports", [report("Kept")])
    emulator.add_report(report("Kept"))
    (tmp_path / "reportsync.yaml").write_text("ignore: ['Manual*']\n", encoding="utf-8")
    out = cli("plan", env=env, cwd=tmp_path).out
    assert "but 1 remote report no file declares is still running; `--prune` would delete it" in out
    (tmp_path / "reportsync.yaml").write_text("ignore: ['Manual*', 'Stray']\n", encoding="utf-8")
    assert cli("plan", env=env, cwd=tmp_path).out.startswith("No changes. Remote reports match reports/.")
