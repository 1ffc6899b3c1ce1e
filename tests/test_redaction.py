"""The key on every channel: one redaction, armed before anything can fail, whatever the letter case;
answers holding the key withheld whole; a URL holding the key refused without quoting it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from helpers import CliResult, report, run_cli, write_reports

from reportsync.console import Console
from reportsync.emulator import Emulator

SECRET = "test_sk_Canary_Key_0042"
CASES = (SECRET, SECRET.lower(), SECRET.upper())


def assert_no_key(*texts: str) -> None:
    for text in texts:
        assert SECRET.lower() not in text.lower(), text


def outputs(result: CliResult, tmp_path: Path) -> tuple[str, ...]:
    files = [
        p.read_text(encoding="utf-8") for p in tmp_path.rglob("*") if p.is_file() and p.suffix != ".yaml"
    ]
    return (result.out, result.err, *files)


@pytest.fixture
def emu() -> Emulator:
    with Emulator(key=SECRET, seed=5) as emulator:
        yield emulator  # type: ignore[misc]


def env_for(emu: Emulator, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "QONVERSION_SECRET_KEY": SECRET,
        "QONVERSION_API_URL": emu.url,
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        **extra,
    }


def test_console_redacts_every_channel_in_any_case() -> None:
    out, err = io.StringIO(), io.StringIO()
    console = Console(out, err, {"GITHUB_ACTIONS": "true"}, secrets={SECRET})
    from reportsync.errors import Problem

    for case in CASES:
        console.print(f"a {case} b")
        console.info(case)
        console.error(case)
        console.annotate([Problem(f"r/{case}.yaml", 1, 0, f"Bearer {case}")])
    assert_no_key(out.getvalue(), err.getvalue())
    assert err.getvalue().count("::error file=r/***.yaml") == 3


@pytest.mark.parametrize("case", CASES)
def test_an_error_answer_echoing_the_key_is_withheld_from_every_channel(
    case: str, tmp_path: Path, emu: Emulator
) -> None:
    existing = emu.add_report(report("Daily revenue", send_at="08:00"))
    folder = write_reports(tmp_path / "reports", [report()])
    emu.faults.error_text("denied", code=f"Bearer {case}", details=((f"Bearer {case}", "bad"),))
    for fmt in ("text", "json"):
        emu.faults.fail("PUT", f"/scheduled-reports/{existing['id']}", 400)
        argv = ("apply", "--reports", str(folder), "--auto-approve", "--format", fmt)
        result = run_cli(*argv, env=env_for(emu, tmp_path))
        assert result.code == 4 and "withheld" in result.out + result.err, result.out + result.err
        assert "::error file=" in result.err
        assert_no_key(*outputs(result, tmp_path))


@pytest.mark.parametrize("where", ["body", "header", "reason"])
def test_a_successful_answer_holding_the_key_is_withheld_whole(
    where: str, tmp_path: Path, emu: Emulator
) -> None:
    folder = write_reports(tmp_path / "reports", [report()])
    if where == "body":
        emu.add_report(report(f"leak {SECRET.upper()}"))
        result = run_cli("plan", "--reports", str(folder), "--debug", env=env_for(emu, tmp_path))
    else:
        text = f"x {SECRET.lower()}"
        emu.faults.error_text(
            header=text if where == "header" else None, reason=text if where == "reason" else None
        )
        emu.faults.fail("GET", "/scheduled-reports/destinations", 404)
        result = run_cli("plan", "--reports", str(folder), "--debug", env=env_for(emu, tmp_path))
    assert result.code == 1 and "withheld" in result.err, result.err
    assert_no_key(*outputs(result, tmp_path))


@pytest.mark.parametrize(
    "url",
    [
        f"https://{SECRET}.example.invalid",
        f"https://api.example.invalid/{SECRET.upper()}",
        f"http://{SECRET.lower()}.example.invalid/v4",
        f"https://api.example.invalid/v4?key={SECRET}",
        f"ftp://{SECRET}",
    ],
)
def test_a_url_holding_the_key_is_refused_without_quoting_it(url: str, tmp_path: Path) -> None:
    folder = write_reports(tmp_path / "reports", [report()])
    plan_file = tmp_path / "plan.json"
    env = {"QONVERSION_SECRET_KEY": SECRET, "QONVERSION_API_URL": url}
    reports = ("--reports", str(folder))
    for argv in (
        ("plan", "--out", str(plan_file), *reports),
        ("plan", "--format", "json", *reports),
        ("destinations",),
    ):
        result = run_cli(*argv, "--debug", env=env)
        assert result.code == 1 and "QONVERSION_API_URL contains the secret key" in result.err, result.err
        assert_no_key(result.out, result.err)
    assert not plan_file.exists()


def test_a_key_under_a_project_specific_variable_is_redacted_before_the_config_is_read(
    tmp_path: Path,
) -> None:
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / f"{SECRET.upper()}.yaml").write_text("report_name: x\n", encoding="utf-8")
    env = {"OTHER_TEAM_KEY": SECRET, "GITHUB_ACTIONS": "true"}
    for argv in (("validate",), ("validate", "--format", "json")):
        result = run_cli(*argv, "--reports", str(tmp_path / "reports"), env=env)
        assert result.code == 1, result.err
        assert_no_key(result.out, result.err)
        assert "***" in result.out + result.err


def test_plan_files_and_imported_files_never_hold_the_key(tmp_path: Path, emu: Emulator) -> None:
    folder = write_reports(tmp_path / "reports", [report(f"mine {SECRET.lower()}")])
    plan_file = tmp_path / "plan.json"
    result = run_cli("plan", "--reports", str(folder), "--out", str(plan_file), env=env_for(emu, tmp_path))
    assert result.code == 0, result.err
    assert_no_key(plan_file.read_text(encoding="utf-8"), result.out, result.err)
    assert json.loads(plan_file.read_text(encoding="utf-8"))["kind"] == "reportsync-plan"
