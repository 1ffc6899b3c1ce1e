"""`reportsync import`: slugs, collisions, file text, and the round trip plan -> "No changes"."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import report, write_reports
from hypothesis import given, settings
from hypothesis import strategies as st

from reportsync.constants import WRITABLE_FIELDS
from reportsync.emulator import Emulator
from reportsync.importer import plan_import, report_text, slugify, unique_filenames
from reportsync.loader import parse_documents
from reportsync.models import RemoteReport, normalize
from reportsync.validate import check_document

# -- pure parts -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Daily revenue", "daily-revenue"),
        ("  Daily   revenue  ", "daily-revenue"),
        ("Revenue: #1 'EU' / \"US\"", "revenue-1-eu-us"),
        ("Café Überblick", "cafe-uberblick"),
        ("★★★", "report"),
        ("", "report"),
        ("日本語レポート", "report"),
        ("a" * 59 + "-b" + "c" * 100, "a" * 59),
        ("x" * 300, "x" * 60),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_collisions_resolved_in_order_against_files_and_each_other() -> None:
    taken = ["daily-revenue.yaml", "Weekly.YML", "notes.txt"]
    stems = ["daily-revenue", "daily-revenue", "weekly", "daily-revenue.sandbox", "daily-revenue.sandbox"]
    assert unique_filenames(stems, taken) == [
        "daily-revenue-2.yaml",
        "daily-revenue-3.yaml",
        "weekly-2.yaml",
        "daily-revenue.sandbox.yaml",
        "daily-revenue-2.sandbox.yaml",
    ]


def remote(report_id: str, name: str, env: str = "production", **fields: Any) -> RemoteReport:
    payload = {
        "object": "scheduled_report",
        "id": report_id,
        **report(name, environment=env, **fields),
        "runs": 3,
        "created_at": f"2026-01-01T00:00:{report_id[-2:]}Z",
    }
    payload["destinations"] = [{"type": "target_integration", "id": "int-wh-01", "label": "Webhooks: x"}]
    return RemoteReport(report_id, payload)


def test_environment_suffix_only_for_names_in_both_environments() -> None:
    reports = [
        remote("id01", "Daily revenue"),
        remote("id02", "Daily revenue", "sandbox"),
        remote("id03", "Other"),
    ]
    files, skipped = plan_import(reports, reports, set(), [], None)
    assert [f.filename for f in files] == [
        "daily-revenue.production.yaml",
        "daily-revenue.sandbox.yaml",
        "other.yaml",
    ]
    assert skipped == ()


def test_creation_order_decides_who_gets_the_plain_name() -> None:
    newer, older = remote("id09", "Revenue!"), remote("id01", "revenue")
    files, _ = plan_import([newer, older], [newer, older], set(), [], None)
    assert [(f.filename, f.report.id) for f in files] == [
        ("revenue.yaml", "id01"),
        ("revenue-2.yaml", "id09"),
    ]


def test_duplicate_names_and_managed_names_are_skipped_with_a_reason() -> None:
    twins = [remote("id01", "Twin"), remote("id02", "Twin")]
    taken_by_file = remote("id03", "Managed")
    files, skipped = plan_import([*twins, taken_by_file], twins, {("production", "Managed")}, [], None)
    assert files == ()
    assert [s.report.id for s in skipped] == ["id01", "id02", "id03"]
    assert "several remote reports share this name" in skipped[0].reason
    assert "already declares this name" in skipped[2].reason


def test_report_text_layout() -> None:
    text = report_text(
        remote("id01", "Daily revenue", send_at="06:00"), "../schema/scheduled-report.schema.json"
    )
    lines = text.splitlines()
    assert lines[0] == "# yaml-language-server: $schema=../schema/scheduled-report.schema.json"
    keys = [line.split(":")[0] for line in lines if line and not line.startswith((" ", "#"))]
    assert keys == ["id", *WRITABLE_FIELDS]
    assert 'send_at: "06:00"' in lines
    assert "    label: 'Webhooks: x'" in lines
    assert "runs" not in text and "created_at" not in text


def test_no_modeline_without_a_schema_path() -> None:
    assert not report_text(remote("id01", "X"), None).startswith("# yaml-language-server")


@settings(max_examples=200, deadline=None)
@given(name=st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=255))
def test_any_name_survives_the_file_round_trip(name: str) -> None:
    source = remote("id01", name, send_at="10:30")
    (document,) = parse_documents(report_text(source, None), "x.yaml")
    spec, problems = check_document(document)
    assert problems == []
    assert spec is not None and spec.pinned_id == "id01"
    assert normalize(spec.payload) == normalize(source.payload)


# -- through the CLI, against a populated emulator ---------------------------------------------------

UNUSUAL = [
    "Daily revenue",
    "daily revenue!",
    "Revenue: #1 'EU' \"US\"",
    "  leading spaces",
    "Überblick ☕ café",
    "★★★",
    "10:30",
    "yes",
    "- dash",
    "L" * 255,
]


def populate(emulator: Emulator) -> dict[str, str]:
    ids = {}
    for index, name in enumerate(UNUSUAL):
        ids[name] = emulator.add_report(report(name, send_at=f"{index:02d}:30"))["id"]
    ids["Daily revenue (sandbox)"] = emulator.add_report(
        report(
            "Daily revenue",
            environment="sandbox",
            destinations=[{"type": "target_integration", "id": "int-slack-02"}],
        )
    )["id"]
    return ids


def repo(tmp_path: Path) -> Path:
    """A repository with the schema folder, as `reportsync init` would lay it out."""
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "scheduled-report.schema.json").write_text("{}", encoding="utf-8")
    return tmp_path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


def test_import_round_trip_then_plan_shows_no_changes(
    tmp_path: Path, cli: Any, emulator: Emulator, env: Any
) -> None:
    ids = populate(emulator)
    root = repo(tmp_path)
    result = cli("import", env=env, cwd=root)
    assert result.code == 0, result.err
    files = snapshot(root / "reports")
    assert len(files) == len(ids)
    assert "daily-revenue.production.yaml" in files
    assert "daily-revenue.sandbox.yaml" in files
    assert "daily-revenue.yaml" in files  # "daily revenue!": production only, no suffix
    assert "report.yaml" in files  # "★★★"
    assert "leading-spaces.yaml" in files
    assert all(len(Path(name).stem) <= 60 + len(".production") for name in files)
    for name, body in files.items():
        text = body.decode("utf-8")
        assert text.startswith("# yaml-language-server: $schema=../schema/scheduled-report.schema.json\n"), (
            name
        )
        assert "\nid: " in text
    assert f"Imported {len(ids)} report(s)" in result.out

    plan = cli("plan", "--detailed-exitcode", env=env, cwd=root)
    assert plan.code == 0, plan.out + plan.err
    assert "No changes. Remote reports match reports/." in plan.out
    assert f"({len(ids)} unchanged, 0 unmanaged)" in plan.out


def test_import_names_round_trip_exactly(tmp_path: Path, cli: Any, emulator: Emulator, env: Any) -> None:
    populate(emulator)
    assert cli("import", env=env, cwd=tmp_path).code == 0
    names = set()
    for path in (tmp_path / "reports").iterdir():
        (document,) = parse_documents(path.read_text(encoding="utf-8"), path.name)
        names.add(document.data["report_name"])
    assert names == set(UNUSUAL)
    text = (tmp_path / "reports" / "report.yaml").read_text(encoding="utf-8")
    assert "yaml-language-server" not in text  # no schema/ folder in this repo: no modeline


def test_dry_run_writes_nothing(tmp_path: Path, cli: Any, emulator: Emulator, env: Any) -> None:
    populate(emulator)
    result = cli("import", "--dry-run", env=env, cwd=tmp_path)
    assert result.code == 0, result.err
    assert not (tmp_path / "reports").exists()
    assert "+ reports/daily-revenue.sandbox.yaml" in result.out
    assert "Dry run: 11 file(s) would be written to reports/; nothing was written." in result.out


def test_existing_files_are_untouched_and_not_reimported(
    tmp_path: Path, cli: Any, emulator: Emulator, env: Any
) -> None:
    emulator.add_report(report("Managed"))
    emulator.add_report(report("managed!"))
    folder = tmp_path / "reports"
    write_reports(folder, [report("Managed")])
    (folder / "r0000.yaml").rename(folder / "Managed.yaml")
    before = snapshot(folder)
    result = cli("import", env=env, cwd=tmp_path)
    assert result.code == 0, result.err
    after = snapshot(folder)
    assert {k: v for k, v in after.items() if k in before} == before
    assert sorted(set(after) - set(before)) == ["managed-2.yaml"]
    again = cli("import", env=env, cwd=tmp_path)
    assert "Nothing to import" in again.out
    assert snapshot(folder) == after


def test_import_refuses_to_run_on_invalid_files(
    tmp_path: Path, cli: Any, emulator: Emulator, env: Any
) -> None:
    emulator.add_report(report("Anything"))
    folder = write_reports(tmp_path / "reports", [report(send_at="9:00")])
    result = cli("import", env=env, cwd=tmp_path)
    assert result.code == 1
    assert "send_at" in result.err
    assert sorted(snapshot(folder)) == ["r0000.yaml"]


def test_filters_environment_and_name(tmp_path: Path, cli: Any, emulator: Emulator, env: Any) -> None:
    populate(emulator)
    result = cli("import", "--environment", "sandbox", env=env, cwd=tmp_path)
    assert sorted(snapshot(tmp_path / "reports")) == ["daily-revenue.sandbox.yaml"]
    result = cli("import", "--name", "Daily*", "--format", "json", env=env, cwd=tmp_path)
    data = json.loads(result.out)
    assert [(f["file"], f["environment"]) for f in data["files"]] == [
        ("reports/daily-revenue.production.yaml", "production")
    ]


def test_duplicate_remote_names_are_skipped(tmp_path: Path, cli: Any, emulator: Emulator, env: Any) -> None:
    emulator.add_report(report("Twin"))
    emulator.add_report(report("Twin"))
    emulator.add_report(report("Single"))
    result = cli("import", env=env, cwd=tmp_path)
    assert result.code == 0, result.err
    assert sorted(snapshot(tmp_path / "reports")) == ["single.yaml"]
    assert 'Not imported:\n  ! "Twin" (production)' in result.out
    assert "rename all but one in the dashboard" in result.out


def test_ignore_globs_are_honoured_by_import_and_prune(
    tmp_path: Path, cli: Any, emulator: Emulator, env: Any
) -> None:
    manual = emulator.add_report(report("Manual export"))
    stray = emulator.add_report(report("Stray"))
    (tmp_path / "reportsync.yaml").write_text('ignore: ["Manual*"]\n', encoding="utf-8")
    write_reports(tmp_path / "reports", [report("Kept")])
    emulator.add_report(report("Kept"))

    plan = cli("plan", "--prune", env=env, cwd=tmp_path)
    assert plan.code == 0, plan.err
    assert f'- delete "Stray" (production) id {stray["id"]}' in plan.out
    assert "Manual export" not in plan.out.split("Unmanaged remote reports")[0]
    assert f'? "Manual export" (production) id {manual["id"]} (ignored by config)' in plan.out

    dry = cli("import", "--dry-run", env=env, cwd=tmp_path)
    assert "stray.yaml" in dry.out and "manual" not in dry.out
    assert "1 unmanaged report(s) match `ignore:` in the config; not imported." in dry.out

    applied = cli("apply", "--prune", "--auto-approve", env=env, cwd=tmp_path)
    assert applied.code == 0, applied.err
    assert sorted(r["report_name"] for r in emulator.reports()) == ["Kept", "Manual export"]


def test_a_report_whose_file_plan_would_refuse_is_skipped(tmp_path: Path) -> None:
    from reportsync.commands.import_ import checked
    from reportsync.models import Destination

    gone = remote("id01", "Gone")
    bad_slot = remote("id02", "Odd slot", send_at="10:15")
    files, _ = plan_import([gone, bad_slot], [gone, bad_slot], set(), [], None)
    listing = (Destination("target_integration", "int-slack-01"),)
    good, skipped = checked(files, tmp_path, listing)
    assert good == ()
    assert [s.report.id for s in skipped] == ["id01", "id02"]
    assert "delivers to int-wh-01, not in the destination listing" in skipped[0].reason
    assert "would not be a valid report file: send_at" in skipped[1].reason
