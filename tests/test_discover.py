"""Discovery: every report file is read, and every entry that is not is named; a skip never deletes."""

from __future__ import annotations

import json
import os
import socket
import stat
from pathlib import Path

import pytest
from helpers import REPORT_YAML, report, run_cli

from reportsync.discover import discover
from reportsync.emulator import Emulator


def yaml_of(name: str) -> str:
    return REPORT_YAML.replace("Daily revenue", name)


def repo(tmp_path: Path) -> Path:
    """A repository (a .git marker) with a reports folder, as `reportsync` is run in it."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "reports").mkdir()
    return tmp_path


def found(folder: Path, root: Path) -> tuple[list[str], list[tuple[str, str]]]:
    result = discover(str(folder), str(root))
    files = [os.path.relpath(f, folder) for f in result.files]
    return files, [
        (os.path.relpath(s.path, folder), s.reason.split(" (")[0].split(",")[0]) for s in result.skipped
    ]


def test_discovery_table(tmp_path: Path) -> None:
    root = repo(tmp_path)
    reports, outside = root / "reports", tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (outside / "x.yaml").write_text("a: 1\n")
    (root / "shared-reports").mkdir()
    for name in (
        "shared-reports/s.yaml",
        "reports/a.YAML",
        "reports/b.Yml",
        "reports/c.yaml",
        "reports/n.txt",
    ):
        (root / name).write_text("a: 1\n")
    (reports / "sub").mkdir()
    (reports / "sub" / "d.yml").write_text("a: 1\n")
    links = {
        "shared": "../shared-reports",  # folder inside the repository: followed
        "again.yaml": "c.yaml",  # a second name for a file already read: read once
        "loop": "..",  # back to the repository root: followed, reports/ itself not walked twice
        "out": str(outside),  # folder outside: skipped
        "out.yaml": str(outside / "x.yaml"),  # file outside: skipped
        "gone.yaml": "missing.yaml",  # broken: skipped
        "gone-dir": "missing",  # broken, may have been a folder: skipped
    }
    for name, target in links.items():
        (reports / name).symlink_to(target)
    os.mkfifo(reports / "pipe.yaml")
    (reports / ".DS_Store").write_text("x")  # hidden, and no report: not named
    (reports / ".cache").mkdir()  # hidden folder holding no report file: not named
    (reports / ".cache" / "n.json").write_text("{}")
    files, skipped = found(reports, root)
    assert files == [
        "a.YAML",
        "again.yaml",  # c.yaml is the same file: read once, under its first name
        "b.Yml",
        "shared/s.yaml",  # the loop back to the root finds it again: read once
        "sub/d.yml",
    ]
    assert skipped == [
        ("gone-dir", "broken link"),
        ("gone.yaml", "broken link"),
        ("out", "link leading outside the repository"),
        ("out.yaml", "link leading outside the repository"),
        ("pipe.yaml", "a FIFO"),
    ]


def test_a_link_loop_ends(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / "reports" / "self").symlink_to(".")
    (root / "reports" / "r.yaml").write_text("a: 1\n")
    assert found(root / "reports", root) == (["r.yaml"], [])


def _apply(cwd: Path, env: dict[str, str], *more: str) -> object:
    return run_cli("apply", "--auto-approve", *more, env=env, cwd=cwd)


@pytest.mark.parametrize("file_name", ["Daily-Revenue.YAML", "Weekly.Yml", "x.yAmL"])
def test_a_capitalised_extension_is_read_and_never_pruned(
    tmp_path: Path, emulator: Emulator, env: dict[str, str], file_name: str
) -> None:
    root = repo(tmp_path)
    kept = emulator.add_report(report("Daily revenue"))
    (root / "reports" / file_name).write_text(REPORT_YAML, encoding="utf-8")
    result = run_cli("apply", "--auto-approve", "--prune", env=env, cwd=root)
    assert result.code == 0, result.out + result.err
    assert "No changes" in result.out or "0 deleted" in result.out
    assert [r["id"] for r in emulator.reports()] == [kept["id"]]


def test_a_symlinked_folder_inside_the_repository_is_read(
    tmp_path: Path, emulator: Emulator, env: dict[str, str]
) -> None:
    root = repo(tmp_path)
    (root / "shared-reports").mkdir()
    (root / "shared-reports" / "s.yaml").write_text(yaml_of("Shared"), encoding="utf-8")
    (root / "reports" / "shared").symlink_to("../shared-reports")
    (root / "reports" / "own.yaml").write_text(yaml_of("Own"), encoding="utf-8")
    shared = emulator.add_report(report("Shared"))
    result = run_cli("apply", "--auto-approve", "--prune", env=env, cwd=root)
    assert result.code == 0, result.out + result.err
    assert "1 created, 0 updated, 0 deleted" in result.out
    assert sorted(r["report_name"] for r in emulator.reports()) == ["Own", "Shared"]
    assert shared["id"] in {r["id"] for r in emulator.reports()}


def _outside_link(root: Path) -> None:
    outside = root.parent / f"{root.name}-elsewhere"
    outside.mkdir()
    (outside / "secret.yaml").write_text("report_name: do not quote me\n", encoding="utf-8")
    (root / "reports" / "elsewhere").symlink_to(outside)


def _fifo(root: Path) -> None:
    os.mkfifo(root / "reports" / "pipe.yaml")


def _device(root: Path) -> None:
    try:  # a character device like /dev/null: needs root (or CAP_MKNOD)
        os.mknod(root / "reports" / "null.yaml", stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except OSError:
        pytest.skip("cannot make a device file here")


def _socket(root: Path) -> None:
    server = socket.socket(socket.AF_UNIX)
    with pytest.MonkeyPatch.context() as mp:  # a relative path: socket paths are limited to ~100 bytes
        mp.chdir(root / "reports")
        server.bind("sock.yaml")
    server.close()  # the socket file stays


def _broken(root: Path) -> None:
    (root / "reports" / "old.yaml").symlink_to("moved-away.yaml")


def _hidden_file(root: Path) -> None:
    (root / "reports" / ".orphan.yaml").write_text(yaml_of("Orphan"), encoding="utf-8")


def _hidden_folder(root: Path) -> None:
    (root / "reports" / ".archive").mkdir()
    (root / "reports" / ".archive" / "orphan.yaml").write_text(yaml_of("Orphan"), encoding="utf-8")


@pytest.mark.parametrize(
    ("make", "entry", "reason"),
    [
        (_outside_link, "elsewhere", "link leading outside the repository"),
        (_fifo, "pipe.yaml", "a FIFO (named pipe), not a regular file"),
        (_broken, "old.yaml", "broken link"),
        (_device, "null.yaml", "a device, not a regular file"),
        (_socket, "sock.yaml", "a socket, not a regular file"),
        (_hidden_file, ".orphan.yaml", "hidden (its name starts with '.'), so it was not read"),
        (_hidden_folder, ".archive", "hidden folder holding report files; it was not read"),
    ],
)
def test_an_entry_not_read_is_named_and_nothing_is_deleted(
    tmp_path: Path, emulator: Emulator, env: dict[str, str], make: object, entry: str, reason: str
) -> None:
    root = repo(tmp_path)
    make(root)  # type: ignore[operator]
    (root / "reports" / "own.yaml").write_text(yaml_of("Own"), encoding="utf-8")
    orphan = emulator.add_report(report("Orphan"))
    validated = run_cli("validate", cwd=root)
    assert validated.code == 0 and f"reports/{entry}: not read: {reason}" in validated.err
    result = run_cli("apply", "--auto-approve", "--prune", env=env, cwd=root)
    assert result.code == 0, result.out + result.err
    assert f"reports/{entry}: not read: {reason}" in result.err
    assert "nothing is deleted in this run (prune is off)" in result.err
    assert "do not quote me" not in result.out + result.err
    assert "1 created, 0 updated, 0 deleted" in result.out
    assert orphan["id"] in {r["id"] for r in emulator.reports()}


@pytest.mark.parametrize("value", ["../outside", "/tmp", "reports/../../x"])
def test_reports_folder_must_stay_inside_the_repository(tmp_path: Path, value: str) -> None:
    root = repo(tmp_path)
    (root / "reportsync.yaml").write_text(f"reports: {json.dumps(value)}\n", encoding="utf-8")
    result = run_cli("validate", cwd=root)
    assert result.code == 1 and "leads outside the repository" in result.err + result.out


def test_a_reports_link_leading_outside_is_refused(tmp_path: Path) -> None:
    root = repo(tmp_path)
    outside = tmp_path.parent / f"{tmp_path.name}-out"
    outside.mkdir()
    (root / "linked").symlink_to(outside)
    (root / "reportsync.yaml").write_text("reports: linked\n", encoding="utf-8")
    result = run_cli("validate", cwd=root)
    assert result.code == 1 and "reportsync.yaml:1:10: reports: 'linked' leads outside" in result.err


@pytest.mark.parametrize("spelling", ["reportsync.yml", "Reportsync.YAML", "reportsync.YML"])
def test_the_config_is_found_under_every_spelling(tmp_path: Path, spelling: str) -> None:
    root = repo(tmp_path)
    (root / "elsewhere").mkdir()
    (root / "elsewhere" / "r.yaml").write_text(REPORT_YAML, encoding="utf-8")
    (root / spelling).write_text("reports: elsewhere\n", encoding="utf-8")
    result = run_cli("validate", cwd=root)
    assert result.code == 0 and "1 report in 1 file" in result.out


def test_two_config_spellings_are_refused(tmp_path: Path) -> None:
    root = repo(tmp_path)
    (root / "reportsync.yaml").write_text("reports: reports\n", encoding="utf-8")
    (root / "reportsync.yml").write_text("reports: reports\n", encoding="utf-8")
    result = run_cli("validate", cwd=root)
    assert result.code == 1 and "reportsync.yaml and reportsync.yml are both present" in result.err


def test_import_refuses_while_an_entry_is_not_read(
    tmp_path: Path, emulator: Emulator, env: dict[str, str]
) -> None:
    """A FIFO may declare the remote report: import would write a second file for it."""
    root = repo(tmp_path)
    _fifo(root)
    emulator.add_report(report("Remote only"))
    result = run_cli("import", env=env, cwd=root)
    assert result.code == 3, result.out + result.err
    assert "reports/pipe.yaml: not read: a FIFO" in result.err and "nothing was written" in result.err
    assert sorted(p.name for p in (root / "reports").iterdir()) == ["pipe.yaml"]
