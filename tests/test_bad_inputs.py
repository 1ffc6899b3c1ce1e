"""The bad-input corpus: every mistake users make ends in exit 1, one clear line naming file and line."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import REPORT_YAML, run_cli

CORPUS = Path(__file__).parent / "bad_inputs"
EXPECTED: dict[str, dict[str, Any]] = {
    case: entry
    for case, entry in json.loads((CORPUS / "expected.json").read_text(encoding="utf-8")).items()
    if not case.startswith("_")
}
MEMORY_LIMIT = 512 * 1024 * 1024

VALID = REPORT_YAML


def place(case: str, reports: Path) -> None:
    """Copy one corpus case (a file or a folder of files) into the reports folder."""
    reports.mkdir(parents=True, exist_ok=True)
    source = CORPUS / case
    if source.is_dir():
        shutil.copytree(source, reports / case)
    else:
        shutil.copyfile(CORPUS / f"{case}.yaml", reports / f"{case}.yaml")


def location(entry: dict[str, Any]) -> str:
    where = f"reports/{entry['file']}"
    if entry["line"]:
        where += f":{entry['line']}"
        if entry["col"]:
            where += f":{entry['col']}"
    return where + ": "


def problem_line(output: str, entry: dict[str, Any]) -> str:
    """The one output line reporting the expected problem (fails if there is none)."""
    for line in output.splitlines():
        if line.startswith(location(entry)) and entry["message"] in line:
            return line
    raise AssertionError(f"no line {location(entry)}...{entry['message']!r} in:\n{output}")


def run_subprocess(reports_parent: Path, limit_memory: bool = True) -> subprocess.CompletedProcess[str]:
    def limit() -> None:  # runs in the child: a bomb must fail with a message, not eat the machine
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    return subprocess.run(
        [sys.executable, "-m", "reportsync", "validate", "--reports", "reports"],
        cwd=reports_parent,
        env=env,
        capture_output=True,
        text=True,
        preexec_fn=limit if limit_memory else None,
        check=False,
    )


def test_every_corpus_file_has_an_expectation() -> None:
    on_disk = {p.stem if p.is_file() else p.name for p in CORPUS.iterdir() if p.name != "expected.json"}
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_bad_input_is_refused_with_file_and_line(case: str, tmp_path: Path) -> None:
    place(case, tmp_path / "reports")
    result = run_cli("validate", "--reports", "reports", cwd=tmp_path)
    assert result.code == 1
    problem_line(result.out, EXPECTED[case])
    assert "problem" in result.out.splitlines()[-1]
    assert " problem" in result.out.splitlines()[-1]
    assert "Traceback" not in result.out + result.err
    assert "internal error" not in result.out + result.err


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_bad_input_as_json_and_annotation(case: str, tmp_path: Path) -> None:
    entry = EXPECTED[case]
    place(case, tmp_path / "reports")
    env = {"GITHUB_ACTIONS": "true"}
    result = run_cli("validate", "--reports", "reports", "--format", "json", env=env, cwd=tmp_path)
    assert result.code == 1
    body = json.loads(result.out)
    assert body["valid"] is False
    found = [p for p in body["problems"] if entry["message"] in p["message"]]
    assert found, body
    assert found[0]["file"] == f"reports/{entry['file']}"
    assert found[0]["line"] == (entry["line"] or 0)
    assert f"::error file=reports/{entry['file']}" in result.err


def test_whole_corpus_in_one_run_reports_every_problem(tmp_path: Path) -> None:
    for case in EXPECTED:
        place(case, tmp_path / "reports")
    result = run_cli("validate", "--reports", "reports", cwd=tmp_path)
    assert result.code == 1
    for entry in EXPECTED.values():
        problem_line(result.out, entry)
    files = sum(1 for _ in (tmp_path / "reports").rglob("*.yaml"))
    assert result.out.splitlines()[-1].endswith(f" of {files} files.")


@pytest.mark.parametrize(
    "case", ["billion_laughs", "binary_garbage", "not_utf8", "yaml_unclosed_quote", "duplicate_identity"]
)
def test_bad_input_in_a_real_process_prints_no_traceback(case: str, tmp_path: Path) -> None:
    place(case, tmp_path / "reports")
    proc = run_subprocess(tmp_path)
    assert proc.returncode == 1, proc.stderr
    problem_line(proc.stdout, EXPECTED[case])
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stderr == ""


def _ten_megabytes(path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write(VALID)
        for _ in range(10 * 1024):
            handle.write("#" + "x" * 1022 + "\n")


def _deep_flow(path: Path) -> None:
    path.write_text("destinations: " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")


def _deep_block(path: Path) -> None:
    path.write_text("".join(" " * i + "a:\n" for i in range(1200)), encoding="utf-8")


def _wide_alias_bomb(path: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 30)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


GENERATED = {
    "ten_megabytes": (_ten_megabytes, None, "file is larger than 1 MiB"),
    "deep_flow": (_deep_flow, 1, "nest"),
    "deep_block": (_deep_block, 1000, "nest"),
    "wide_alias_bomb": (_wide_alias_bomb, 1, "YAML anchors and aliases"),
}


@pytest.mark.parametrize("case", sorted(GENERATED))
def test_generated_huge_input_fails_cleanly_under_a_memory_limit(case: str, tmp_path: Path) -> None:
    make, line, message = GENERATED[case]
    (tmp_path / "reports").mkdir()
    make(tmp_path / "reports" / f"{case}.yaml")
    proc = run_subprocess(tmp_path)
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-2000:])
    first = proc.stdout.splitlines()[0]
    assert first.startswith(f"reports/{case}.yaml:{line}:" if line else f"reports/{case}.yaml: ")
    assert message in first
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[-1] == "1 problem in 1 of 1 file."


# YAML 1.1 traps the loader defuses: these files are valid and mean what the user meant.
HANDLED_TRAPS = {
    "unquoted_time": (VALID.replace('"09:00"', "10:30"), {"send_at": "10:30"}),
    "unquoted_midnight": (VALID.replace('"09:00"', "00:00"), {"send_at": "00:00"}),
    "date_like_name": (VALID.replace("Daily revenue", "2024-01-01"), {"report_name": "2024-01-01"}),
    "float_like_name": (VALID.replace("Daily revenue", "1.5e3 beta"), {"report_name": "1.5e3 beta"}),
    "equals_name": (VALID.replace("Daily revenue", "="), {"report_name": "="}),
    "utf8_bom": ("\ufeff" + VALID, {"report_name": "Daily revenue"}),
    "crlf_line_endings": (VALID.replace("\n", "\r\n"), {"send_at": "09:00"}),
    "non_ascii_name": (
        VALID.replace("Daily revenue", "Выручка — день ✓"),
        {"report_name": "Выручка — день ✓"},
    ),
}


@pytest.mark.parametrize("case", sorted(HANDLED_TRAPS))
def test_handled_trap_is_valid_and_keeps_its_meaning(case: str, tmp_path: Path) -> None:
    from reportsync.validate import collect

    text, fields = HANDLED_TRAPS[case]
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "trap.yaml").write_bytes(text.encode("utf-8"))
    result = run_cli("validate", "--reports", "reports", cwd=tmp_path)
    assert (result.code, result.out) == (0, "1 report in 1 file: all valid.\n")
    specs, problems, _ = collect(tmp_path / "reports")
    assert problems == []
    for key, value in fields.items():
        assert specs[0].payload[key] == value
