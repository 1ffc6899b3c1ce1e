"""Contract tests of the emulator over real loopback HTTP (http.client only: independent of the client)."""

from __future__ import annotations

import argparse
import http.client
import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reportsync.constants import EMULATOR_DEMO_KEY, RESTART_HEADER
from reportsync.emulator import Emulator, add_arguments, run

BASE = "/v4/scheduled-reports"
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
VALID: dict[str, Any] = {
    "report_name": "Daily Revenue",
    "send_at": "09:00",
    "included_range_days": 1,
    "status": "active",
    "environment": "production",
    "destinations": [{"type": "target_integration", "id": "int-wh-01"}],
}


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(seed=7) as emulator:
        yield emulator


def call(
    emu: Emulator,
    method: str,
    path: str = "",
    body: Any = None,
    *,
    key: str | None = EMULATOR_DEMO_KEY,
    headers: dict[str, str] | None = None,
    timeout: float = 5.0,
) -> tuple[int, http.client.HTTPResponse, Any]:
    """One request on a fresh connection: (status, response, parsed JSON body or None)."""
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=timeout)
    sent = dict(headers or {})
    if key is not None:
        sent["Authorization"] = f"Bearer {key}"
    raw = body if isinstance(body, bytes | type(None)) else json.dumps(body).encode()
    if raw is not None:
        sent["Content-Type"] = "application/json"
    try:
        conn.request(method, BASE + path, raw, sent)
        response = conn.getresponse()
        data = response.read()
    finally:
        conn.close()
    return response.status, response, json.loads(data) if data else None


def create(emu: Emulator, **changes: Any) -> dict[str, Any]:
    status, _, body = call(emu, "POST", body={**VALID, **changes})
    assert status == 201, body
    return body  # type: ignore[no-any-return]


def fields_of(body: dict[str, Any]) -> list[str]:
    return [item["field"] for item in body["error"]["details"]]


# -- auth ---------------------------------------------------------------------------------------
def test_missing_and_wrong_keys_are_401_without_details(emu: Emulator) -> None:
    for key in (None, "sk_wrong", "test_sk_wrong"):
        status, _, body = call(emu, "GET", key=key)
        assert status == 401
        assert body == {"error": {"type": "request", "code": "control_unauthorized",
                                  "message": body["error"]["message"]}}  # fmt: skip


def test_public_key_is_403_forbidden(emu: Emulator) -> None:
    status, _, body = call(emu, "GET", key="pk_public_key")
    assert (status, body["error"]["code"]) == (403, "control_forbidden")


def test_error_messages_never_echo_the_key(emu: Emulator) -> None:
    _, _, body = call(emu, "GET", key="sk_secret_value_123")
    assert "sk_secret_value_123" not in json.dumps(body)


# -- create -------------------------------------------------------------------------------------
def test_create_returns_full_object_with_label_from_listing(emu: Emulator) -> None:
    sent = {**VALID, "destinations": [{"type": "target_integration", "id": "int-wh-01",
                                       "label": "client label"}]}  # fmt: skip
    status, _, body = call(emu, "POST", body=sent)
    assert status == 201
    assert re.fullmatch(r"[A-Za-z0-9]{8}", body["id"])
    assert body["object"] == "scheduled_report"
    assert body["url"] == f"{BASE}/{body['id']}"
    assert body["runs"] == 0
    assert STAMP.match(body["created_at"]) and body["updated_at"] == body["created_at"]
    assert body["destinations"] == [
        {"type": "target_integration", "id": "int-wh-01", "label": "Webhooks: Release alerts"}
    ]
    assert {k: body[k] for k in VALID if k != "destinations"} == {
        k: v for k, v in VALID.items() if k != "destinations"
    }


@pytest.mark.parametrize(
    "changes",
    [
        {"report_name": "x" * 255},
        {"report_name": "Daily Revenue"},  # duplicates are allowed
        {"send_at": "00:00"},
        {"send_at": "23:30"},
        {"included_range_days": 3},
        {"included_range_days": 7},
        {"status": "draft"},
        {"environment": "sandbox"},
        {"destinations": [{"type": "target_integration", "id": "int-slack-01"},
                          {"type": "target_integration", "id": "int-wh-02", "label": "any"}]},
    ],
)  # fmt: skip
def test_create_accepts_every_documented_value(emu: Emulator, changes: dict[str, Any]) -> None:
    create(emu)
    assert create(emu, **changes)["report_name"] == changes.get("report_name", "Daily Revenue")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"report_name": ""}, "report_name"),
        ({"report_name": "x" * 256}, "report_name"),
        ({"report_name": 5}, "report_name"),
        ({"send_at": "12:15"}, "send_at"),
        ({"send_at": "23:45"}, "send_at"),
        ({"send_at": "24:00"}, "send_at"),
        ({"send_at": "9:00"}, "send_at"),
        ({"included_range_days": 2}, "included_range_days"),
        ({"included_range_days": "1"}, "included_range_days"),
        ({"included_range_days": True}, "included_range_days"),
        ({"status": "paused"}, "status"),
        ({"environment": "prod"}, "environment"),
        ({"destinations": []}, "destinations"),
        ({"destinations": "int-wh-01"}, "destinations"),
        ({"destinations": [{"type": "target_integration", "id": "int-nope"}]}, "destinations[0].id"),
        ({"destinations": [{"type": "email", "id": "int-wh-01"}]}, "destinations[0].type"),
        ({"destinations": [{"type": "target_integration", "id": "int-wh-01", "x": 1}]},
         "destinations[0].x"),
        ({"colour": "red"}, "colour"),
    ],
)  # fmt: skip
def test_create_rejects_each_rule(emu: Emulator, changes: dict[str, Any], field: str) -> None:
    status, _, body = call(emu, "POST", body={**VALID, **changes})
    assert (status, body["error"]["code"], fields_of(body)) == (400, "invalid_data", [field])
    assert emu.reports() == []


def test_create_lists_every_problem_and_missing_field(emu: Emulator) -> None:
    status, _, body = call(emu, "POST", body={"send_at": "12:15", "extra": 1})
    assert status == 400
    assert sorted(fields_of(body)) == sorted(
        ["extra", "report_name", "included_range_days", "status", "environment",
         "destinations", "send_at"]
    )  # fmt: skip
    assert body["error"]["details"][-1] == {
        "field": "send_at",
        "message": "must be HH:MM on a 30-minute slot",
    }


@pytest.mark.parametrize("raw", [b"{not json", b"", b"[1, 2]"])
def test_create_with_a_body_that_is_not_an_object_is_invalid_request(emu: Emulator, raw: bytes) -> None:
    status, _, body = call(emu, "POST", body=raw)
    assert (status, body["error"]["code"]) == (400, "invalid_request")
    assert "details" not in body["error"]


# -- read, replace, delete ---------------------------------------------------------------------
def test_get_one_and_not_found_and_bad_id(emu: Emulator) -> None:
    report = create(emu)
    assert call(emu, "GET", f"/{report['id']}")[2] == report
    status, _, body = call(emu, "GET", "/nope1234")
    assert (status, body["error"]["code"]) == (404, "not_found")
    status, _, body = call(emu, "GET", "/bad%20id")
    assert (status, body["error"]["code"]) == (400, "invalid_request")


def test_put_replaces_everything_and_bumps_updated_at(emu: Emulator) -> None:
    report = create(emu)
    new = {**VALID, "report_name": "Weekly", "send_at": "10:30", "included_range_days": 7}
    status, _, body = call(emu, "PUT", f"/{report['id']}", new)
    assert status == 200
    assert (body["report_name"], body["send_at"], body["included_range_days"]) == (
        "Weekly",
        "10:30",
        7,
    )
    assert body["created_at"] == report["created_at"]
    assert body["updated_at"] > report["updated_at"]
    assert emu.reports() == [body]


def test_put_requires_every_writable_field(emu: Emulator) -> None:
    report = create(emu)
    status, _, body = call(emu, "PUT", f"/{report['id']}", {"report_name": "Weekly"})
    assert status == 400
    assert sorted(fields_of(body)) == sorted(
        ["send_at", "included_range_days", "status", "environment", "destinations"]
    )
    assert emu.reports() == [report]


def test_put_on_a_missing_report_is_404(emu: Emulator) -> None:
    assert call(emu, "PUT", "/nope1234", VALID)[0] == 404


def test_put_returns_minimal_option() -> None:
    with Emulator(put_returns_minimal=True) as emu:
        report = create(emu)
        body = call(emu, "PUT", f"/{report['id']}", VALID)[2]
        assert body == {"object": "scheduled_report", "id": report["id"], "url": report["url"]}


def test_delete_is_204_then_404(emu: Emulator) -> None:
    report = create(emu)
    status, response, body = call(emu, "DELETE", f"/{report['id']}")
    assert (status, body, response.getheader("Content-Length")) == (204, None, None)
    assert call(emu, "DELETE", f"/{report['id']}")[0] == 404
    assert emu.reports() == []


# -- listings -----------------------------------------------------------------------------------
def test_destinations_listing(emu: Emulator) -> None:
    status, _, body = call(emu, "GET", "/destinations")
    assert status == 200
    assert (body["object"], body["url"], body["has_more"]) == ("list", f"{BASE}/destinations", False)
    assert body["data"][0] == {
        "object": "destination",
        "type": "target_integration",
        "id": "int-wh-01",
        "label": "Webhooks: Release alerts",
    }
    assert len(body["data"]) == 4


def test_destinations_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "dest.json"
    path.write_text(json.dumps([{"type": "target_integration", "id": "d1", "label": "One"}]))
    with Emulator(destinations=path) as emu:
        assert [d["id"] for d in call(emu, "GET", "/destinations")[2]["data"]] == ["d1"]
        dest = [{"type": "target_integration", "id": "d1"}]
        assert create(emu, destinations=dest)["destinations"][0]["label"] == "One"
        assert call(emu, "POST", body=VALID)[0] == 400


def read_all(emu: Emulator, limit: int = 100) -> list[dict[str, Any]]:
    rows, cursor = [], None
    while True:
        query = f"?limit={limit}" + (f"&starting_after={cursor}" if cursor else "")
        status, response, body = call(emu, "GET", query)
        assert status == 200 and response.getheader(RESTART_HEADER) is None
        rows += body["data"]
        if not body["has_more"]:
            assert body["next_cursor"] is None
            return rows
        assert body["next_cursor"] == body["data"][-1]["id"]
        cursor = body["next_cursor"]


def test_pagination_over_250_reports_in_creation_order(emu: Emulator) -> None:
    made = [emu.add_report({**VALID, "report_name": f"r{i}"})["id"] for i in range(250)]
    emu.reset_counts()
    assert [row["id"] for row in read_all(emu)] == made
    assert emu.counts[("GET", "/scheduled-reports")] == 3
    assert len(call(emu, "GET")[2]["data"]) == 20  # default limit


@pytest.mark.parametrize("limit", ["0", "101", "abc", "-1", ""])
def test_limit_out_of_range_is_invalid_data(emu: Emulator, limit: str) -> None:
    status, _, body = call(emu, "GET", f"?limit={limit}")
    assert (status, body["error"]["code"], fields_of(body)) == (400, "invalid_data", ["limit"])


def test_deleted_cursor_restarts_from_the_first_row(emu: Emulator) -> None:
    ids = [emu.add_report(VALID)["id"] for _ in range(5)]
    emu.delete_report(ids[1])
    status, response, body = call(emu, "GET", f"?limit=2&starting_after={ids[1]}")
    assert status == 200 and response.getheader(RESTART_HEADER) == "true"
    assert [row["id"] for row in body["data"]] == [ids[0], ids[2]]


def test_no_pagination_option_returns_one_page() -> None:
    with Emulator(paginate=False) as emu:
        for _ in range(30):
            emu.add_report(VALID)
        body = call(emu, "GET", "?limit=5")[2]
        assert (len(body["data"]), body["has_more"], body["next_cursor"]) == (30, False, None)


# -- send-test, routing, counts -----------------------------------------------------------------
def test_send_test_once_per_minute_per_report(emu: Emulator) -> None:
    first, second = create(emu), create(emu)
    status, _, body = call(emu, "POST", f"/{first['id']}/send-test")
    assert (status, body) == (
        202,
        {"object": "scheduled_report_test", "report_id": first["id"], "status": "queued"},
    )
    status, _, body = call(emu, "POST", f"/{first['id']}/send-test")
    assert (status, body["error"]["code"]) == (429, "rate_limited")
    assert "one test per minute per report" in body["error"]["message"]
    assert call(emu, "POST", f"/{second['id']}/send-test")[0] == 202
    assert call(emu, "POST", "/nope1234/send-test")[0] == 404


def test_unknown_route_and_wrong_method(emu: Emulator) -> None:
    assert call(emu, "GET", "/a/b/c")[2]["error"]["code"] == "not_found"
    status, response, body = call(emu, "PATCH", "/abc")
    assert (status, response.getheader("Allow")) == (405, "GET, PUT, DELETE")
    assert set(body["error"]) == {"type", "code", "message"}
    assert call(emu, "DELETE", "/destinations")[0] == 405


def test_counts_by_route_template(emu: Emulator) -> None:
    report = create(emu)
    call(emu, "GET", f"/{report['id']}")
    call(emu, "PUT", f"/{report['id']}", VALID)
    call(emu, "POST", f"/{report['id']}/send-test")
    call(emu, "GET", "/destinations")
    call(emu, "DELETE", f"/{report['id']}")
    assert emu.counts == {
        ("POST", "/scheduled-reports"): 1,
        ("GET", "/scheduled-reports/{id}"): 1,
        ("PUT", "/scheduled-reports/{id}"): 1,
        ("POST", "/scheduled-reports/{id}/send-test"): 1,
        ("GET", "/scheduled-reports/destinations"): 1,
        ("DELETE", "/scheduled-reports/{id}"): 1,
    }
    emu.reset_counts()
    assert not emu.counts


def test_keep_alive_connection_serves_many_requests(emu: Emulator) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
    auth = {"Authorization": f"Bearer {emu.key}"}
    for _ in range(20):
        conn.request("POST", BASE, json.dumps(VALID), auth)
        assert conn.getresponse().read() and True
    conn.request("GET", BASE + "?limit=100", headers=auth)
    assert len(json.loads(conn.getresponse().read())["data"]) == 20
    emu.stop()
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        conn.request("GET", BASE, headers=auth)
        conn.getresponse().read()
    conn.close()


# -- faults -------------------------------------------------------------------------------------
def test_queue_429_with_retry_after_variants(emu: Emulator) -> None:
    emu.faults.latency = 0.001
    emu.faults.queue_429(1)
    emu.faults.queue_429(1, retry_after=None)
    emu.faults.queue_429(1, retry_after="Wed, 21 Oct 2026 07:28:00 GMT")
    seen = [call(emu, "POST", body=VALID)[1] for _ in range(3)]
    assert [r.status for r in seen] == [429, 429, 429]
    assert [r.getheader("Retry-After") for r in seen] == [
        "1",
        None,
        "Wed, 21 Oct 2026 07:28:00 GMT",
    ]
    assert emu.reports() == [] and emu.served_429 == 3
    assert emu.counts[("POST", "/scheduled-reports")] == 3
    assert call(emu, "POST", body=VALID)[0] == 201


def test_rate_limit_token_bucket(emu: Emulator) -> None:
    emu.faults.rate_limit(0.001, retry_after="7")
    assert call(emu, "GET")[0] == 200
    status, response, body = call(emu, "GET")
    assert (status, response.getheader("Retry-After"), body["error"]["code"]) == (
        429,
        "7",
        "rate_limited",
    )
    emu.faults.rate_limit(None)
    assert call(emu, "GET")[0] == 200


def test_fail_matches_method_and_glob_and_does_not_process(emu: Emulator) -> None:
    report = create(emu)
    emu.faults.fail("PUT", "/scheduled-reports/*", 503, count=2)
    changed = {**VALID, "report_name": "changed"}
    for _ in range(2):
        status, _, body = call(emu, "PUT", f"/{report['id']}", changed)
        assert (status, body["error"]["type"]) == (503, "internal")
    assert emu.reports()[0]["report_name"] == "Daily Revenue"
    assert call(emu, "PUT", f"/{report['id']}", changed)[0] == 200
    emu.faults.fail("POST", "/scheduled-reports", 500)
    assert call(emu, "POST", body=VALID)[0] == 500
    assert len(emu.reports()) == 1


def test_fail_listing_after_fails_that_page_only(emu: Emulator) -> None:
    ids = [emu.add_report(VALID)["id"] for _ in range(5)]
    emu.faults.fail_listing_after(1, status=502)
    assert call(emu, "GET", "?limit=2")[0] == 200
    assert call(emu, "GET", f"?limit=2&starting_after={ids[1]}")[0] == 502
    assert call(emu, "GET", f"?limit=2&starting_after={ids[1]}")[0] == 200


def test_restart_listing_after_answers_from_the_first_row(emu: Emulator) -> None:
    ids = [emu.add_report(VALID)["id"] for _ in range(5)]
    emu.faults.restart_listing_after(1)
    status, response, body = call(emu, "GET", f"?limit=2&starting_after={ids[1]}")
    assert (status, response.getheader(RESTART_HEADER)) == (200, "true")
    assert [row["id"] for row in body["data"]] == ids[:2]
    assert [row["id"] for row in read_all(emu, limit=2)] == ids


def test_ambiguous_create_is_created_but_the_connection_drops(emu: Emulator) -> None:
    emu.faults.ambiguous_creates(1)
    with pytest.raises(ConnectionError):
        call(emu, "POST", body=VALID)
    assert len(emu.reports()) == 1
    assert call(emu, "POST", body=VALID)[0] == 201


def test_reset_connections_drops_without_processing(emu: Emulator) -> None:
    emu.faults.reset_connections("POST", "/scheduled-reports")
    with pytest.raises(ConnectionError):
        call(emu, "POST", body=VALID)
    assert emu.reports() == []
    assert emu.counts[("POST", "/scheduled-reports")] == 1


def test_slow_processes_then_answers_late(emu: Emulator) -> None:
    emu.faults.slow("POST", "/scheduled-reports", delay=0.5)
    with pytest.raises(TimeoutError):
        call(emu, "POST", body=VALID, timeout=0.1)
    assert len(emu.reports()) == 1


def test_clear_disarms_every_fault(emu: Emulator) -> None:
    emu.faults.queue_429(3)
    emu.faults.fail("GET", "*", 500)
    emu.faults.rate_limit(0.001)
    emu.faults.ambiguous_creates(2)
    emu.faults.clear()
    assert [call(emu, "GET")[0] for _ in range(3)] == [200, 200, 200]
    assert call(emu, "POST", body=VALID)[0] == 201


# -- options, direct API, persistence, CLI ------------------------------------------------------
def test_idempotency_key_ignored_by_default_and_honoured_on_request(emu: Emulator) -> None:
    headers = {"Idempotency-Key": "abc"}
    for _ in range(2):
        call(emu, "POST", body=VALID, headers=headers)
    assert len(emu.reports()) == 2
    with Emulator(honour_idempotency=True) as honouring:
        first = call(honouring, "POST", body=VALID, headers=headers)[2]
        again = call(honouring, "POST", body=VALID, headers=headers)
        assert (again[0], again[2]) == (201, first)
        assert len(honouring.reports()) == 1


def test_direct_api_validates_edits_and_deletes(emu: Emulator) -> None:
    with pytest.raises(ValueError, match="send_at"):
        emu.add_report({**VALID, "send_at": "12:15"})
    report = emu.add_report(VALID)
    edited = emu.update_report(report["id"], {"status": "draft", "runs": 3})
    assert (edited["status"], edited["runs"]) == ("draft", 3)
    assert edited["updated_at"] > report["updated_at"]
    with pytest.raises(ValueError):
        emu.update_report(report["id"], {"environment": "prod"})
    emu.delete_report(report["id"])
    with pytest.raises(KeyError):
        emu.delete_report(report["id"])
    assert emu.counts == {}


def test_state_file_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with Emulator(state_file=state) as emu:
        kept, gone = create(emu), create(emu)
        call(emu, "PUT", f"/{kept['id']}", {**VALID, "report_name": "kept"})
        call(emu, "DELETE", f"/{gone['id']}")
        before = emu.reports()
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]
    with Emulator(state_file=state) as emu:
        assert emu.reports() == before
        assert call(emu, "GET", f"/{kept['id']}")[2]["report_name"] == "kept"
        assert len(call(emu, "GET", "/destinations")[2]["data"]) == 4


def test_cli_port_in_use_is_one_line_and_status_1(emu: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert run(parser.parse_args(["--port", str(emu.port)])) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot start" in err


def test_cli_serves_until_ctrl_c(tmp_path: Path) -> None:
    script = (
        "import argparse, sys; from reportsync.emulator import add_arguments, run; "
        "p = argparse.ArgumentParser(); add_arguments(p); sys.exit(run(p.parse_args(sys.argv[1:])))"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, "--port", "0", "--latency", "1", "--no-pagination"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    banner = [proc.stdout.readline() for _ in range(3)]
    assert banner[0].startswith("reportsync emulator listening on http://127.0.0.1:")
    assert banner[1] == f"accepting key: {EMULATOR_DEMO_KEY}\n"
    assert banner[2].startswith("export QONVERSION_API_URL=http://127.0.0.1:")
    port = int(banner[0].rsplit(":", 1)[1].split("/")[0])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", BASE, headers={"Authorization": f"Bearer {EMULATOR_DEMO_KEY}"})
    assert conn.getresponse().status == 200
    conn.close()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=10)
    assert (proc.returncode, err) == (0, "")
