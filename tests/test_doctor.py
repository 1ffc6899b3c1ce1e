"""`reportsync doctor` against the emulator with each [assume] of the contract flipped, both ways."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from helpers import KEY, report, run_cli

from reportsync.emulator import Emulator

LABELLED = [{"type": "target_integration", "id": "int-wh-01", "label": "Webhooks: Release alerts"}]


def doctor(emu: Emulator, *extra: str, key: str = KEY) -> Any:
    env = {"QONVERSION_SECRET_KEY": key, "QONVERSION_API_URL": emu.url}
    return run_cli("doctor", *extra, env=env)


def line(out: str, name: str) -> str:
    return next(x for x in out.splitlines() if f" {name}: " in x)


@pytest.fixture
def make() -> Iterator[Callable[..., Emulator]]:
    started: list[Emulator] = []

    def start(**options: Any) -> Emulator:
        emu = Emulator(key=KEY, seed=3, **options).start()
        started.append(emu)
        for i in range(5):
            emu.add_report(report(f"Report {i}", destinations=LABELLED))
        return emu

    yield start
    for emu in started:
        emu.stop()


def assert_read_only(emu: Emulator) -> None:
    assert {method for method, _ in emu.counts} == {"GET"}


# name -> (emulator options, faults to arm, check line, text when as assumed, text when flipped, exit flipped)
FLIPS: dict[str, tuple[dict[str, Any], Callable[[Emulator], None], str, str, str, int]] = {
    "no pagination": (
        {"paginate": False},
        lambda e: None,
        "listing",
        "ok       listing: paginated: limit=2 honoured, has_more and next_cursor sent",
        "differs  listing: not paginated: limit=2 answered 5 items, has_more false (tolerated)",
        0,
    ),
    "labels absent": (
        {},
        lambda e: setattr(e.faults, "omit_labels", True),
        "labels",
        "ok       labels: present on 5 of 5 destination(s) of reports",
        "differs  labels: absent on 5 of 5 destination(s) (tolerated: labels are never compared)",
        0,
    ),
    "an extra field": (
        {},
        lambda e: e.faults.serve_field("delivery_window", {"hours": 2}),
        "unknown fields",
        "ok       unknown fields: none: every field is one the contract names",
        "differs  unknown fields: 'delivery_window' on 5 report(s) (tolerated: an update sends them back",
        0,
    ),
    "an integer served as a string": (
        {},
        lambda e: e.faults.serve_field("included_range_days", "1"),
        "report fields",
        "ok       report fields: 5 report(s) match the contract",
        "differs  report fields: report '",
        1,
    ),
    "minimal PUT answers": (
        {"put_returns_minimal": True},
        lambda e: None,
        "PUT answers",
        "ok       PUT answers: not checked: doctor never writes",
        "ok       PUT answers: not checked: doctor never writes",
        0,
    ),
}


@pytest.mark.parametrize(
    ("options", "arm", "check", "assumed", "flipped", "code"), FLIPS.values(), ids=FLIPS.keys()
)
def test_each_assumption_both_ways(
    make: Callable[..., Emulator],
    options: dict[str, Any],
    arm: Callable[[Emulator], None],
    check: str,
    assumed: str,
    flipped: str,
    code: int,
) -> None:
    plain = make()
    as_assumed = doctor(plain)
    assert as_assumed.code == 0, as_assumed.out + as_assumed.err
    assert line(as_assumed.out, check).startswith(assumed)
    assert as_assumed.out.rstrip().endswith("Everything reportsync relies on holds.")
    other = make(**options)
    arm(other)
    result = doctor(other)
    assert result.code == code, result.out + result.err
    assert line(result.out, check).startswith(flipped)
    assert_read_only(plain)
    assert_read_only(other)


def test_a_bad_key_is_one_failing_check(make: Callable[..., Emulator]) -> None:
    emu = make()
    result = doctor(emu, key="test_sk_wrong_key_00000")
    assert result.code == 1
    assert "differs  key: 401 control_unauthorized: the API key is not valid" in result.out
    assert "test_sk_wrong_key_00000" not in result.out + result.err


def test_json_is_a_redacted_bug_report_with_shapes(make: Callable[..., Emulator]) -> None:
    emu = make()
    emu.faults.serve_field("included_range_days", "1")
    result = doctor(emu, "--format", "json")
    assert result.code == 1
    doc = json.loads(result.out)
    assert doc["ok"] is False
    fields = next(c for c in doc["checks"] if c["check"] == "report fields")
    assert fields["status"] == "differs" and fields["seen"].startswith(
        "report #1: included_range_days is a string"
    )
    assert doc["shapes"]["report"]["included_range_days"] == "str"
    assert doc["shapes"]["report"]["report_name"] == "str"
    for remote in emu.reports():
        assert remote["id"] not in result.out and remote["report_name"] not in result.out
    assert KEY not in result.out


def test_a_malformed_destination_listing_differs(make: Callable[..., Emulator]) -> None:
    emu = make()
    body = {"object": "list", "data": [{"type": "target_integration", "id": 7}], "has_more": False}
    emu.faults.raw_body("GET", "/scheduled-reports/destinations", json.dumps(body).encode())
    result = doctor(emu)
    assert result.code == 1
    assert "differs  destinations: destination #1: id is a number, expected a non-empty string" in result.out
