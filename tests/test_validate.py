"""The validator: every schema rule with its sentence, cross-file checks, output formats, the schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import REPORT_YAML, run_cli
from jsonschema import Draft202012Validator

from reportsync import constants
from reportsync.console import annotation
from reportsync.errors import InvalidFilesError, Problem
from reportsync.loader import parse_documents
from reportsync.schema import SCHEMA_DIR, load_schema
from reportsync.validate import check_document, collect, load_desired

ROOT = Path(__file__).resolve().parents[1]

DAILY = (
    "# yaml-language-server: $schema=../schema/scheduled-report.schema.json\n"
    "# Yesterday's revenue, every morning.\n" + REPORT_YAML
)
DEST = "destinations:\n  - type: target_integration\n    id: int-wh-01\n"


def problems_of(text: str, file: str = "reports/daily.yaml") -> list[str]:
    found: list[str] = []
    for document in parse_documents(text, file):
        _, problems = check_document(document)
        found.extend(str(p) for p in problems)
    return found


def edit(old: str, new: str) -> str:
    assert old in DAILY
    return DAILY.replace(old, new)


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


# --- every rule, valid ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('send_at: "09:00"', 'send_at: "00:00"'),
        ('send_at: "09:00"', 'send_at: "23:30"'),
        ('send_at: "09:00"', "send_at: 10:30"),  # unquoted, still the string "10:30"
        ("included_range_days: 1", "included_range_days: 3"),
        ("included_range_days: 1", "included_range_days: 7"),
        ("status: active", "status: draft"),
        ("environment: production", "environment: sandbox"),
        ("report_name: Daily revenue", "report_name: " + "x" * 255),
        ("report_name: Daily revenue", 'report_name: "7"'),
        ("report_name: Daily revenue", "id: rep_01.A-b\nreport_name: Daily revenue"),
        ("id: int-wh-01", "id: int-wh-01\n    label: anything at all"),
        ("id: int-wh-01", "id: int-wh-01\n  - type: target_integration\n    id: int-wh-02"),
        ("id: int-wh-01", "id: " + "a" * 256),
    ],
)
def test_valid_variants(old: str, new: str) -> None:
    assert problems_of(edit(old, new)) == []


def test_valid_document_becomes_a_spec_with_the_api_body() -> None:
    text = edit("report_name: Daily revenue", "id: rep-1\nreport_name: Daily revenue")
    text = text.replace("id: int-wh-01", "id: int-wh-01\n    label: Hooks")
    spec, problems = check_document(parse_documents(text, "reports/daily.yaml")[0])
    assert problems == []
    assert spec is not None
    assert spec.payload == {
        "report_name": "Daily revenue",
        "send_at": "09:00",
        "included_range_days": 1,
        "status": "active",
        "environment": "production",
        "destinations": [{"type": "target_integration", "id": "int-wh-01", "label": "Hooks"}],
    }
    assert (spec.file, spec.line, spec.pinned_id) == ("reports/daily.yaml", 3, "rep-1")
    assert spec.identity == ("production", "Daily revenue")


# --- every rule, invalid, with its exact sentence --------------------------------------------------

INVALID = [
    (
        'send_at: "09:00"',
        'send_at: "12:15"',
        '4:10: send_at: "12:15" is not on a 30-minute slot (e.g. "12:00" or "12:30")',
    ),
    (
        'send_at: "09:00"',
        "send_at: 10:45",
        '4:10: send_at: "10:45" is not on a 30-minute slot (e.g. "10:30" or "11:00")',
    ),
    (
        'send_at: "09:00"',
        'send_at: "23:45"',
        '4:10: send_at: "23:45" is not on a 30-minute slot (e.g. "23:30" or "00:00")',
    ),
    ('send_at: "09:00"', "send_at: 9:00", '4:10: send_at: "9:00" needs a two-digit hour: write "09:00"'),
    (
        'send_at: "09:00"',
        'send_at: "9:15"',
        '4:10: send_at: "9:15" is not on a 30-minute slot (e.g. "09:00" or "09:30")',
    ),
    (
        'send_at: "09:00"',
        'send_at: "24:00"',
        '4:10: send_at: "24:00" is not a time of day: use "00:00" to "23:30"',
    ),
    (
        'send_at: "09:00"',
        "send_at: noon",
        '4:10: send_at: "noon" is not a time "HH:MM" on a 30-minute slot, e.g. "09:00"',
    ),
    (
        'send_at: "09:00"',
        'send_at: "09:00:00"',
        '4:10: send_at: "09:00:00" is not a time "HH:MM" on a 30-minute slot, e.g. "09:00"',
    ),
    (
        'send_at: "09:00"',
        "send_at: |\n  09:00",
        '4:10: send_at: "09:00\\n" is not a time "HH:MM" on a 30-minute slot, e.g. "09:00"',
    ),
    (
        'send_at: "09:00"',
        "send_at: 9",
        '4:10: send_at: 9 must be a quoted time "HH:MM" on a 30-minute slot, e.g. "09:00"',
    ),
    (
        'send_at: "09:00"',
        "send_at:",
        '4:9: send_at: empty (null) must be a quoted time "HH:MM" on a 30-minute slot, e.g. "09:00"',
    ),
    (
        "included_range_days: 1",
        "included_range_days: 2",
        "5:22: included_range_days: 2 is not one of 1, 3, 7",
    ),
    (
        "included_range_days: 1",
        'included_range_days: "7"',
        '5:22: included_range_days: "7" must be a whole number (one of 1, 3, 7)',
    ),
    (
        "included_range_days: 1",
        "included_range_days: 1.5",
        "5:22: included_range_days: 1.5 must be a whole number (one of 1, 3, 7)",
    ),
    (
        "included_range_days: 1",
        "included_range_days: 7.0",
        "5:22: included_range_days: 7.0 must be a whole number (one of 1, 3, 7)",
    ),
    (
        "included_range_days: 1",
        "included_range_days: true",
        "5:22: included_range_days: true must be a whole number (one of 1, 3, 7)",
    ),
    ("status: active", "status: paused", '6:9: status: "paused" is not one of "draft", "active"'),
    (
        "status: active",
        "status: Active",
        '6:9: status: "Active" is not one of "draft", "active" (did you mean "active"?)',
    ),
    (
        "status: active",
        "status: on",
        '6:9: status: true must be one of "draft", "active" '
        "(YAML reads unquoted yes/no/on/off as true/false)",
    ),
    (
        "environment: production",
        "environment: prod",
        '7:14: environment: "prod" is not one of "sandbox", "production" (did you mean "production"?)',
    ),
    (
        "environment: production",
        "environment: Sandbox",
        '7:14: environment: "Sandbox" is not one of "sandbox", "production" (did you mean "sandbox"?)',
    ),
    (
        "environment: production",
        "environment: staging",
        '7:14: environment: "staging" is not one of "sandbox", "production"',
    ),
    (
        "environment: production",
        "environment: 1",
        '7:14: environment: 1 must be one of "sandbox", "production"',
    ),
    ("report_name: Daily revenue", 'report_name: ""', "3:14: report_name: must not be empty"),
    (
        "report_name: Daily revenue",
        "report_name: " + "x" * 256,
        "3:14: report_name: is 256 characters long; the limit is 255",
    ),
    (
        "report_name: Daily revenue",
        "report_name: 42",
        "3:14: report_name: 42 must be a string; put it in quotes",
    ),
    ("report_name: Daily revenue", "report_name:", "3:13: report_name: empty (null) must be a string"),
    (
        "report_name: Daily revenue",
        'id: "bad id"\nreport_name: x',
        "3:5: id: \"bad id\" is not a valid id (1-256 letters, digits, '.', '_' or '-')",
    ),
    (
        "report_name: Daily revenue",
        "id: 123\nreport_name: x",
        "3:5: id: 123 must be a string; put it in quotes",
    ),
    (DEST, "destinations: []\n", "8:15: destinations: needs at least one destination"),
    (DEST, "destinations: int-wh-01\n", '8:15: destinations: "int-wh-01" must be a list'),
    (DEST, "destinations:\n  - int-wh-01\n", '9:5: destinations[0]: "int-wh-01" must be a mapping'),
    (DEST, "destinations:\n  - type: target_integration\n", "9:5: destinations[0].id: missing"),
    (
        "type: target_integration",
        "type: slack",
        '9:11: destinations[0].type: "slack" is not one of "target_integration"',
    ),
    (
        "id: int-wh-01",
        "id: int wh 01",
        "10:9: destinations[0].id: \"int wh 01\" is not a valid id (1-256 letters, digits, '.', '_' or '-')",
    ),
    ("id: int-wh-01", "id: 12", "10:9: destinations[0].id: 12 must be a string; put it in quotes"),
    (
        "id: int-wh-01",
        "id: int-wh-01\n    label: 5",
        "11:12: destinations[0].label: 5 must be a string; put it in quotes",
    ),
    ("id: int-wh-01", "id: int-wh-01\n    lable: x", '11:5: unknown field "lable" (did you mean "label"?)'),
    ("id: int-wh-01", "id: int-wh-01\n    name: x", '11:5: unknown field "name"; allowed: type, id, label'),
    (
        "status: active",
        "status: active\ncolour: blue",
        '7:1: unknown field "colour"; allowed: id, report_name, send_at, included_range_days, status, '
        "environment, destinations",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), INVALID)
def test_invalid_value_has_its_sentence_at_its_spot(old: str, new: str, expected: str) -> None:
    assert problems_of(edit(old, new)) == [f"reports/daily.yaml:{expected}"]


@pytest.mark.parametrize("field", constants.WRITABLE_FIELDS)
def test_every_required_field_missing(field: str) -> None:
    lines = [line for line in DAILY.splitlines(keepends=True) if not line.startswith(f"{field}:")]
    text = "".join(lines)
    if field == "destinations":
        text = text.replace("  - type: target_integration\n    id: int-wh-01\n", "")
    assert problems_of(text) == [f"reports/daily.yaml:3:1: {field}: missing"]


def test_unknown_key_suggests_the_close_one_and_reports_it_missing() -> None:
    assert problems_of(edit("send_at:", "sendAt:")) == [
        "reports/daily.yaml:3:1: send_at: missing",
        'reports/daily.yaml:4:1: unknown field "sendAt" (did you mean "send_at"?)',
    ]


def test_several_problems_in_one_document_are_all_reported_in_line_order() -> None:
    text = edit('send_at: "09:00"', 'send_at: "12:15"').replace("status: active", "status: paused")
    text = text.replace("id: int-wh-01", "id: int wh")
    found = problems_of(text)
    assert [p.split(": ")[0] for p in found] == [
        "reports/daily.yaml:4:10",
        "reports/daily.yaml:6:9",
        "reports/daily.yaml:10:9",
    ]


def test_a_long_value_is_shortened_in_the_message() -> None:
    found = problems_of(edit("status: active", "status: " + "z" * 500))
    assert found == [
        f'reports/daily.yaml:6:9: status: "{"z" * 80}..." (500 characters) is not one of "draft", "active"'
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- a\n- b\n", "1:1: the file must be a mapping of report fields (report_name: ...), not a list"),
        (
            "just text\n",
            '1:1: the file must be a mapping of report fields (report_name: ...), not "just text"',
        ),
        (
            DAILY + "---\n- a\n",
            "12:1: document 2 must be a mapping of report fields (report_name: ...), not a list",
        ),
    ],
)
def test_a_document_that_is_not_a_mapping(text: str, expected: str) -> None:
    assert problems_of(text)[-1] == f"reports/daily.yaml:{expected}"


# --- several files, one run ------------------------------------------------------------------------


def test_all_problems_across_files_in_one_run(tmp_path: Path) -> None:
    write(
        tmp_path / "reports",
        {
            "daily.yaml": edit('send_at: "09:00"', 'send_at: "12:15"'),
            "ok.yaml": DAILY.replace("Daily revenue", "Weekly"),
            "sub/bad.yml": "a: [\n",
            "two.yaml": DAILY.replace("Daily revenue", "Weekly")
            + "---\n"
            + DAILY.replace("status: active", "status: x"),
        },
    )
    result = run_cli("validate", "--reports", "reports", cwd=tmp_path)
    assert result.code == 1
    assert result.err == ""
    lines = result.out.splitlines()
    assert (
        lines[0]
        == 'reports/daily.yaml:4:10: send_at: "12:15" is not on a 30-minute slot (e.g. "12:00" or "12:30")'
    )
    assert lines[1].startswith("reports/sub/bad.yml:2:1: not valid YAML")
    assert lines[2] == 'reports/two.yaml:17:9: status: "x" is not one of "draft", "active"'
    assert (
        lines[3] == 'reports/two.yaml:3: report "Weekly" (production) is also declared in reports/ok.yaml:3'
    )
    # the document with the bad status still declares its name: its clash shows in the same run
    assert lines[4] == (
        'reports/two.yaml:14: report "Daily revenue" (production) is also declared in reports/daily.yaml:3'
    )
    assert lines[5:] == ["5 problems in 3 of 4 files."]


@pytest.mark.parametrize("spelling", ["reports/", "./reports", "reports//", "./reports/"])
def test_a_folder_spelled_with_slashes_names_files_as_plain_reports_does(
    tmp_path: Path, spelling: str
) -> None:
    write(tmp_path / "reports", {"sub/daily.yaml": edit('send_at: "09:00"', 'send_at: "12:15"')})
    result = run_cli("validate", "--reports", spelling, cwd=tmp_path)
    assert result.out.splitlines()[0].startswith("reports/sub/daily.yaml:4:10: send_at")


def test_a_command_after_a_double_dash_is_refused_or_parsed_whole(tmp_path: Path) -> None:
    # Python 3.11's argparse refuses "--" before a command; newer ones drop it and parse the command.
    write(tmp_path / "reports", {"daily.yaml": DAILY})
    result = run_cli("--", "validate", cwd=tmp_path)
    assert (result.code, "Traceback" in result.err) in {(1, False), (0, False)}
    assert "internal error" not in result.err


def test_duplicate_identity_and_pinned_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pinned = edit("report_name: Daily revenue", "id: rep-1\nreport_name: Daily revenue")
    write(
        tmp_path / "reports",
        {
            "a.yaml": pinned,
            "b.yaml": pinned.replace("Daily revenue", "Other"),
            "c.yaml": pinned.replace("id: rep-1", "id: rep-3"),
            "d.yaml": DAILY.replace("production", "sandbox"),  # same name, other environment: fine
        },
    )
    monkeypatch.chdir(tmp_path)
    specs, problems, files = collect(Path("reports"))
    assert (files, len(specs)) == (4, 4)
    assert [str(p) for p in problems] == [
        'reports/b.yaml:3: id "rep-1" is also pinned in reports/a.yaml:3',
        'reports/c.yaml:3: report "Daily revenue" (production) is also declared in reports/a.yaml:3',
    ]


def test_summary_lines(tmp_path: Path) -> None:
    write(tmp_path / "one", {"a.yaml": DAILY})
    assert run_cli("validate", "--reports", "one", cwd=tmp_path).out == "1 report in 1 file: all valid.\n"
    write(
        tmp_path / "many",
        {
            "a.yaml": DAILY + "---\n" + DAILY.replace("production", "sandbox"),
            "b.yaml": DAILY.replace("Daily", "B"),
        },
    )
    assert run_cli("validate", "--reports", "many", cwd=tmp_path).out == "3 reports in 2 files: all valid.\n"
    write(tmp_path / "bad", {"a.yaml": "- x\n"})
    assert run_cli("validate", "--reports", "bad", cwd=tmp_path).out.endswith("\n1 problem in 1 of 1 file.\n")


@pytest.mark.parametrize(("make", "message"), [(False, "reports folder not found"), (True, "not a folder")])
def test_reports_folder_missing_or_a_file(tmp_path: Path, make: bool, message: str) -> None:
    if make:
        (tmp_path / "reports").write_text("x", encoding="utf-8")
    result = run_cli("validate", "--reports", "reports", cwd=tmp_path)
    assert result.code == 1
    assert result.out.splitlines()[0] == f"reports: {message}"


def test_load_desired_raises_with_every_problem(tmp_path: Path) -> None:
    write(tmp_path / "r", {"a.yaml": "- x\n", "b.yaml": edit("status: active", "status: x")})
    with pytest.raises(InvalidFilesError) as caught:
        load_desired(tmp_path / "r")
    assert len(caught.value.problems) == 2
    assert caught.value.message == "2 problems found in report files."
    write(tmp_path / "ok", {"a.yaml": DAILY})
    assert [s.payload["report_name"] for s in load_desired(tmp_path / "ok")] == ["Daily revenue"]


# --- output formats --------------------------------------------------------------------------------


def test_json_format(tmp_path: Path) -> None:
    write(
        tmp_path / "reports",
        {"daily.yaml": edit('send_at: "09:00"', 'send_at: "12:15"'), "ok.yaml": DAILY.replace("Daily", "OK")},
    )
    result = run_cli("validate", "--reports", "reports", "--format", "json", cwd=tmp_path)
    assert result.code == 1
    assert json.loads(result.out) == {
        "valid": False,
        "files": 2,
        "reports": 1,
        "problems": [
            {
                "file": "reports/daily.yaml",
                "line": 4,
                "col": 10,
                "message": 'send_at: "12:15" is not on a 30-minute slot (e.g. "12:00" or "12:30")',
            }
        ],
    }
    assert result.err == ""


def test_json_format_when_valid(tmp_path: Path) -> None:
    write(tmp_path / "reports", {"daily.yaml": DAILY})
    result = run_cli("validate", "--reports", "reports", "--format", "json", cwd=tmp_path)
    assert (result.code, json.loads(result.out)) == (
        0,
        {"valid": True, "files": 1, "reports": 1, "problems": []},
    )


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_github_annotations(tmp_path: Path, fmt: str) -> None:
    write(tmp_path / "reports", {"daily.yaml": edit('send_at: "09:00"', 'send_at: "12:15"')})
    github = run_cli(
        "validate", "--reports", "reports", "--format", fmt, env={"GITHUB_ACTIONS": "true"}, cwd=tmp_path
    )
    assert github.err.splitlines() == [
        '::error file=reports/daily.yaml,line=4,col=10::send_at: "12:15" is not on a 30-minute slot '
        '(e.g. "12:00" or "12:30")'
    ]
    local = run_cli("validate", "--reports", "reports", "--format", fmt, env={}, cwd=tmp_path)
    assert "::error" not in local.out + local.err


def test_annotation_escaping(tmp_path: Path) -> None:
    write(tmp_path / "reports", {"a,b:c.yaml": DAILY.replace("status: active", 'status: active\n"100%": x')})
    result = run_cli("validate", "--reports", "reports", env={"GITHUB_ACTIONS": "true"}, cwd=tmp_path)
    assert result.err.splitlines() == [
        '::error file=reports/a%2Cb%3Ac.yaml,line=7,col=1::unknown field "100%25"; allowed: id, report_name, '
        "send_at, included_range_days, status, environment, destinations"
    ]


def test_annotation_escapes_line_breaks_and_omits_unknown_positions() -> None:
    assert annotation(Problem("r.yaml", 2, 0, "a\r\nb 50%")) == "::error file=r.yaml,line=2::a%0D%0Ab 50%25"
    assert annotation(Problem("r.yaml", 0, 0, "too big")) == "::error file=r.yaml::too big"


# --- the schema ------------------------------------------------------------------------------------


def test_schema_copies_are_byte_identical() -> None:
    name = "scheduled-report.schema.json"
    assert (ROOT / "schema" / name).read_bytes() == (Path(SCHEMA_DIR) / name).read_bytes()


def test_schema_command_prints_it(tmp_path: Path) -> None:
    result = run_cli("schema", cwd=tmp_path)
    assert result.code == 0
    assert result.out == (Path(SCHEMA_DIR) / "scheduled-report.schema.json").read_text(encoding="utf-8")


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = load_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def _properties(node: Any, path: str = "") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    if isinstance(node, dict):
        for key, value in node.get("properties", {}).items():
            found.append((f"{path}.{key}", value))
        for key, value in node.items():
            found.extend(_properties(value, f"{path}/{key}"))
    return found


def test_every_schema_property_has_a_description() -> None:
    found = _properties(load_schema())
    assert len(found) >= 10
    assert [p for p, rule in found if not rule.get("description")] == []


def test_schema_agrees_with_the_constants() -> None:
    props = load_schema()["properties"]
    assert tuple(props["send_at"]["enum"]) == constants.SEND_AT_SLOTS
    assert tuple(props["included_range_days"]["enum"]) == constants.RANGE_DAYS
    assert tuple(props["status"]["enum"]) == constants.STATUSES
    assert tuple(props["environment"]["enum"]) == constants.ENVIRONMENTS
    assert props["report_name"]["maxLength"] == constants.REPORT_NAME_MAX
    assert props["id"]["pattern"] == constants.ID_PATTERN
    assert set(load_schema()["required"]) == set(constants.WRITABLE_FIELDS)


def test_every_example_report_validates() -> None:
    result = run_cli("validate", "--reports", str(ROOT / "reports"))
    assert result.code == 0, result.out
    assert result.out.endswith("all valid.\n")
    assert result.err == ""
