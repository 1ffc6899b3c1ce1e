"""validate's own quick argument reading agrees with argparse wherever it answers at all."""

from __future__ import annotations

import contextlib
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from reportsync.arguments import build_parser
from reportsync.cli import quick_validate_arguments

TOKENS = [
    *("--reports", "--config", "--project", "--format", "--debug", "--no-color"),
    *("reports", "r/", "text", "json", "yaml", "", "a=b", "-1", "-x", "--", "-h", "--help"),
    *("--reports=a", "--reports=a=b", "--format=json", "--format=", "--project=p", "--debug=1"),
    *("--rep", "--no", "--version", "validate", "plan"),
]


def argparse_answer(argv: list[str]) -> dict[str, object] | None:
    """What argparse makes of argv, or None where it prints help or an error and exits."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            return vars(build_parser(argv).parse_args(argv))
        except SystemExit:
            return None


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=8))
def test_quick_reading_agrees_with_argparse(tokens: list[str]) -> None:
    argv = ["validate", *tokens]
    quick = quick_validate_arguments(argv)
    if quick is not None:
        assert vars(quick) == argparse_answer(argv), argv


def test_the_usual_spellings_take_the_quick_path() -> None:
    for argv in (
        ["validate"],
        ["validate", "--reports", "reports/prod", "--format", "json", "--debug", "--no-color"],
        ["validate", "--config=rs.yaml", "--project", "web", "--project", "app"],
    ):
        quick = quick_validate_arguments(argv)
        assert quick is not None and vars(quick) == argparse_answer(argv)


def test_everything_else_goes_to_argparse() -> None:
    for argv in (
        ["plan"],
        ["validate", "-h"],
        ["validate", "--rep", "x"],
        ["validate", "--format", "yaml"],
        [],
    ):
        assert quick_validate_arguments(argv) is None
