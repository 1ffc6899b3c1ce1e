"""`apply PLAN_FILE` plans again and applies only when the result equals the reviewed plan."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import report, run_cli, write_reports

from reportsync.emulator import Emulator
from reportsync.plan import Change, Plan, PlanOptions
from reportsync.planfile import first_difference

Edit = Callable[[dict[str, Any], Emulator, Path], None]


def _to_delete(data: dict[str, Any], emu: Emulator, folder: Path) -> None:
    change = data["plan"]["changes"][0]
    change.update(action="delete", body=None, after=None, fields=[])


def _other_id(data: dict[str, Any], emu: Emulator, folder: Path) -> None:
    other = next(r for r in emu.reports() if r["report_name"] == "Bystander")
    data["plan"]["changes"][0]["remote_id"] = other["id"]


def _prune_on(data: dict[str, Any], emu: Emulator, folder: Path) -> None:
    """The file's options are the ones used: turned on by hand, prune plans a delete the file lacks."""
    data["plan"]["options"]["prune"] = True
    emu.add_report(report("Arrived later"))


def _shown_diff(data: dict[str, Any], emu: Emulator, folder: Path) -> None:
    data["plan"]["changes"][0]["fields"][0]["new"] = "07:00"  # what the reviewer read


def _body_and_after(data: dict[str, Any], emu: Emulator, folder: Path) -> None:
    change = data["plan"]["changes"][0]
    change["body"]["status"] = change["after"]["status"] = "draft"


def _file_edited(data: dict[str, Any], emu: Emulator, folder: Path) -> None:
    write_reports(folder, [report("Edited", send_at="11:00"), report("Bystander")])


def _remote_moved(data: dict[str, Any], emu: Emulator, folder: Path) -> None:
    emu.add_report(report("Arrived later"))


CASES = [
    (_to_delete, 'action is "delete" in the file, "update" now'),
    (_other_id, "remote_id is"),
    (_prune_on, "the file holds 1 change(s), the plan made now 2"),
    (_shown_diff, "fields is"),
    (_body_and_after, "after is"),
    (_file_edited, "after is"),
    (_remote_moved, "unmanaged is"),
]


@pytest.mark.parametrize(("edit", "said"), CASES, ids=[c[0].__name__.strip("_") for c in CASES])
def test_a_plan_that_is_no_longer_the_reviewed_one_is_refused(
    tmp_path: Path, emulator: Emulator, env: dict[str, str], edit: Edit, said: str
) -> None:
    emulator.add_report(report("Edited", send_at="08:00"))
    emulator.add_report(report("Bystander"))
    folder = write_reports(tmp_path / "reports", [report("Edited"), report("Bystander")])
    plan_file = tmp_path / "plan.json"
    made = run_cli("plan", "--reports", str(folder), "--out", str(plan_file), env=env)
    assert made.code == 0, made.err
    data = json.loads(plan_file.read_text(encoding="utf-8"))
    edit(data, emulator, folder)
    plan_file.write_text(json.dumps(data), encoding="utf-8")
    before = emulator.reports()
    result = run_cli("apply", str(plan_file), env=env)
    assert result.code == 3, result.out + result.err
    assert "is not the plan the files and remote reports give now, nothing was applied" in result.err
    assert said in result.err
    after = emulator.reports()
    assert [
        (r["id"], r["report_name"], r["send_at"]) for r in after if r["report_name"] != "Arrived later"
    ] == [(r["id"], r["report_name"], r["send_at"]) for r in before if r["report_name"] != "Arrived later"]


def test_an_untouched_plan_applies_from_another_folder(
    tmp_path: Path, emulator: Emulator, env: dict[str, str]
) -> None:
    """The plan records its reports folder: `apply plan.json` reads the same files, wherever it runs."""
    emulator.add_report(report("Edited", send_at="08:00"))
    folder = write_reports(tmp_path / "reports", [report("Edited"), report("New")])
    plan_file = tmp_path / "plan.json"
    assert run_cli("plan", "--reports", str(folder), "--out", str(plan_file), env=env).code == 0
    result = run_cli("apply", str(plan_file), env=env)
    assert result.code == 0, result.out + result.err
    assert "Apply complete: 1 created, 1 updated, 0 deleted." in result.out
    assert sorted((r["report_name"], r["send_at"]) for r in emulator.reports()) == [
        ("Edited", "09:00"),
        ("New", "09:00"),
    ]


def _plan(*changes: Change, prune: bool = False) -> Plan:
    return Plan(tuple(changes), 0, (), 1, PlanOptions(prune=prune))


def _update(rid: str, send_at: str = "09:00") -> Change:
    body = report("A", send_at=send_at)
    return Change("update", "production", "A", rid, "r.yaml", 1, report("A"), body, (), "f", body)


@pytest.mark.parametrize(
    ("saved", "fresh", "said"),
    [
        (_plan(_update("a")), _plan(_update("a")), ""),
        (_plan(_update("a")), _plan(_update("b")), 'remote_id is "a" in the file, "b" now'),
        (_plan(_update("a")), _plan(_update("a"), prune=True), "option prune is false"),
        (_plan(_update("a", "10:00")), _plan(_update("a")), "after is"),
        (_plan(), _plan(_update("a")), "the file holds 0 change(s), the plan made now 1"),
    ],
)
def test_first_difference_names_the_first_field_that_differs(saved: Plan, fresh: Plan, said: str) -> None:
    found = first_difference(saved, fresh)
    assert (said in found) if said else found == ""


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (("--target", "Nothing"), "--target"),
        (("--prune",), "--prune"),
        (("--no-prune",), "--no-prune"),
        (("--max-change-percent", "0"), "--max-change-percent"),
        (("--min-existing", "0", "--target", "New"), "--target, --min-existing"),
    ],
)
def test_flags_that_would_change_a_saved_plan_are_refused(
    tmp_path: Path, emulator: Emulator, env: dict[str, str], flags: tuple[str, ...], named: str
) -> None:
    """`apply plan.json --target X` applied the whole saved plan, the flag silently dropped (Terraform
    refuses -target with a saved plan too): the plan's options are the reviewed ones."""
    emulator.add_report(report("Edited", send_at="08:00"))
    folder = write_reports(tmp_path / "reports", [report("Edited"), report("New")])
    plan_file = tmp_path / "plan.json"
    assert run_cli("plan", "--reports", str(folder), "--out", str(plan_file), env=env).code == 0
    before = emulator.reports()
    result = run_cli("apply", str(plan_file), *flags, env=env)
    assert result.code == 1, result.out + result.err
    assert f"{named} cannot change a saved plan" in result.err
    assert emulator.reports() == before
