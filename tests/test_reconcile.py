"""plan and apply end to end: the real CLI and client against the emulator over loopback."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from helpers import KEY, report, run_cli, write_reports

from reportsync.emulator import Emulator


def identities(emu: Emulator) -> Counter[tuple[str, str]]:
    return Counter((r["environment"], r["report_name"]) for r in emu.reports())


def plan(folder: Path, env: dict[str, str], *extra: str) -> Any:
    return run_cli("plan", "--reports", str(folder), "--no-color", *extra, env=env)


def apply(folder: Path, env: dict[str, str], *extra: str) -> Any:
    return run_cli("apply", "--reports", str(folder), "--auto-approve", "--no-color", *extra, env=env)


def test_plan_apply_plan_converges(tmp_path: Path, emulator: Emulator, env: dict[str, str]) -> None:
    emulator.add_report(report("Changed", send_at="08:00"))
    emulator.add_report(report("Same"))
    emulator.add_report(report("Stranger"))
    folder = write_reports(tmp_path / "reports", [report("New"), report("Changed"), report("Same")])
    first = plan(folder, env)
    assert first.code == 0, first.err
    assert "Plan: 1 to create, 1 to update, 0 to delete. (1 unchanged, 1 unmanaged)" in first.out
    assert '~ send_at: "08:00" -> "09:00"' in first.out
    done = apply(folder, env)
    assert done.code == 0, done.err
    assert "Apply complete: 1 created, 1 updated, 0 deleted." in done.out
    again = plan(folder, env, "--detailed-exitcode")
    assert again.code == 0 and "No changes to the reports in" in again.out
    assert "1 remote report no file declares is still running" in again.out
    assert identities(emulator)[("production", "Stranger")] == 1


def test_detailed_exitcode_and_json(tmp_path: Path, emulator: Emulator, env: dict[str, str]) -> None:
    folder = write_reports(tmp_path / "reports", [report("New")])
    result = plan(folder, env, "--detailed-exitcode", "--format", "json")
    assert result.code == 2
    data = json.loads(result.out)
    assert data["summary"]["create"] == 1 and data["changes"][0]["id"] is None


def test_plan_reads_with_minimal_requests(tmp_path: Path, emulator: Emulator, env: dict[str, str]) -> None:
    for i in range(250):
        emulator.add_report(report(f"R{i:03d}"))
    folder = write_reports(tmp_path / "reports", [report(f"R{i:03d}") for i in range(250)])
    emulator.reset_counts()
    result = plan(folder, env)
    assert result.code == 0 and "(250 unchanged, 0 unmanaged)" in result.out
    assert emulator.counts[("GET", "/scheduled-reports")] == 3
    assert emulator.counts[("GET", "/scheduled-reports/destinations")] == 1
    assert sum(emulator.counts.values()) == 4


def test_ambiguous_create_adopted_without_duplicate(
    tmp_path: Path, emulator: Emulator, env: dict[str, str]
) -> None:
    folder = write_reports(tmp_path / "reports", [report(f"R{i}") for i in range(6)])
    emulator.faults.ambiguous_creates(3)
    result = apply(folder, env, "--parallelism", "4")
    assert result.code == 0, result.out + result.err
    assert "adopted after an ambiguous create" in result.err + result.out
    assert all(n == 1 for n in identities(emulator).values()) and len(emulator.reports()) == 6
    assert plan(folder, env).out.startswith("No changes")


def test_one_failure_others_apply_exit_4_rerun_converges(
    tmp_path: Path, emulator: Emulator, env: dict[str, str]
) -> None:
    target = emulator.add_report(report("Broken", send_at="08:00"))
    folder = write_reports(tmp_path / "reports", [report("Broken"), report("A"), report("B")])
    emulator.faults.fail("PUT", f"/scheduled-reports/{target['id']}", 400)
    result = apply(folder, env)
    assert result.code == 4
    assert "failed" in result.out and "PUT /scheduled-reports/" in result.out
    assert "2 created, 0 updated, 0 deleted. 1 failed, 0 skipped." in result.out
    assert identities(emulator) == Counter(
        {("production", "Broken"): 1, ("production", "A"): 1, ("production", "B"): 1}
    )
    rerun = apply(folder, env)
    assert rerun.code == 0 and "Apply complete: 0 created, 1 updated, 0 deleted." in rerun.out


def test_saved_plan_applies_exactly_and_refuses_when_stale(
    tmp_path: Path, emulator: Emulator, env: dict[str, str]
) -> None:
    target = emulator.add_report(report("Edited", send_at="08:00"))
    folder = write_reports(tmp_path / "reports", [report("Edited"), report("Fresh")])
    plan_file = tmp_path / "plan.json"
    made = plan(folder, env, "--out", str(plan_file))
    assert made.code == 0 and plan_file.exists()
    assert KEY not in plan_file.read_text()
    emulator.update_report(target["id"], {"send_at": "10:00"})  # someone edits it in the dashboard
    stale = run_cli("apply", str(plan_file), "--auto-approve", env=env)
    assert stale.code == 3 and "is not the plan the files and remote reports give now" in stale.err
    assert 'change 1 (update "Edited"): before is' in stale.err
    assert identities(emulator)[("production", "Fresh")] == 0  # nothing applied
    plan(folder, env, "--out", str(plan_file))
    fresh = run_cli("apply", str(plan_file), "--auto-approve", env=env)
    assert fresh.code == 0, fresh.err
    assert plan(folder, env).out.startswith("No changes")


def test_non_interactive_apply_needs_auto_approve(
    tmp_path: Path, emulator: Emulator, env: dict[str, str]
) -> None:
    folder = write_reports(tmp_path / "reports", [report("New")])
    result = run_cli("apply", "--reports", str(folder), env=env)
    assert result.code == 3 and "--auto-approve" in result.err
    assert emulator.reports() == []


def test_prune_deletes_only_with_flag(tmp_path: Path, emulator: Emulator, env: dict[str, str]) -> None:
    emulator.add_report(report("Orphan"))
    folder = write_reports(tmp_path / "reports", [report("Kept")])
    assert apply(folder, env).code == 0
    assert identities(emulator)[("production", "Orphan")] == 1
    pruned = apply(folder, env, "--prune")
    assert pruned.code == 0 and "0 created, 0 updated, 1 deleted." in pruned.out
    assert list(identities(emulator)) == [("production", "Kept")]


def test_threshold_refuses_then_force(tmp_path: Path, emulator: Emulator, env: dict[str, str]) -> None:
    for i in range(10):
        emulator.add_report(report(f"R{i}", send_at="08:00"))
    folder = write_reports(tmp_path / "reports", [report(f"R{i}") for i in range(10)])
    refused = plan(folder, env)
    assert (
        refused.code == 3 and "threshold" in refused.err and "Plan: 0 to create, 10 to update" in refused.out
    )
    assert apply(folder, env).code == 3
    assert all(r["send_at"] == "08:00" for r in emulator.reports())
    assert apply(folder, env, "--force").code == 0


def test_rate_limit_storm_survived(tmp_path: Path, emulator: Emulator, env: dict[str, str]) -> None:
    folder = write_reports(tmp_path / "reports", [report(f"R{i}") for i in range(12)])
    emulator.faults.queue_429(6, retry_after="0")
    result = apply(folder, env, "--parallelism", "4")
    assert result.code == 0, result.err
    assert len(emulator.reports()) == 12


def test_ambiguous_identity_fails_plan(tmp_path: Path, emulator: Emulator, env: dict[str, str]) -> None:
    a = emulator.add_report(report("Twin"))
    b = emulator.add_report(report("Twin"))
    folder = write_reports(tmp_path / "reports", [report("Twin")])
    result = plan(folder, env)
    assert result.code == 1 and a["id"] in result.err and b["id"] in result.err and "id:" in result.err


def test_failed_listing_fails_plan_closed(tmp_path: Path, emulator: Emulator, env: dict[str, str]) -> None:
    for i in range(150):
        emulator.add_report(report(f"R{i}"))
    folder = write_reports(tmp_path / "reports", [report("R0")])
    emulator.faults.fail_listing_after(1, status=500, count=10)
    result = apply(folder, env, "--prune", "--force")
    assert result.code == 1 and "GET /scheduled-reports" in result.err
    assert len(emulator.reports()) == 150


def test_invalid_files_fail_before_any_call(tmp_path: Path, emulator: Emulator, env: dict[str, str]) -> None:
    folder = write_reports(tmp_path / "reports", [report("A", send_at="12:15")])
    emulator.reset_counts()
    result = plan(folder, env | {"GITHUB_ACTIONS": "true"})
    assert result.code == 1 and "r0000.yaml:2:10: send_at" in result.err
    assert "::error file=" in result.err
    assert sum(emulator.counts.values()) == 0


def test_step_summary_written(tmp_path: Path, emulator: Emulator, env: dict[str, str]) -> None:
    folder = write_reports(tmp_path / "reports", [report("New")])
    summary = tmp_path / "summary.md"
    assert plan(folder, env | {"GITHUB_STEP_SUMMARY": str(summary)}).code == 0
    assert "**Plan: 1 to create" in summary.read_text()
    assert apply(folder, env | {"GITHUB_STEP_SUMMARY": str(summary)}).code == 0
    assert "Apply complete: 1 created" in summary.read_text()


def test_emulator_demo_plan_needs_no_key() -> None:
    root = Path(__file__).resolve().parents[1]
    result = run_cli("plan", "--emulator", "--reports", str(root / "reports"), env={})
    assert result.code == 0, result.err
    assert "to create" in result.out and '~ update "Growth snapshot"' in result.out


def test_missing_key_is_one_clear_line(tmp_path: Path, emulator: Emulator) -> None:
    folder = write_reports(tmp_path / "reports", [report("New")])
    result = plan(folder, {"QONVERSION_API_URL": emulator.url})
    assert result.code == 1 and "QONVERSION_SECRET_KEY" in result.err and "Traceback" not in result.err


def test_unreachable_api_is_one_clear_line(tmp_path: Path) -> None:
    folder = write_reports(tmp_path / "reports", [report("New")])
    result = plan(folder, {"QONVERSION_SECRET_KEY": KEY, "QONVERSION_API_URL": "http://127.0.0.1:9/v4"})
    assert result.code == 1 and "GET /scheduled-reports" in result.err
    assert len(result.err.strip().splitlines()) <= 2 and "Traceback" not in result.err


def test_saved_plan_applies_without_a_prompt(tmp_path: Path, emulator: Emulator, env: dict[str, str]) -> None:
    folder = write_reports(tmp_path / "reports", [report("Saved")])
    plan_file = tmp_path / "plan.json"
    assert plan(folder, env, "--out", str(plan_file)).code == 0
    result = run_cli("apply", str(plan_file), env=env)  # reviewed when it was made, as with Terraform
    assert result.code == 0 and "Apply complete: 1 created" in result.out


def test_refused_plan_is_not_saved(tmp_path: Path, emulator: Emulator, env: dict[str, str]) -> None:
    for i in range(10):
        emulator.add_report(report(f"R{i}", send_at="08:00"))
    folder = write_reports(tmp_path / "reports", [report(f"R{i}") for i in range(10)])
    plan_file = tmp_path / "plan.json"
    assert plan(folder, env, "--out", str(plan_file)).code == 3
    assert not plan_file.exists()


def test_target_matching_nothing_warns(tmp_path: Path, emulator: Emulator, env: dict[str, str]) -> None:
    folder = write_reports(tmp_path / "reports", [report("Daily")])
    result = plan(folder, env, "--target", "Weekly*")
    assert result.code == 0 and "matched no report" in result.err


def test_unwritable_step_summary_warns_but_keeps_the_exit_status(
    tmp_path: Path, emulator: Emulator, env: dict[str, str]
) -> None:
    folder = write_reports(tmp_path / "reports", [report("New")])
    result = apply(folder, env | {"GITHUB_STEP_SUMMARY": str(tmp_path / "missing" / "summary.md")})
    assert result.code == 0 and "Apply complete: 1 created" in result.out
    assert "GITHUB_STEP_SUMMARY" in result.err and "Traceback" not in result.err


def test_repeated_destination_is_refused_at_its_line(tmp_path: Path, env: dict[str, str]) -> None:
    twice = [{"type": "target_integration", "id": "int-wh-01"} for _ in range(2)]
    folder = write_reports(tmp_path / "reports", [report("Twice", destinations=twice)])
    result = run_cli("validate", "--reports", str(folder))
    assert result.code == 1 and "r0000.yaml:9:3: destinations[1]: int-wh-01 is already listed" in result.out


def test_no_prune_and_bad_thresholds_from_the_command_line(
    tmp_path: Path, emulator: Emulator, env: dict[str, str]
) -> None:
    emulator.add_report(report("Orphan"))
    folder = write_reports(tmp_path / "reports", [report("Kept")])
    (tmp_path / "reportsync.yaml").write_text(f"reports: {folder}\nprune: true\n", encoding="utf-8")
    pruning = run_cli("plan", env=env, cwd=tmp_path)
    assert "1 to delete" in pruning.out
    kept = run_cli("plan", "--no-prune", env=env, cwd=tmp_path)
    assert "0 to delete" in kept.out
    for flag, value in (
        ("--max-change-percent", "150"),
        ("--max-change-percent", "nan"),
        ("--min-existing", "-1"),
    ):
        bad = run_cli("plan", flag, value, env=env, cwd=tmp_path)
        assert bad.code == 1 and flag in bad.err


def test_tampered_plan_file_is_refused(tmp_path: Path, emulator: Emulator, env: dict[str, str]) -> None:
    folder = write_reports(tmp_path / "reports", [report("Planned")])
    plan_file = tmp_path / "plan.json"
    assert plan(folder, env, "--out", str(plan_file)).code == 0
    data = json.loads(plan_file.read_text())
    for body in (None, {"report_name": "Planned"}):
        data["plan"]["changes"][0]["body"] = body
        plan_file.write_text(json.dumps(data))
        result = run_cli("apply", str(plan_file), env=env)
        assert result.code == 1 and "damaged plan file" in result.err and "Traceback" not in result.err
    assert emulator.reports() == []
