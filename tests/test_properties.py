"""Loader and validator properties: any input gives a result or a ReportsyncError; valid input round-trips."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import REPORT_YAML
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportsync import constants, messages
from reportsync.desired import collect
from reportsync.errors import Problem, ReportsyncError
from reportsync.loader import dump_report, parse_documents
from reportsync.models import api_body
from reportsync.validate import check_document

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

VALID = (
    REPORT_YAML
    + """    label: "Webhooks: Release alerts"
---
id: rep-1
report_name: Release health
send_at: 10:30
included_range_days: 7
status: draft
environment: sandbox
destinations: [{type: target_integration, id: int-slack-02}]
"""
)
YAML_PIECES = [
    *VALID.splitlines(keepends=True),
    *"\n\t :-?[]{},&*!|>'\"#%@`\x00\x85\ufeff\u2028",
    "---\n",
    "...\n",
    "&a ",
    "*a",
    "!!binary ",
    "!!int ",
    "!!python/object ",
    "<<: ",
    "0x_",
    "9" * 30,
    "10:30",
    "on",
    "~",
    "\xe9",
    "é",
]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("reports")


def _mutations() -> st.SearchStrategy[bytes]:
    """The valid text with a few characters inserted, dropped or replaced: near-miss files."""

    @st.composite
    def mutate(draw: st.DrawFn) -> bytes:
        text = VALID
        for _ in range(draw(st.integers(1, 4))):
            at = draw(st.integers(0, len(text)))
            piece = draw(st.sampled_from(YAML_PIECES))
            cut = draw(st.integers(0, 3))
            text = text[:at] + piece + text[at + cut :]
        return text.encode(draw(st.sampled_from(["utf-8", "utf-8", "latin-1", "utf-16"])), "replace")

    return mutate()


ANY_BYTES = st.one_of(
    st.binary(max_size=2048),
    st.lists(st.sampled_from(YAML_PIECES), max_size=40).map(lambda parts: "".join(parts).encode("utf-8")),
    _mutations(),
)


def _check_problems(problems: list[Problem], labels: set[str]) -> None:
    for problem in problems:
        assert isinstance(problem, Problem)
        assert problem.file in labels
        assert problem.message
        assert "\n" not in problem.message, problem
        assert problem.line >= 0 and problem.col >= 0


@SETTINGS
@given(raw=ANY_BYTES)
def test_any_bytes_end_in_a_result_or_problems(folder: Path, raw: bytes) -> None:
    (folder / "r.yaml").write_bytes(raw)
    specs, problems, files = collect(folder)  # raises nothing: every failure is a Problem
    assert files == 1
    assert bool(specs) or bool(problems)
    _check_problems(problems, {str(folder / "r.yaml"), _relative(folder / "r.yaml")})


def _relative(path: Path) -> str:
    import os

    return os.path.relpath(path)


@SETTINGS
@given(text=st.one_of(st.text(max_size=500), ANY_BYTES.map(lambda b: b.decode("utf-8", "replace"))))
def test_any_text_parses_or_raises_a_reportsync_error(text: str) -> None:
    try:
        documents = parse_documents(text, "r.yaml")
    except ReportsyncError as exc:
        assert str(exc).startswith("r.yaml")
        return
    assert documents
    for document in documents:
        spec, problems = check_document(document)
        assert (spec is None) == bool(problems)
        _check_problems(problems, {"r.yaml"})


# --- generated valid reports -----------------------------------------------------------------------

NAMES = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=255)
IDS = st.from_regex(r"\A[a-zA-Z0-9._-]{1,40}\Z")
DESTINATIONS = st.lists(
    st.fixed_dictionaries(
        {"type": st.just("target_integration"), "id": IDS},
        optional={"label": st.text(st.characters(exclude_categories=("Cs",)), max_size=40)},
    ),
    min_size=1,
    max_size=4,
    unique_by=lambda d: d["id"],  # a destination listed twice is a validation error
)
REPORTS = st.fixed_dictionaries(
    {
        "report_name": NAMES,
        "send_at": st.sampled_from(constants.SEND_AT_SLOTS),
        "included_range_days": st.sampled_from(constants.RANGE_DAYS),
        "status": st.sampled_from(constants.STATUSES),
        "environment": st.sampled_from(constants.ENVIRONMENTS),
        "destinations": DESTINATIONS,
    },
    optional={"id": IDS},
)


def _load_valid(text: str) -> list[Any]:
    specs = []
    for document in parse_documents(text, "r.yaml"):
        spec, problems = check_document(document)
        assert problems == [], (problems, text)
        specs.append(spec)
    return specs


@SETTINGS
@given(report=REPORTS)
def test_valid_report_survives_dump_and_load(report: dict[str, Any]) -> None:
    for text in (dump_report(report), yaml.safe_dump(report, sort_keys=False)):
        [spec] = _load_valid(text)
        assert spec.payload == api_body(report)
        assert spec.pinned_id == report.get("id")


@settings(max_examples=40, deadline=None)
@given(reports=st.lists(REPORTS, min_size=1, max_size=5))
def test_valid_multi_document_stream_round_trips(reports: list[dict[str, Any]]) -> None:
    specs = _load_valid(yaml.safe_dump_all(reports, sort_keys=False))
    assert [s.payload for s in specs] == [api_body(r) for r in reports]
    assert [s.line for s in specs] == sorted({s.line for s in specs})


# --- messages never fail ---------------------------------------------------------------------------

JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=100),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=10,
)


@SETTINGS
@given(value=JSONISH)
def test_messages_describe_any_value_on_one_line(value: Any) -> None:
    for text in (
        messages.send_at_message(value),
        messages.type_message(value, "string", ["a"]),
        messages.show(value),
    ):
        assert isinstance(text, str)
        assert "\n" not in text
