"""Apply checks what the server holds: names it trims or composes, values it stores in another form."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from helpers import KEY, REPORT_YAML, run_cli

from reportsync.emulator import Emulator

RANGE_7 = REPORT_YAML.replace("included_range_days: 1", "included_range_days: 7")


def write_named(folder: Path, name_line: str, text: str = REPORT_YAML) -> Path:
    """One report file whose `report_name:` line is `name_line` exactly as written."""
    folder.mkdir(parents=True, exist_ok=True)
    body = text.replace("report_name: Daily revenue", name_line)
    (folder / "report.yaml").write_text(body, encoding="utf-8")
    return folder


def quoted(name: str) -> str:
    return "report_name: " + json.dumps(name)  # YAML double quotes read JSON escapes


def apply(folder: Path, env: dict[str, str]) -> Any:
    return run_cli("apply", "--reports", str(folder), "--auto-approve", env=env)


def identities(emu: Emulator) -> Counter[tuple[str, str]]:
    return Counter((r["environment"], r["report_name"]) for r in emu.reports())


# (rewrite switch, report_name line as written, name as sent (escaped), name as the server holds it)
NAME_CASES = [
    ("trim-names", quoted("Weekly KPIs "), '"Weekly KPIs "', "Weekly KPIs"),
    ("trim-names", "report_name: Weekly KPIs\u00a0", '"Weekly KPIs\\u00a0"', "Weekly KPIs"),
    ("trim-names", quoted("\u2003Revenue\t"), '"\\u2003Revenue\\t"', "Revenue"),
    # as servers trim beyond str.strip(): JavaScript's trim() strips U+FEFF, Java's String.trim() every
    # character up to U+0020 (a BOM or a control pasted from a spreadsheet)
    ("trim-names", quoted("Weekly KPIs\ufeff"), '"Weekly KPIs\\ufeff"', "Weekly KPIs"),
    ("trim-names", quoted("\ufeff\u0001Revenue"), '"\\ufeff\\u0001Revenue"', "Revenue"),
    ("nfc-names", quoted("Cafe\u0301 daily"), '"Cafe\\u0301 daily"', "Café daily"),
    ("nfc-names", quoted("A\u030angstro\u0308m"), '"A\\u030angstro\\u0308m"', "Ångström"),
]


@pytest.mark.parametrize(("rewrite", "line", "sent", "held"), NAME_CASES)
def test_a_name_the_server_rewrites_fails_once_then_is_never_created_again(
    tmp_path: Path, emulator: Emulator, env: dict[str, str], rewrite: str, line: str, sent: str, held: str
) -> None:
    emulator.faults.rewrite_stored(rewrite)
    folder = write_named(tmp_path / "reports", line)
    first = apply(folder, env)
    assert first.code == 4, first.out + first.err
    assert f'report_name "{held}" (sent {sent})' in first.out
    assert "Apply finished with errors: 0 created" in first.out
    [stored] = emulator.reports()
    assert stored["report_name"] == held
    for _ in range(2):  # every later run refuses to make a second copy, and says how to pin it
        again = apply(folder, env)
        assert again.code == 1, again.out + again.err
        assert f"add `id: {stored['id']}` to the file" in again.err
        assert sent in again.err
    assert identities(emulator) == Counter({("production", held): 1})


@pytest.mark.parametrize("minimal", [False, True])
def test_an_integer_stored_as_a_string_is_never_reported_applied(tmp_path: Path, minimal: bool) -> None:
    """A full answer shows it at once; a minimal PUT answer is caught by the re-read after apply. Every
    answer is checked against the contract (issue 14), so the next run fails closed: no PUT again."""
    with Emulator(key=KEY, seed=3, put_returns_minimal=minimal) as emu:
        env = {"QONVERSION_SECRET_KEY": KEY, "QONVERSION_API_URL": emu.url}
        folder = write_named(tmp_path / "reports", "report_name: Weekly", RANGE_7)
        emu.add_report({**json.loads(json.dumps(_payload("Weekly"))), "included_range_days": 3})
        emu.faults.rewrite_stored("range-as-string")
        malformed = (
            "200 malformed_response: report '{}': included_range_days is a string, expected an integer"
        )
        result = apply(folder, env)
        rid = emu.reports()[0]["id"]
        assert result.code == 4, result.out + result.err
        assert malformed.format(rid) in result.out
        assert "0 updated" in result.out and "1 failed" in result.out
        if minimal:
            assert "applied, but re-reading to check it failed" in result.out
        again = apply(folder, env)
        assert again.code == 1, again.out + again.err
        assert f"GET /scheduled-reports → {malformed.format(rid)}" in again.err
        assert emu.counts[("PUT", "/scheduled-reports/{id}")] == 1
        assert [r["included_range_days"] for r in emu.reports()] == ["7"]


def test_a_create_whose_copy_the_reread_shows_twice_fails(
    tmp_path: Path, emulator: Emulator, env: dict[str, str]
) -> None:
    """Another writer created the same report meanwhile: the re-read sees two and says so."""
    folder = write_named(tmp_path / "reports", "report_name: Twice")
    emulator.faults.twin_creates(1)
    result = apply(folder, env)
    assert result.code == 4, result.out
    assert 'applied, but the server holds 2 reports named "Twice"' in result.out
    assert identities(emulator) == Counter({("production", "Twice"): 2})
    again = apply(folder, env)  # and the next run refuses to guess, naming both ids
    assert again.code == 1 and '2 remote reports are named "Twice"' in again.err
    assert identities(emulator) == Counter({("production", "Twice"): 2})


def test_validate_warns_about_names_a_server_may_rewrite(tmp_path: Path) -> None:
    folder = write_named(tmp_path / "reports", "report_name: Weekly KPIs\u00a0")
    (folder / "b.yaml").write_text(
        REPORT_YAML.replace("Daily revenue", '"Cafe\\u0301\\u0007"'), encoding="utf-8"
    )
    result = run_cli("validate", "--reports", str(folder))
    assert result.code == 0, result.out + result.err
    assert 'report_name "Weekly KPIs\\u00a0" has leading or trailing whitespace' in result.err
    assert "not in Unicode NFC" in result.err and "control or invisible" in result.err
    assert "2 reports in 2 files: all valid." in result.out


def _payload(name: str) -> dict[str, Any]:
    return {
        "report_name": name,
        "send_at": "09:00",
        "included_range_days": 7,
        "status": "active",
        "environment": "production",
        "destinations": [{"type": "target_integration", "id": "int-wh-01"}],
    }


@pytest.mark.parametrize(
    ("names", "managed"),
    [
        (["Weekly KPIs", "Weekly KPIs "], False),  # two new files, one name once trimmed
        (["Weekly KPIs", "Weekly KPIs\u00a0"], True),  # a new file beside a managed report's file
        (["Café daily", "Cafe\u0301 daily"], False),
    ],
)
def test_two_files_whose_names_a_server_would_store_as_one_are_never_both_created(
    tmp_path: Path, emulator: Emulator, env: dict[str, str], names: list[str], managed: bool
) -> None:
    # Each file's report was checked against the remote reports only: both were created, and a trimming
    # server then held two reports of one name (exit 4, a duplicate).
    emulator.faults.rewrite_stored("trim-names", "nfc-names")
    folder = tmp_path / "reports"
    for index, name in enumerate(names):
        write_named(folder / str(index), quoted(name))
    if managed:
        emulator.add_report(json.loads(json.dumps(_payload(names[0]))))
    before = emulator.reports()
    result = apply(folder, env)
    assert result.code == 1, result.out + result.err
    assert "only in outer whitespace or Unicode form" in result.err
    assert "nothing was changed" in result.err
    assert emulator.reports() == before
