"""Machine-readable output on failure: with --format json every command writes one JSON document."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from channels import runner_commands
from helpers import KEY, CliResult, report, run_cli, write_reports

from reportsync.console import Console
from reportsync.emulator import Emulator


def one_document(result: CliResult) -> dict[str, object]:
    data = json.loads(result.out)  # raises on empty output or on two documents
    assert isinstance(data, dict)
    return data


def test_every_command_writes_one_json_document_when_it_fails(tmp_path: Path, emulator: Emulator) -> None:
    env = {"QONVERSION_SECRET_KEY": KEY, "QONVERSION_API_URL": emulator.url}
    good = write_reports(tmp_path / "good", [report()])
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a.yaml").write_text("report_name: A\nsend_at: 25:00\n", encoding="utf-8")
    assert run_cli("apply", "--reports", str(good), "--auto-approve", env=env).code == 0
    assert run_cli("send-test", "Daily revenue", "--reports", str(good), env=env).code == 0

    def failing(
        *argv: str, fault: tuple[str, str, int] | None = None, env: dict[str, str] = env
    ) -> CliResult:
        if fault:
            emulator.faults.fail(*fault, count=9)
        result = run_cli(*argv, "--format", "json", env=env)
        emulator.faults.clear()
        return result

    listing = ("GET", "/scheduled-reports*", 500)
    cases = [
        ("plan, invalid files", failing("plan", "--reports", str(bad)), 1, "a.yaml"),
        (
            "send-test in the one-per-minute window",
            failing("send-test", "Daily revenue", "--reports", str(good)),
            1,
            "",
        ),
        ("destinations, API down", failing("destinations", fault=listing), 1, ""),
        ("import, API down", failing("import", "--reports", str(tmp_path / "new"), fault=listing), 1, ""),
        ("plan, no key", failing("plan", "--reports", str(good), env={}), 1, ""),
    ]
    write_reports(tmp_path / "other", [report("Other")])
    cases.append(("apply, no confirmation", failing("apply", "--reports", str(tmp_path / "other")), 3, ""))
    for label, result, status, file in cases:
        data = one_document(result)
        assert result.code == status, (label, result.err)
        error = data["error"]
        assert isinstance(error, dict) and error["exit_status"] == status and error["message"], label
        assert error["message"] in result.err, label  # the same sentence a person sees
        if file:
            assert [p["line"] for p in error["problems"]] and all(
                file in p["file"] for p in error["problems"]
            )


def test_a_json_document_already_written_is_the_only_one(tmp_path: Path, emulator: Emulator) -> None:
    """A plan refused by the threshold after it was printed: still exactly one document."""
    env = {"QONVERSION_SECRET_KEY": KEY, "QONVERSION_API_URL": emulator.url}
    for i in range(10):
        emulator.add_report(report(f"R{i}", send_at="08:00"))
    folder = write_reports(tmp_path / "reports", [report(f"R{i}") for i in range(10)])
    result = run_cli("plan", "--reports", str(folder), "--format", "json", env=env)
    assert result.code == 3 and one_document(result)["summary"] == {
        "create": 0,
        "update": 10,
        "delete": 0,
        "unchanged": 0,
        "unmanaged": 0,
    }


@pytest.mark.parametrize(
    ("raised", "status"), [(RuntimeError("boom\n::warning::x"), 1), (KeyboardInterrupt(), 130)]
)
def test_unexpected_failures_also_end_in_one_json_document(raised: BaseException, status: int) -> None:
    from argparse import Namespace

    from reportsync.cli import run

    def handler(args: Namespace, console: Console) -> int:
        raise raised

    out, err = io.StringIO(), io.StringIO()
    code = run(Namespace(handler=handler, format="json"), Console(out, err))
    assert code == status and json.loads(out.getvalue())["error"]["exit_status"] == status
    assert runner_commands(out.getvalue() + err.getvalue()) == []
