"""A literal name always means itself in --target and ignore:, and an entry that matches nothing is named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import report, run_cli, write_reports

from reportsync.emulator import Emulator
from reportsync.match import matches, selects, unmatched


@pytest.mark.parametrize(
    ("name", "entry", "expected"),
    [
        ("Revenue [EU]", "Revenue [EU]", True),
        ("Revenue E", "Revenue [EU]", True),  # still a glob after equality
        ("[draft] Weekly", "[draft] Weekly", True),
        ("Is it up?", "Is it up?", True),
        ("Top 10 *", "Top 10 *", True),
        ("Revenue [EU]", "Revenue [US]", False),
        ("Daily", "Daily*", True),
        ("daily", "Daily", False),
    ],
)
def test_matches_tries_equality_then_glob(name: str, entry: str, expected: bool) -> None:
    assert matches(name, (entry,)) is expected


def test_unmatched_names_each_entry_that_matches_nothing() -> None:
    assert unmatched(("A [1]", "B*", "Ghost", "Ghost"), ["A [1]", "Bee"]) == ["Ghost"]


@pytest.mark.parametrize("name", ["Revenue [EU]", "[draft] Weekly", "Is it up?"])
def test_target_with_brackets_or_marks_targets_that_report(
    tmp_path: Path, emulator: Emulator, env: dict[str, str], name: str
) -> None:
    folder = write_reports(tmp_path / "reports", [report(name), report("Other")])
    result = run_cli("apply", "--reports", str(folder), "--target", name, "--auto-approve", env=env)
    assert result.code == 0, result.out + result.err
    assert "Apply complete: 1 created" in result.out
    assert [r["report_name"] for r in emulator.reports()] == [name]
    assert "matched no report" not in result.err


@pytest.mark.parametrize("name", ["Revenue [EU]", "Sales (EU) [beta]", "Is it up?"])
def test_ignore_protects_a_literal_name_from_prune(
    tmp_path: Path, emulator: Emulator, env: dict[str, str], name: str
) -> None:
    kept = emulator.add_report(report(name))
    gone = emulator.add_report(report("Stray"))
    write_reports(tmp_path / "reports", [report("Managed")])
    config = {"reports": "reports", "prune": True, "ignore": [name, "Ghost [x]"]}
    (tmp_path / "reportsync.yaml").write_text(json.dumps(config), encoding="utf-8")
    result = run_cli("apply", "--auto-approve", env=env, cwd=tmp_path)
    assert result.code == 0, result.out + result.err
    ids = {r["id"] for r in emulator.reports()}
    assert kept["id"] in ids and gone["id"] not in ids
    assert 'Warning: ignore: entry "Ghost [x]" of project default matched no remote report.' in result.err
    assert name not in result.err


def test_each_target_that_matches_nothing_is_named(tmp_path: Path, env: dict[str, str]) -> None:
    folder = write_reports(tmp_path / "reports", [report("Revenue [EU]")])
    result = run_cli(
        "plan", "--reports", str(folder), "--target", "Revenue [EU]", "--target", "Nope*", env=env
    )
    assert result.code == 0, result.out + result.err
    assert 'Warning: --target "Nope*" matched no report' in result.err
    assert '"Revenue [EU]" matched' not in result.err


@pytest.mark.parametrize(
    ("name", "entry", "names", "expected"),
    [
        ("Revenue [EU]", "Revenue [EU]", {"Revenue [EU]", "Revenue E"}, True),
        ("Revenue E", "Revenue [EU]", {"Revenue [EU]", "Revenue E"}, False),  # a report's name: literal
        ("Revenue E", "Revenue [EU]", {"Revenue E"}, True),  # no report has that name: a glob
        ("Is it up!", "Is it up?", {"Is it up?", "Is it up!"}, False),
        ("Daily 2", "Daily*", {"Daily*", "Daily 2"}, False),
        ("Daily 2", "Daily*", {"Daily 2"}, True),
    ],
)
def test_a_target_that_is_a_report_name_selects_only_that_report(
    name: str, entry: str, names: set[str], expected: bool
) -> None:
    assert selects(name, (entry,), names) is expected


@pytest.mark.parametrize(("name", "lookalike"), [("Revenue [EU]", "Revenue E"), ("Is it up?", "Is it up!")])
def test_target_prune_never_deletes_a_report_the_literal_name_also_globs(
    tmp_path: Path, emulator: Emulator, env: dict[str, str], name: str, lookalike: str
) -> None:
    # `apply --prune --target "Revenue [EU]"` deleted the unmanaged "Revenue E": [EU] read as a class.
    managed = emulator.add_report(report(name, send_at="08:00"))
    bystander = emulator.add_report(report(lookalike))
    folder = write_reports(tmp_path / "reports", [report(name)])
    argv = ("apply", "--reports", str(folder), "--target", name, "--prune", "--force", "--auto-approve")
    result = run_cli(*argv, env=env)
    assert result.code == 0, result.out + result.err
    assert "Apply complete: 0 created, 1 updated, 0 deleted." in result.out
    assert {r["id"] for r in emulator.reports()} == {managed["id"], bystander["id"]}


@pytest.mark.parametrize("flag", ["--target", "--name"])
def test_import_of_a_literal_name_writes_only_that_report(
    tmp_path: Path, emulator: Emulator, env: dict[str, str], flag: str
) -> None:
    wanted = emulator.add_report(report("Revenue [EU]"))
    emulator.add_report(report("Revenue E"))  # what "[EU]" read as a character class would also match
    result = run_cli("import", "--reports", str(tmp_path / "reports"), flag, "Revenue [EU]", env=env)
    assert result.code == 0, result.out + result.err
    written = sorted(p.read_text(encoding="utf-8") for p in (tmp_path / "reports").glob("*.yaml"))
    assert len(written) == 1 and f"id: {wanted['id']}" in written[0]
