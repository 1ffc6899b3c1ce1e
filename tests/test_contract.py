"""The contract checks and proxy choice as pure functions: small literals, one row per kind."""

from __future__ import annotations

import pytest
from helpers import report

from reportsync.contract import report_problems, shape, unknown_fields, valid_id
from reportsync.doctor import shapes
from reportsync.transport import choose_proxy, proxy_label


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("wbRlfw1x", True),
        ("a", True),
        ("a.b-c_d", True),
        ("x" * 256, True),
        (".", False),
        ("..", False),
        ("._-", False),
        ("", False),
        ("x" * 257, False),
        ("a/b", False),
        ("a%2F", False),
        ("é", False),
        (["a"], False),
        (7, False),
        (None, False),
    ],
)
def test_valid_id(value: object, ok: bool) -> None:
    assert valid_id(value) is ok


def full(**fields: object) -> dict[str, object]:
    return {
        "object": "scheduled_report",
        "id": "abc1",
        "url": "/v4/scheduled-reports/abc1",
        **report(),
        **fields,
    }


def test_a_full_report_conforms_and_unknown_fields_are_listed() -> None:
    assert report_problems(full(runs=3, created_at="2026-01-01T00:00:00Z")) == []
    assert unknown_fields(full(extra=1, more={})) == ("extra", "more")


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        (
            {"included_range_days": True},
            ("included_range_days", "is a boolean, expected an integer (1, 3 or 7)"),
        ),
        ({"included_range_days": 2}, ("included_range_days", "is not 1, 3 or 7")),
        (
            {"environment": "prod"},
            ("environment", "is not one of the documented values (sandbox, production)"),
        ),
        ({"report_name": ""}, ("report_name", "has 0 characters, expected 1-255")),
        (
            {"destinations": [{"type": "target_integration"}]},
            ("destinations", "[0].id is null, expected a non-empty string"),
        ),
        ({"destinations": ["int-wh-01"]}, ("destinations", "[0] is a string, expected an object")),
        ({"object": "list"}, ("object", "is not one of the documented values (scheduled_report)")),
        ({"x": ["\udc00"] * 100_001}, ("x", "is too large to carry back")),
    ],
)
def test_each_kind_of_malformed_field_is_named(fields: dict[str, object], problem: tuple[str, str]) -> None:
    assert report_problems(full(**fields)) == [problem]


def test_missing_fields_and_minimal_put_answers() -> None:
    assert report_problems({"id": "abc1"})[0] == ("report_name", "is missing")
    assert report_problems({"object": "scheduled_report", "id": "abc1", "url": "/x"}, minimal_ok=True) == []


def test_shapes_keep_structure_and_drop_values() -> None:
    assert shapes(full()) == {
        "object": "str",
        "id": "str",
        "url": "str",
        "report_name": "str",
        "send_at": "str",
        "included_range_days": "int",
        "status": "str",
        "environment": "str",
        "destinations": [{"type": "str", "id": "str"}],
    }
    assert shape(None) == "null" and shape({}) == "an object"


PROXY = "http://user:pw@proxy.corp:3128"


@pytest.mark.parametrize(
    ("url", "env", "expected"),
    [
        ("http://127.0.0.1:8080/v4", {"HTTP_PROXY": PROXY, "ALL_PROXY": PROXY}, None),
        ("http://localhost:8080/v4", {"http_proxy": PROXY}, None),
        ("http://[::1]:8080/v4", {"HTTP_PROXY": PROXY}, None),
        ("https://api.qonversion.io/v4", {"HTTPS_PROXY": PROXY}, PROXY),
        ("https://api.qonversion.io/v4", {"https_proxy": PROXY}, PROXY),
        ("https://api.qonversion.io/v4", {"HTTP_PROXY": PROXY}, None),
        ("https://api.qonversion.io/v4", {"ALL_PROXY": PROXY}, PROXY),
        ("https://api.qonversion.io/v4", {"HTTPS_PROXY": PROXY, "NO_PROXY": "qonversion.io"}, None),
        ("https://api.qonversion.io/v4", {"HTTPS_PROXY": PROXY, "no_proxy": "*"}, None),
        ("https://api.qonversion.io/v4", {}, None),
    ],
)
def test_choose_proxy(url: str, env: dict[str, str], expected: str | None) -> None:
    assert choose_proxy(url, env) == expected


def test_proxy_label_never_shows_credentials() -> None:
    assert proxy_label(PROXY) == "http://proxy.corp:3128"
    assert proxy_label("proxy.corp:8080") == "http://proxy.corp:8080"
