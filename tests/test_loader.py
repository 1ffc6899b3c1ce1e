"""The loader: positions, YAML 1.1 traps, refused constructs, multi-document streams, file discovery."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from reportsync import loader
from reportsync.errors import LoadError, ReportsyncError
from reportsync.loader import find_report_files, load_file, parse_documents, read_text

TEXT = """# a comment
report_name: Daily revenue
send_at: "06:00"
included_range_days: 1
destinations:
  - type: target_integration
    id: int-wh-02
  - {type: target_integration, id: int-wh-01}
"""


def load_one(text: str) -> loader.Document:
    documents = parse_documents(text, "r.yaml")
    assert len(documents) == 1
    return documents[0]


def refusal(text: str) -> str:
    with pytest.raises(LoadError) as caught:
        parse_documents(text, "r.yaml")
    return str(caught.value)


# --- positions -------------------------------------------------------------------------------------


def test_document_knows_its_file_and_first_line() -> None:
    doc = load_one(TEXT)
    assert (doc.file, doc.index, doc.line) == ("r.yaml", 0, 2)


def test_positions_of_values_and_keys() -> None:
    doc = load_one(TEXT)
    assert doc.locate(("report_name",)) == (2, 14)
    assert doc.locate(("report_name",), at_key=True) == (2, 1)
    assert doc.locate(("send_at",)) == (3, 10)
    assert doc.locate(("included_range_days",), at_key=True) == (4, 1)


def test_positions_inside_nested_destinations() -> None:
    doc = load_one(TEXT)
    assert doc.locate(("destinations",)) == (6, 3)
    assert doc.locate(("destinations", 0)) == (6, 5)
    assert doc.locate(("destinations", 0, "id")) == (7, 9)
    assert doc.locate(("destinations", 0, "id"), at_key=True) == (7, 5)
    assert doc.locate(("destinations", 1, "id")) == (8, 36)


def test_missing_path_falls_back_to_nearest_ancestor() -> None:
    doc = load_one(TEXT)
    assert doc.locate(("status",)) == (2, 1)  # absent key: the document start
    assert doc.locate(("destinations", 0, "label")) == (6, 5)
    assert doc.locate(("destinations", 9)) == (6, 3)


def test_error_positions_are_one_based() -> None:
    assert refusal("a: 1\nb: [\n").startswith("r.yaml:3:1: not valid YAML")


# --- the C loader ----------------------------------------------------------------------------------


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML built without libyaml")
def test_c_loader_is_used_when_available() -> None:
    assert loader._Base is yaml.CSafeLoader
    assert issubclass(loader._Loader, yaml.CSafeLoader)


def test_loader_is_safe() -> None:
    assert "YAML tag !!python/object/apply:os.system is not allowed" in refusal(
        "a: !!python/object/apply:os.system [echo hi]\n"
    )


# --- YAML 1.1 traps --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scalar", "value"),
    [
        ("10:30", "10:30"),  # base-60 integer 630 in YAML 1.1
        ("9:00", "9:00"),
        ("24:00", "24:00"),
        ("1:30:00", "1:30:00"),
        ("190:20:30.15", "190:20:30.15"),  # base-60 float
        ("2024-01-01", "2024-01-01"),  # a date in YAML 1.1
        ("2024-01-01 10:00:00", "2024-01-01 10:00:00"),
        ("=", "="),  # the YAML 1.1 "value" key
        ("7", 7),
        ("0x1f", 31),
        ("1_000", 1000),
        ("1.5", 1.5),
        ("~", None),
        ("", None),
        ('"7"', "7"),
    ],
)
def test_yaml_1_1_scalars(scalar: str, value: object) -> None:
    assert load_one(f"a: {scalar}\n").data == {"a": value}


@pytest.mark.parametrize("word", ["on", "off", "yes", "no", "true", "False"])
def test_yaml_1_1_booleans_stay_booleans_so_the_schema_can_say_quote_it(word: str) -> None:
    assert isinstance(load_one(f"a: {word}\n").data["a"], bool)


def test_duplicate_keys_are_refused_naming_both_lines() -> None:
    assert refusal("a: 1\nb: 2\na: 3\n") == 'r.yaml:3:1: duplicate key "a" (first set on line 1)'


def test_duplicate_keys_inside_a_destination_are_refused() -> None:
    text = "destinations:\n  - id: x\n    type: t\n    id: y\n"
    assert refusal(text) == 'r.yaml:4:5: duplicate key "id" (first set on line 2)'


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\nb: *x\n",
        "a: &x [1, 2]\nb: *x\n",
        "a: &x {k: 1}\nb: [*x]\n",
        "a: &a [lol, lol]\nb: &b [*a, *a]\nc: &c [*b, *b]\n",
    ],
)
def test_aliases_are_refused(text: str) -> None:
    assert "YAML anchors and aliases (&name / *name) are not allowed" in refusal(text)


def test_unused_anchor_is_harmless() -> None:
    assert load_one("a: &x 1\n").data == {"a": 1}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: &x {k: 1}\nb:\n  <<: *x\n", "r.yaml:3:3: YAML merge keys (<<) are not allowed"),
        ("a: !!binary aGk=\n", "r.yaml:1:4: YAML tag !!binary is not allowed here"),
        ("a: !!set {b, c}\n", "r.yaml:1:4: YAML tag !!set is not allowed here"),
        ("a: !!timestamp 2024-01-01\n", "r.yaml:1:4: YAML tag !!timestamp is not allowed here"),
        ("a: !custom x\n", "r.yaml:1:4: YAML tag !custom is not allowed here"),
        ("a: !!map [1]\n", "r.yaml:1:4: YAML tag !!map is not allowed here"),
        ("a: !!int abc\n", 'r.yaml:1:4: "abc" cannot be read as a whole number'),
        ("a: !!float abc\n", 'r.yaml:1:4: "abc" cannot be read as a number'),
        ("a: !!bool abc\n", 'r.yaml:1:4: "abc" cannot be read as true or false'),
        ("a: 0x_\n", 'r.yaml:1:4: "0x_" cannot be read as a whole number'),
        ("a: " + "9" * 5000 + "\n", 'r.yaml:1:4: "9999999999'),
        ("? [1, 2]\n: 3\n", "r.yaml:1:3: a key must be a plain name, not a list or mapping"),
        ("1: x\n", 'r.yaml:1:1: key "1" must be a plain name; put it in quotes'),
        ("on: x\n", 'r.yaml:1:1: key "on" must be a plain name; put it in quotes'),
        ("a: 1\n\tb: 2\n", "r.yaml:2:1: tab character: YAML indentation must use spaces"),
        ("a: 1\nb: x\x07y\n", "r.yaml:2: character #x0007 is not allowed in YAML text"),
        ("a: \ud800\n", "r.yaml: text holds an invalid character"),
        ("a: " + "[" * 2000 + "]" * 2000 + "\n", "r.yaml:1:"),
    ],
)
def test_refused_constructs_name_the_spot(text: str, message: str) -> None:
    assert refusal(text).startswith(message)


def test_explicit_plain_tags_are_accepted() -> None:
    assert load_one('a: !!str 7\nb: !!int "7"\nc: !!float 1\n').data == {"a": "7", "b": 7, "c": 1.0}


# --- multi-document streams ------------------------------------------------------------------------


def test_multi_document_stream_keeps_order_index_and_start_line() -> None:
    docs = parse_documents("a: 1\n---\nb: 2\n---\n# c\nc: 3\n", "r.yaml")
    assert [d.data for d in docs] == [{"a": 1}, {"b": 2}, {"c": 3}]
    assert [d.index for d in docs] == [0, 1, 2]
    assert [d.line for d in docs] == [1, 3, 6]


def test_empty_documents_are_skipped() -> None:
    docs = parse_documents("---\n---\n# only a comment\n---\na: 1\n---\n...\n", "r.yaml")
    assert [(d.index, d.data) for d in docs] == [(0, {"a": 1})]


def test_positions_in_a_later_document() -> None:
    docs = parse_documents("a: 1\n---\nb: 2\nc:\n  - x\n", "r.yaml")
    assert docs[1].locate(("c", 0)) == (5, 5)


@pytest.mark.parametrize("text", ["", "\n\n", "# nothing\n", "---\n", "---\n...\n"])
def test_a_stream_without_documents_is_an_error(text: str) -> None:
    assert refusal(text) == "r.yaml:1: file holds no report (it is empty or only comments)"


# --- reading files ---------------------------------------------------------------------------------


def test_read_text_strips_a_bom(tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert read_text(tmp_path / "r.yaml", "r.yaml") == "a: 1\n"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"a: 1\nb: \x00\n", "r.yaml:2: file is binary (NUL byte), not YAML text"),
        (b"a: 1\n\nb: caf\xe9\n", "r.yaml:3: file is not UTF-8 text (byte 0xe9)"),
        (b"\xff\xfea\x00:\x00", "r.yaml:1: file is binary (NUL byte)"),  # UTF-16
        (b"a: 1\n" + b"#" * loader.MAX_FILE_BYTES, "r.yaml: file is larger than 1 MiB"),
    ],
)
def test_read_text_refuses_what_is_not_a_small_utf8_text(tmp_path: Path, raw: bytes, message: str) -> None:
    (tmp_path / "r.yaml").write_bytes(raw)
    with pytest.raises(LoadError) as caught:
        read_text(tmp_path / "r.yaml", "r.yaml")
    assert str(caught.value).startswith(message)


def test_a_file_of_exactly_the_limit_is_read(tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_bytes(b"a: 1\n" + b"#" * (loader.MAX_FILE_BYTES - 5))
    assert read_text(tmp_path / "r.yaml", "r.yaml").startswith("a: 1\n")


def test_unreadable_path_is_a_load_error(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match=r"^gone\.yaml: cannot read file"):
        read_text(tmp_path / "gone.yaml", "gone.yaml")


def test_load_file_labels_with_the_path_by_default(tmp_path: Path) -> None:
    path = tmp_path / "r.yml"
    path.write_text("a: 1\n", encoding="utf-8")
    assert load_file(path)[0].file == str(path)
    assert load_file(path, "reports/r.yml")[0].file == "reports/r.yml"


def test_load_error_is_a_reportsync_error() -> None:
    assert issubclass(LoadError, ReportsyncError)


# --- discovery -------------------------------------------------------------------------------------


def test_discovery_is_recursive_sorted_and_skips_hidden(tmp_path: Path) -> None:
    for name in [
        "b.yaml",
        "a.yml",
        "sub/z.yaml",
        "sub/deeper/c.yaml",
        "A.yaml",
        ".hidden.yaml",
        ".git/config.yaml",
        "sub/.cache/x.yaml",
        "notes.txt",
        "readme.md",
        "x.yaml.bak",
        "json.json",
    ]:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("a: 1\n", encoding="utf-8")
    found = [Path(p).relative_to(tmp_path).as_posix() for p in find_report_files(tmp_path)]
    assert found == ["A.yaml", "a.yml", "b.yaml", "sub/deeper/c.yaml", "sub/z.yaml"]


def test_discovery_of_an_empty_folder(tmp_path: Path) -> None:
    assert find_report_files(tmp_path) == []


PURE_PYTHON = r"""
import yaml
del yaml.CSafeLoader  # as on a PyYAML built without libyaml
from reportsync import loader
from reportsync.errors import LoadError
assert loader._Base is yaml.SafeLoader
doc = loader.parse_documents("a: 10:30\nb:\n  - c: 1\n---\nd: 2\n", "r.yaml")
print(doc[0].data, doc[0].locate(("b", 0, "c")), doc[1].line)
for text in ["a: 1\na: 2\n", "a: &x 1\nb: *x\n", "a: \x07\n", "a: " + "[" * 5000 + "]" * 5000]:
    try:
        loader.parse_documents(text, "r.yaml")
    except LoadError as exc:
        print(exc)
"""


def test_pure_python_loader_works_the_same() -> None:
    proc = subprocess.run([sys.executable, "-c", PURE_PYTHON], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "{'a': '10:30', 'b': [{'c': 1}]} (3, 8) 5",
        'r.yaml:2:1: duplicate key "a" (first set on line 1)',
        "r.yaml:1:4: YAML anchors and aliases (&name / *name) are not allowed in report files; "
        "write each value out",
        "r.yaml:1: character #x0007 is not allowed in YAML text (special characters are not allowed)",
        "r.yaml: YAML is nested too deeply",
    ]
