"""`reportsync refresh`: remote edits come into the files, all else in them byte for byte."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import report

from reportsync.emulator import Emulator
from reportsync.loader import parse_documents
from reportsync.roundtrip import LayoutError, rewrite, styled

SHIPPED = Path(__file__).resolve().parents[1] / "reports"

MULTI = """\
# yaml-language-server: $schema=../schema/scheduled-report.schema.json
# Both environments in one file.
report_name: Release health   # the name people know
send_at: '17:30'
included_range_days: 1

status: active
environment: production
destinations:
  - type: target_integration
    id: int-wh-01
    label: "Webhooks: Release alerts"  # keep
---
# yaml-language-server: $schema=../schema/scheduled-report.schema.json
report_name: "Release health"
send_at: "17:30"
included_range_days: 1
status: active
environment: sandbox
destinations:
  - type: target_integration
    id: int-slack-02
"""


def changed_lines(old: str, new: str) -> tuple[list[str], list[str]]:
    """The lines removed and added between two texts (everything else is the same bytes)."""
    removed, added = [], []
    for line in difflib.ndiff(old.splitlines(keepends=True), new.splitlines(keepends=True)):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


def seed(emulator: Emulator, folder: Path) -> dict[str, str]:
    """The remote reports of every shipped file, as apply would create them; name -> id."""
    from reportsync.desired import load_desired

    ids = {}
    for spec in load_desired(folder):
        ids[f"{spec.identity[1]}/{spec.identity[0]}"] = emulator.add_report(dict(spec.payload))["id"]
    return ids


def project(tmp_path: Path, text: str | None = None) -> Path:
    shutil.copytree(SHIPPED, tmp_path / "reports")
    if text is not None:
        (tmp_path / "reports" / "release-health.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_refresh_rewrites_only_the_differing_values(
    tmp_path: Path, cli: Any, emulator: Emulator, env: Any
) -> None:
    root = project(tmp_path, MULTI)
    ids = seed(emulator, root / "reports")
    before = {p.name: p.read_text(encoding="utf-8") for p in (root / "reports").iterdir()}
    emulator.update_report(ids["Release health/sandbox"], {"send_at": "18:00", "status": "draft"})
    emulator.update_report(ids["Release health/production"], {"included_range_days": 3})
    emulator.update_report(ids["Daily revenue/production"], {"send_at": "06:30"})

    dry = cli("refresh", "--dry-run", env=env, cwd=root)
    assert dry.code == 0, dry.err
    assert '-send_at: "17:30"' in dry.out and '+send_at: "18:00"' in dry.out
    assert "Dry run: 2 file(s)" in dry.out
    assert {p.name: p.read_text(encoding="utf-8") for p in (root / "reports").iterdir()} == before

    result = cli("refresh", env=env, cwd=root)
    assert result.code == 0, result.err
    assert "Refreshed 2 file(s)" in result.out and "shows no changes for them" in result.out
    after = {p.name: p.read_text(encoding="utf-8") for p in (root / "reports").iterdir()}
    assert after["growth-snapshot.yaml"] == before["growth-snapshot.yaml"]
    assert changed_lines(before["release-health.yaml"], after["release-health.yaml"]) == (
        ["included_range_days: 1\n", 'send_at: "17:30"\n', "status: active\n"],
        ["included_range_days: 3\n", 'send_at: "18:00"\n', "status: draft\n"],
    )
    assert changed_lines(before["daily-revenue.yaml"], after["daily-revenue.yaml"]) == (
        ['send_at: "06:00"\n'],
        ['send_at: "06:30"\n'],
    )
    plan = cli("plan", "--detailed-exitcode", env=env, cwd=root)
    assert plan.code == 0, plan.out
    assert "No changes." in plan.out


def test_refresh_adds_and_removes_destinations_keeping_the_others(
    tmp_path: Path, cli: Any, emulator: Emulator, env: Any
) -> None:
    root = project(tmp_path)
    ids = seed(emulator, root / "reports")
    emulator.update_report(
        ids["Growth snapshot/production"],
        {
            "destinations": [
                {"type": "target_integration", "id": "int-wh-01"},
                {"type": "target_integration", "id": "int-wh-02"},
            ]
        },
    )
    old = (root / "reports" / "growth-snapshot.yaml").read_text(encoding="utf-8")
    result = cli("refresh", env=env, cwd=root)
    assert result.code == 0, result.err
    new = (root / "reports" / "growth-snapshot.yaml").read_text(encoding="utf-8")
    head = old.split("destinations:")[0]
    assert new == head + (
        "destinations:\n"
        "  - type: target_integration\n"
        "    id: int-wh-01\n"
        '    label: "Webhooks: Release alerts"\n'
        "  - type: target_integration\n"
        "    id: int-wh-02\n"
        '    label: "Webhooks: Finance data lake"\n'
    )
    assert cli("plan", "--detailed-exitcode", env=env, cwd=root).code == 0


def test_refresh_target_and_nothing_to_do(tmp_path: Path, cli: Any, emulator: Emulator, env: Any) -> None:
    root = project(tmp_path)
    ids = seed(emulator, root / "reports")
    assert "Nothing to refresh" in cli("refresh", env=env, cwd=root).out
    emulator.update_report(ids["Daily revenue/production"], {"send_at": "06:30"})
    emulator.update_report(ids["Growth snapshot/production"], {"send_at": "09:30"})
    result = cli("refresh", "--target", "Daily*", env=env, cwd=root)
    assert result.code == 0 and "Refreshed 1 file(s)" in result.out
    plan = cli("plan", env=env, cwd=root)
    assert "Growth snapshot" in plan.out and "Daily revenue" not in plan.out.split("Plan:")[0]


@pytest.mark.parametrize(
    ("old", "new", "written"),
    [
        ("a", "Weekly", "Weekly"),
        ("'a'", "Weekly", "'Weekly'"),
        ('"a"', "Weekly", '"Weekly"'),
        ("'a'", "it's", "'it''s'"),
        ("a", "on", '"on"'),
        ("a", "08:30", '"08:30"'),
        ("a", "x: y", '"x: y"'),
        ("a", "line\u2028break", '"line\\Lbreak"'),
    ],
)
def test_new_values_read_back_as_text(old: str, new: str, written: str) -> None:
    text = f"report_name: {old}\n"
    out = rewrite(text, {1: {"report_name": new}}, "f.yaml")
    assert out == f"report_name: {written}\n"
    assert parse_documents(out, "f.yaml")[0].data == {"report_name": new}
    assert styled("x", 7) == 7


def test_a_layout_that_cannot_be_kept_is_refused() -> None:
    odd = "report_name: a\ndestinations:\n   -  type: t\n      id: x\n"
    with pytest.raises(LayoutError, match="edit the differing values by hand"):
        rewrite(odd, {1: {"report_name": "b"}}, "f.yaml")


def test_import_does_not_claim_no_changes_while_other_files_differ(
    tmp_path: Path, cli: Any, emulator: Emulator, env: Any
) -> None:
    root = project(tmp_path)
    ids = seed(emulator, root / "reports")
    emulator.update_report(ids["Daily revenue/production"], {"send_at": "06:30"})
    emulator.add_report(report("Made in the dashboard"))
    result = cli("import", env=env, cwd=root)
    assert result.code == 0, result.err
    assert "shows no changes for them," in result.out
    assert "but 1 other change for files already in reports/" in result.out
    assert "`reportsync plan` shows no changes." not in result.out


def test_a_file_refresh_cannot_keep_is_named_and_the_others_are_refreshed(
    tmp_path: Path, cli: Any, emulator: Emulator, env: Any
) -> None:
    root = project(tmp_path)
    odd = root / "reports" / "weekly-sandbox-digest.yaml"
    odd.write_text(
        odd.read_text(encoding="utf-8").replace("  - type", "   -   type").replace("    id", "       id")
    )
    ids = seed(emulator, root / "reports")
    before = odd.read_bytes()
    emulator.update_report(ids["Weekly sandbox digest/sandbox"], {"status": "active"})
    emulator.update_report(ids["Daily revenue/production"], {"send_at": "06:30"})
    result = cli("refresh", env=env, cwd=root)
    assert result.code == 1
    assert "reports/weekly-sandbox-digest.yaml: its layout cannot be kept byte for byte" in result.err
    assert "Refreshed 1 file(s)" in result.out and "1 file(s) could not be rewritten" in result.out
    assert odd.read_bytes() == before
    assert 'send_at: "06:30"' in (root / "reports" / "daily-revenue.yaml").read_text(encoding="utf-8")


def test_a_file_changed_since_it_was_read_is_left_untouched(tmp_path: Path) -> None:
    from reportsync.commands.refresh import FileRefresh, write_back

    path = tmp_path / "a.yaml"
    path.write_text("edited meanwhile\n", encoding="utf-8")
    why = write_back(FileRefresh(str(path), "as read\n", "new\n", ()))
    assert why is not None and "changed during the refresh" in why
    assert path.read_text(encoding="utf-8") == "edited meanwhile\n"
    assert write_back(FileRefresh(str(path), "edited meanwhile\n", "new\n", ())) is None
    assert path.read_text(encoding="utf-8") == "new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.yaml"]  # no temporary file left


@pytest.mark.parametrize(
    "rename",
    [
        {"report_name": "Daily revenue"},  # into another file's report
        {"report_name": "Release health", "environment": "sandbox"},  # into one document of a multi-doc file
    ],
)
def test_a_remote_rename_onto_another_files_report_is_refused_not_written(
    tmp_path: Path, cli: Any, emulator: Emulator, env: Any, rename: dict[str, str]
) -> None:
    """The server allows two reports with one name; two files may not declare it. Writing the rename
    would leave a folder that validate, plan and apply refuse, under "plan shows no changes"."""
    root = project(tmp_path)
    ids = seed(emulator, root / "reports")
    digest = root / "reports" / "weekly-sandbox-digest.yaml"
    text = digest.read_text(encoding="utf-8")
    digest.write_text(f"id: {ids['Weekly sandbox digest/sandbox']}\n{text}", encoding="utf-8")
    before = digest.read_bytes()
    emulator.update_report(ids["Weekly sandbox digest/sandbox"], {"environment": "production", **rename})
    emulator.update_report(ids["Growth snapshot/production"], {"send_at": "06:30"})
    result = cli("refresh", env=env, cwd=root)
    assert result.code == 1, result.out
    assert digest.read_bytes() == before
    assert "reports/weekly-sandbox-digest.yaml: the remote report is now" in result.err
    assert "which reports/" in result.err and "declares too" in result.err
    assert "Refreshed 1 file(s)" in result.out
    assert cli("validate", cwd=root).code == 0


@pytest.mark.parametrize("name", ["a\nApply complete: 9 created", "b\r::warning::x", "c\x1b[2J\u2028d"])
def test_a_hostile_file_name_starts_no_line_of_the_diff(
    tmp_path: Path, cli: Any, emulator: Emulator, env: Any, name: str
) -> None:
    """The diff header names the file: a line break in its name (a pull request can add such a file)
    is shown escaped, like every other file name reportsync prints."""
    from channels import runner_commands, terminal_controls

    made = emulator.add_report(report("Daily revenue", send_at="06:30"))
    folder = tmp_path / "reports"
    folder.mkdir()
    text = yaml.safe_dump(report("Daily revenue", id=made["id"]), sort_keys=False)
    (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    for argv in (("refresh", "--dry-run"), ("refresh",)):
        result = cli(*argv, env={**env, "GITHUB_ACTIONS": "true"}, cwd=tmp_path)
        assert result.code == 0, result.err
        assert terminal_controls(result.out) == [] and runner_commands(result.out) == []
        starts = [line.split(" ", 1)[0] for line in result.out.splitlines()]
        assert all(s[:1] in "+- @" or s in ("Dry", "Refreshed") for s in starts if s), result.out


def test_a_crlf_file_keeps_its_line_endings(tmp_path: Path, cli: Any, emulator: Emulator, env: Any) -> None:
    """A file written on Windows (CRLF) is rewritten CRLF: only the changed value differs, byte for byte,
    not every line of the file; a file mixing line endings is refused, not normalised."""
    made = emulator.add_report(report("Daily revenue", send_at="06:30"))
    folder = tmp_path / "reports"
    folder.mkdir()
    text = f"# comment\nid: {made['id']}\n" + yaml.safe_dump(report("Daily revenue"), sort_keys=False)
    crlf = text.replace("\n", "\r\n").encode()
    (folder / "a.yaml").write_bytes(crlf)
    result = cli("refresh", env=env, cwd=tmp_path)
    assert result.code == 0, result.err
    after = (folder / "a.yaml").read_bytes()
    assert after.count(b"\n") == after.count(b"\r\n") == crlf.count(b"\r\n"), after
    removed, added = changed_lines(crlf.decode(), after.decode())
    assert [line.strip() for line in removed + added] == ["send_at: 09:00", 'send_at: "06:30"'], after
    assert "No changes" in cli("plan", env=env, cwd=tmp_path).out
    emulator.update_report(made["id"], {"send_at": "07:00"})
    mixed = after.replace(b"# comment\r\n", b"# comment\n")
    (folder / "a.yaml").write_bytes(mixed)
    refused = cli("refresh", env=env, cwd=tmp_path)
    assert refused.code == 1 and "mixes line endings" in refused.err
    assert (folder / "a.yaml").read_bytes() == mixed


def test_a_file_with_a_byte_order_mark_keeps_it(
    tmp_path: Path, cli: Any, emulator: Emulator, env: Any
) -> None:
    """Notepad writes a UTF-8 BOM; validate reads such a file, so refresh rewrites it (BOM kept)."""
    made = emulator.add_report(report("Daily revenue", send_at="06:30"))
    folder = tmp_path / "reports"
    folder.mkdir()
    text = f"\ufeff# comment\nid: {made['id']}\n" + yaml.safe_dump(report("Daily revenue"), sort_keys=False)
    (folder / "a.yaml").write_text(text, encoding="utf-8")
    result = cli("refresh", env=env, cwd=tmp_path)
    assert result.code == 0, result.err
    after = (folder / "a.yaml").read_text(encoding="utf-8")
    assert after.startswith("\ufeff# comment\n")
    removed, added = changed_lines(text, after)
    assert [line.strip() for line in removed + added] == ["send_at: 09:00", 'send_at: "06:30"']


def test_a_refused_layout_points_at_plan_not_at_a_diff_it_did_not_print() -> None:
    with pytest.raises(LayoutError) as caught:
        rewrite(
            "report_name: x\ndestinations:\n   -   type: a\n       id: b\n",
            {1: {"report_name": "y"}},
            "f.yaml",
        )
    assert "`reportsync plan` shows them" in caught.value.message and "diff above" not in caught.value.message
