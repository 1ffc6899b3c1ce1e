"""`reportsync emulator` fault flags: parsing, bad values, and a real emulator process answering as told."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from helpers import report

from reportsync.arguments import build_parser
from reportsync.cli import main
from reportsync.constants import EMULATOR_DEMO_KEY, RESTART_HEADER
from reportsync.emulator.cli import CallFault, ListingFault

DROPPED = -1  # the status `call` reports when the server hangs up without answering


def parse(*flags: str) -> Any:
    return build_parser().parse_args(["emulator", *flags])


# -- parsing ---------------------------------------------------------------------------------------
def test_defaults_inject_nothing() -> None:
    args = parse()
    assert (args.fail_429, args.fail, args.reset_connections, args.ambiguous_creates) == (None,) * 4
    assert (args.fail_listing_after, args.restart_listing_after, args.seed) == (None,) * 3
    assert (args.retry_after, args.latency, args.rate_limit) == ("1", 0.0, None)
    assert not (args.put_returns_minimal or args.honour_idempotency or args.no_pagination)


def test_every_fault_flag_parses() -> None:
    args = parse(
        *("--fail-429", "3", "--retry-after", "none", "--rate-limit", "2.5"),
        *("--fail", "POST:/scheduled-reports:503:2", "--fail", "get:/scheduled-reports/*:500"),
        *("--fail-listing-after", "2:502", "--restart-listing-after", "1", "--ambiguous-creates", "2"),
        *("--reset-connections", "DELETE:/scheduled-reports/*", "--reset-connections", "*:*:3"),
        *("--put-returns-minimal", "--honour-idempotency", "--seed", "42", "--latency", "5"),
    )
    assert (args.fail_429, args.retry_after, args.rate_limit, args.latency) == (3, None, 2.5, 5.0)
    assert args.fail == [
        CallFault("POST", "/scheduled-reports", 2, 503),
        CallFault("GET", "/scheduled-reports/*", 1, 500),
    ]
    assert args.reset_connections == [
        CallFault("DELETE", "/scheduled-reports/*", 1),
        CallFault("*", "*", 3),
    ]
    assert (args.fail_listing_after, args.restart_listing_after) == (ListingFault(2, 502), 1)
    assert (args.ambiguous_creates, args.seed) == (2, 42)
    assert args.put_returns_minimal and args.honour_idempotency


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0", ListingFault(0, 503)), ("3", ListingFault(3, 503)), ("1:429", ListingFault(1, 429))],
)
def test_fail_listing_after_status_defaults_to_503(value: str, expected: ListingFault) -> None:
    assert parse("--fail-listing-after", value).fail_listing_after == expected


@pytest.mark.parametrize("value", ["7", "Wed, 21 Oct 2015 07:28:00 GMT", "NONE"])
def test_retry_after_accepts_seconds_dates_and_none(value: str) -> None:
    assert parse("--retry-after", value).retry_after == (None if value == "NONE" else value)


# -- bad values: exit 2, one clear message, no traceback ----------------------------------------------
BAD = [
    (["--fail-429", "x"], "argument --fail-429: the count must be a whole number >= 1, not 'x'"),
    (["--fail-429", "0"], "the count must be a whole number >= 1"),
    (["--retry-after", "soon"], "expected whole seconds, an HTTP-date or 'none', not 'soon'"),
    (["--fail", "POST:/scheduled-reports"], "expected METHOD:PATH_GLOB:STATUS[:COUNT]"),
    (["--fail", "POST:/scheduled-reports:200"], "HTTP error status 400-599, not '200'"),
    (["--fail", "POST:/scheduled-reports:503:0"], "the count must be a whole number >= 1, not '0'"),
    (["--fail", "POST:/v4/scheduled-reports:503"], "paths are after /v4: write '/scheduled-reports'"),
    (["--fail", "P0ST:/x:503"], "METHOD must be like GET, POST or *, not 'P0ST'"),
    (["--fail", "GET:scheduled-reports:503"], "PATH_GLOB must start with / or *"),
    (["--fail-listing-after", "-1"], "PAGES must be a whole number >= 0"),
    (["--fail-listing-after", "2:ok"], "HTTP error status 400-599, not 'ok'"),
    (["--restart-listing-after", "0"], "PAGES must be a whole number >= 1"),
    (["--ambiguous-creates", "two"], "argument --ambiguous-creates"),
    (["--reset-connections", "DELETE"], "expected METHOD:PATH_GLOB[:COUNT]"),
    (["--seed", "abc"], "the seed must be a whole number >= 0"),
    (["--port", "70000"], "the port must be 0-65535"),
    (["--latency", "nan"], "the latency (milliseconds) must be a number >= 0"),
    (["--rate-limit", "0"], "the rate limit (requests per second) must be a number > 0"),
]


@pytest.mark.parametrize(("flags", "message"), BAD, ids=[" ".join(flags) for flags, _ in BAD])
def test_bad_value_is_a_usage_error(
    flags: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["emulator", *flags]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_bad_value_from_a_real_process_is_a_usage_error_without_traceback() -> None:
    argv = [sys.executable, "-m", "reportsync", "emulator", "--fail", "POST:/x:ok"]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1 and proc.stdout == ""
    assert "argument --fail: the status must be an HTTP error status 400-599, not 'ok'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_listing_fault_that_cannot_fire_without_pages_is_refused() -> None:
    argv = [sys.executable, "-m", "reportsync", "emulator", "--port", "0"]
    argv += ["--no-pagination", "--restart-listing-after", "1"]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert proc.returncode == 1 and "never fires with --no-pagination" in proc.stderr


# -- a real emulator process ------------------------------------------------------------------------
class Served:
    """A `reportsync emulator --port 0` subprocess, its banner and its port."""

    def __init__(self, proc: subprocess.Popen[str], banner: list[str]) -> None:
        self.proc, self.banner = proc, banner
        self.port = int(banner[0].rsplit(":", 1)[1].split("/")[0])

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, dict[str, str], Any]:
        """(status or DROPPED, headers, decoded JSON body) of one request to /v4{path}."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/v4{path}", data, method=method)
        request.add_header("Authorization", f"Bearer {EMULATOR_DEMO_KEY}")
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, dict(response.headers), json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), json.loads(error.read() or b"null")
        except (OSError, http.client.HTTPException):
            return DROPPED, {}, None


def _banner(proc: subprocess.Popen[str]) -> list[str]:
    """The lines printed before serving: 3 for the address and key, then one per fault or mode."""
    assert proc.stdout is not None
    lines = [proc.stdout.readline() for _ in range(3)]
    assert lines[0].startswith("reportsync emulator listening on http://127.0.0.1:"), lines
    return lines


@pytest.fixture
def serve() -> Iterator[Any]:
    procs: list[subprocess.Popen[str]] = []

    def start(*flags: str, faults: int) -> Served:
        argv = [sys.executable, "-m", "reportsync", "emulator", "--port", "0", *flags]
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        procs.append(proc)
        banner = _banner(proc)
        assert proc.stdout is not None
        return Served(proc, banner + [proc.stdout.readline() for _ in range(faults)])

    try:
        yield start
    finally:
        for proc in procs:
            proc.kill()
            proc.communicate(timeout=10)


def test_queued_429s_a_chosen_503_and_a_restarted_listing(serve: Any) -> None:
    emu = serve(
        *("--fail-429", "2", "--retry-after", "7", "--fail", "POST:/scheduled-reports:503"),
        *("--restart-listing-after", "1", "--seed", "3"),
        faults=4,
    )
    assert emu.banner[3:] == [
        "fault: next 2 requests answer 429 (Retry-After: 7)\n",
        "fault: next call POST /scheduled-reports answers 503\n",
        "fault: listing page 2 restarts from the first row (X-Qon-Pagination-Restarted)\n",
        "mode: report ids from seed 3\n",
    ]
    for _ in range(2):
        status, headers, _ = emu.call("GET", "/scheduled-reports")
        assert (status, headers.get("Retry-After")) == (429, "7")
    assert emu.call("POST", "/scheduled-reports", report("first"))[0] == 503
    first = emu.call("POST", "/scheduled-reports", report("first"))
    second = emu.call("POST", "/scheduled-reports", report("second"))
    assert (first[0], second[0]) == (201, 201)
    page_one = emu.call("GET", "/scheduled-reports?limit=1")
    assert page_one[0] == 200 and RESTART_HEADER not in page_one[1]
    assert [row["id"] for row in page_one[2]["data"]] == [first[2]["id"]]
    page_two = emu.call("GET", f"/scheduled-reports?limit=1&starting_after={first[2]['id']}")
    assert page_two[0] == 200 and page_two[1].get(RESTART_HEADER) == "true"
    assert [row["id"] for row in page_two[2]["data"]] == [first[2]["id"]]
    assert emu.call("GET", f"/scheduled-reports?limit=1&starting_after={first[2]['id']}")[0] == 200


def test_resets_failing_listing_and_ambiguous_create(serve: Any) -> None:
    emu = serve(
        *(
            "--fail-429",
            "1",
            "--retry-after",
            "none",
            "--reset-connections",
            "GET:/scheduled-reports/destinations",
        ),
        *("--fail-listing-after", "0:502", "--ambiguous-creates", "1"),
        faults=4,
    )
    assert emu.banner[3] == "fault: next request answers 429 (no Retry-After)\n"
    status, headers, _ = emu.call("GET", "/scheduled-reports/destinations")
    assert status == 429 and "Retry-After" not in headers
    assert emu.call("GET", "/scheduled-reports/destinations")[0] == DROPPED
    assert emu.call("GET", "/scheduled-reports/destinations")[0] == 200
    assert emu.call("GET", "/scheduled-reports")[0] == 502
    assert emu.call("POST", "/scheduled-reports", report("kept"))[0] == DROPPED
    status, _, listing = emu.call("GET", "/scheduled-reports")
    assert status == 200 and [row["report_name"] for row in listing["data"]] == ["kept"]


# -- serving faults (issue 14) ----------------------------------------------------------------------
SERVING_BAD = [
    (["--drip", "GET"], "expected METHOD:PATH_GLOB[:COUNT]"),
    (["--bloat", "GET:/scheduled-reports:0"], "MIB must be a whole number >= 1"),
    (["--bloat", "GET:/scheduled-reports:3:zip"], "the fourth part must be 'gzip', not 'zip'"),
    (["--raw-body", "GET:/scheduled-reports:/nonexistent/page.json"], "cannot read '/nonexistent/page.json'"),
    (["--serve-field", "included_range_days"], "expected FIELD=JSON"),
    (["--serve-field", "status=paused"], "the value of status is not JSON: 'paused'"),
    (["--empty-pages", "0"], "the count must be a whole number >= 1"),
    (["--error-2xx", "PUT"], "expected METHOD:PATH_GLOB[:COUNT]"),
]


@pytest.mark.parametrize(("flags", "message"), SERVING_BAD, ids=[" ".join(f) for f, _ in SERVING_BAD])
def test_bad_serving_fault_is_a_usage_error(
    flags: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["emulator", *flags]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_serving_faults_from_a_real_process(serve: Any, tmp_path: Any) -> None:
    raw = tmp_path / "page.json"
    raw.write_bytes(b"[" * 1000 + b"]" * 1000)
    emu = serve(
        *("--bloat", "GET:/scheduled-reports/destinations:2:gzip", "--empty-pages", "1"),
        *(
            "--serve-field",
            'included_range_days="7"',
            "--omit-labels",
            "--error-2xx",
            "PUT:/scheduled-reports/*",
        ),
        *("--raw-body", f"GET:/scheduled-reports/abc:{raw}", "--drip", "GET:/nowhere"),
        faults=7,
    )
    size = f"{len(raw.read_bytes()):,}"
    assert emu.banner[3:] == [
        "fault: next call GET /nowhere sends the body one byte a second\n",
        "fault: every call GET /scheduled-reports/destinations answers a 2 MiB body (gzip)\n",
        f"fault: next call GET /scheduled-reports/abc answers a {size}-byte body from a file\n",
        "fault: next call PUT /scheduled-reports/* answers 200 with an error body\n",
        "fault: next listing call answers an empty page that says has_more\n",
        "fault: every report is served with included_range_days = '7'\n",
        "fault: reports are served without destination labels\n",
    ]
    status, _, page = emu.call("GET", "/scheduled-reports")
    assert status == 200 and page["data"] == [] and page["has_more"] is True
    created = emu.call("POST", "/scheduled-reports", report("first"))[2]
    assert created["included_range_days"] == "7"
    status, _, answer = emu.call("PUT", f"/scheduled-reports/{created['id']}", report("second"))
    assert status == 200 and answer["error"]["code"] == "invalid_data"


def test_rewrite_flags_parse_arm_and_print() -> None:
    from reportsync.emulator import Emulator
    from reportsync.emulator.cli import arm_faults, fault_lines

    args = parse("--rewrite", "trim-names", "--rewrite", "nfc-names", "--rewrite", "range-as-string")
    assert args.rewrite == ["trim-names", "nfc-names", "range-as-string"]
    assert "fault: next 2 creates are stored twice" in fault_lines(parse("--twin-creates", "2"))
    lines = fault_lines(args)
    assert "fault: reports are stored with names trimmed of leading and trailing whitespace" in lines
    assert 'fault: reports are stored with included_range_days as a string ("7")' in lines
    with Emulator(seed=1) as emu:
        arm_faults(emu.faults, args)
        stored = emu.add_report(report(" Cafe\u0301 ", included_range_days=7))
        assert (stored["report_name"], stored["included_range_days"]) == ("Café", "7")
        emu.faults.clear()
        assert emu.add_report(report(" x "))["report_name"] == " x "
    with pytest.raises(ValueError, match="unknown rewrite"):
        Emulator().faults.rewrite_stored("upper-case")


def test_an_unknown_rewrite_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["emulator", "--rewrite", "upper-case"]) == 1
    assert "invalid choice" in capsys.readouterr().err
