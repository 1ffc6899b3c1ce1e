"""The fast yes/no check must agree with jsonschema on every document, valid or not."""

from __future__ import annotations

from typing import Any

from helpers import report
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from reportsync.fastcheck import is_valid_report
from reportsync.schema import load_schema

SCHEMA = load_schema()
FULL = Draft202012Validator(SCHEMA)
CHECK = is_valid_report

VALID: dict[str, Any] = report("Daily")
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 10),
    st.floats(allow_nan=False, width=16),
    st.sampled_from(
        [
            "",
            "09:00",
            "12:15",
            "draft",
            "active",
            "sandbox",
            "production",
            "x" * 256,
            "target_integration",
            "int-wh-01",
            "a b",
            "1",
            "7",
        ]
    ),
    st.text(max_size=5),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["type", "id", "label", "extra"]), inner, max_size=3)
    ),
    max_leaves=6,
)
fields = st.sampled_from([*VALID, "id", "sendAt", "label"])


def agree(doc: Any) -> None:
    assert CHECK(doc) == FULL.is_valid(doc), doc


def test_a_valid_report_passes_both() -> None:
    assert CHECK(VALID) and FULL.is_valid(VALID)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(fields, values, max_size=8))
def test_agrees_with_jsonschema_on_arbitrary_documents(doc: dict[str, Any]) -> None:
    agree(doc)


@settings(max_examples=400, deadline=None)
@given(fields, values)
def test_agrees_with_jsonschema_on_one_field_mutations(field: str, value: Any) -> None:
    agree(VALID | {field: value})
    agree({k: v for k, v in VALID.items() if k != field})


@settings(max_examples=200, deadline=None)
@given(st.lists(values, max_size=3))
def test_agrees_on_destination_lists(dests: list[Any]) -> None:
    agree(VALID | {"destinations": dests})
    agree(VALID | {"destinations": [*VALID["destinations"], *dests]})


def test_json_equality_rules_match() -> None:
    for value in (True, 1.0, 7.0, 2, "1"):
        agree(VALID | {"included_range_days": value})
