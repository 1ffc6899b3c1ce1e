"""Fields the contract does not name: PUT replaces the whole report, so an update sends them back."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import report, run_cli, write_reports

from reportsync.emulator import Emulator

WINDOW = {"hours": [2, 3], "note": "set in the dashboard"}


@pytest.fixture
def folder(tmp_path: Path) -> str:
    return str(write_reports(tmp_path / "reports", [report("Daily revenue")]))


def test_plan_says_so_and_the_update_sends_them_back(
    folder: str, env: dict[str, str], emulator: Emulator
) -> None:
    emulator.add_report(report("Daily revenue", send_at="10:00"))
    emulator.faults.serve_field("delivery_window", WINDOW, writable=True)
    shown = run_cli("plan", "--reports", folder, env=env)
    assert shown.code == 0, shown.err
    assert (
        '= kept as read: "delivery_window" (fields reportsync does not know; PUT replaces all)' in shown.out
    )
    result = run_cli("apply", "--reports", folder, "--auto-approve", env=env)
    assert result.code == 0, result.err
    assert emulator.faults.written_fields == [("delivery_window", WINDOW)]
    assert emulator.reports()[0]["send_at"] == "09:00"


def test_a_server_refusing_them_fails_the_change_with_its_message(
    folder: str, env: dict[str, str], emulator: Emulator
) -> None:
    emulator.add_report(report("Daily revenue", send_at="10:00"))
    emulator.faults.serve_field("delivery_window", WINDOW)
    result = run_cli("apply", "--reports", folder, "--auto-approve", env=env)
    assert result.code == 4
    assert "400 invalid_data: delivery_window: unknown field" in result.out + result.err
    assert emulator.reports()[0]["send_at"] == "10:00"


def test_an_unchanged_report_with_unknown_fields_is_left_alone(
    folder: str, env: dict[str, str], emulator: Emulator
) -> None:
    emulator.add_report(report("Daily revenue"))
    emulator.faults.serve_field("delivery_window", WINDOW)
    result = run_cli("plan", "--reports", folder, "--detailed-exitcode", env=env)
    assert result.code == 0 and "No changes." in result.out


def test_plan_json_lists_them(folder: str, env: dict[str, str], emulator: Emulator) -> None:
    import json

    emulator.add_report(report("Daily revenue", send_at="10:00"))
    emulator.faults.serve_field("delivery_window", WINDOW)
    emulator.faults.serve_field("audience", "all")
    result = run_cli("plan", "--reports", folder, "--format", "json", env=env)
    change = json.loads(result.out)["changes"][0]
    assert change["kept_unknown_fields"] == ["delivery_window", "audience"]
