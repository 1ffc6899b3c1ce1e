"""The API client against the real emulator over loopback: every call, error, retry and page."""

from __future__ import annotations

import json
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
import urllib3.exceptions
from helpers import report

from reportsync import __version__
from reportsync.client import Client
from reportsync.emulator import Emulator
from reportsync.errors import ApiError, TransportError
from reportsync.models import Destination
from reportsync.retry import Limits
from reportsync.settings import Settings
from reportsync.transport import classify

KEY = "test_sk_SECRET_do_not_print_42"
LIST = ("GET", "/scheduled-reports")
CREATE = ("POST", "/scheduled-reports")
BODY: dict[str, Any] = report()


def body(name: str = "Daily revenue", **changes: Any) -> dict[str, Any]:
    return {**BODY, "report_name": name, **changes}


class Recorder:
    """The client's log and sleep, recorded; sleeps are real but tests keep them tiny."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.sleeps: list[float] = []

    def log(self, line: str) -> None:
        self.lines.append(line)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(key=KEY) as emulator:
        yield emulator


@pytest.fixture
def rec() -> Iterator[Recorder]:
    recorder = Recorder()
    yield recorder
    assert KEY not in "\n".join(recorder.lines)


@pytest.fixture
def make(rec: Recorder) -> Iterator[Callable[..., Client]]:
    clients: list[Client] = []

    def factory(url: str, key: str = KEY, max_attempts: int = 8, **options: Any) -> Client:
        options = {"timeout": (2.0, 5.0), **options}
        limits = Limits(max_attempts=max_attempts, backoff_base=0.01)
        client = Client(Settings(url, key), log=rec.log, sleep=rec.sleep, limits=limits, **options)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()


@pytest.fixture
def client(emu: Emulator, make: Callable[..., Client]) -> Client:
    return make(emu.url)


def fail_with(call: Callable[[], Any]) -> ApiError:
    """The ApiError a call raises, checked to be free of the key and of chained causes."""
    with pytest.raises(ApiError) as caught:
        call()
    err = caught.value
    shown = "".join(traceback.format_exception(err)) + repr(err) + repr(err.args)
    assert KEY not in shown
    assert err.__cause__ is None
    assert err.__suppress_context__ or err.__context__ is None
    return err


# -- every operation -----------------------------------------------------------------------------


def test_crud_round_trip(emu: Emulator, client: Client) -> None:
    created = client.create_report(body())
    assert created.payload["report_name"] == "Daily revenue" and created.id
    assert client.get_report(created.id) == created
    replaced = client.replace_report(created.id, body(send_at="10:30"))
    assert replaced.payload["send_at"] == "10:30"
    assert [r.id for r in client.list_reports()] == [created.id]
    client.delete_report(created.id)
    assert emu.reports() == []


def test_replace_tolerates_a_minimal_answer(make: Callable[..., Client]) -> None:
    with Emulator(key=KEY, put_returns_minimal=True) as emu:
        report = emu.add_report(body())
        replaced = make(emu.url).replace_report(report["id"], body(status="draft"))
    assert replaced.id == report["id"]
    assert replaced.payload["status"] == "draft" and replaced.payload["id"] == report["id"]


def test_list_destinations(client: Client) -> None:
    destinations = client.list_destinations()
    assert Destination("target_integration", "int-wh-01", "Webhooks: Release alerts") in destinations


def test_send_test_then_its_rate_limit_is_not_retried(emu: Emulator, client: Client) -> None:
    report = emu.add_report(body())
    assert client.send_test(report["id"])["status"] == "queued"
    err = fail_with(lambda: client.send_test(report["id"]))
    assert err.status == 429 and not err.ambiguous
    assert emu.counts[("POST", "/scheduled-reports/{id}/send-test")] == 2


def test_debug_log_names_each_attempt_without_headers(client: Client, rec: Recorder) -> None:
    client.list_reports()
    assert rec.lines[0].startswith("GET /v4/scheduled-reports?limit=100 → 200 in ")
    assert rec.lines[0].endswith(" ms (attempt 1)")
    assert not any("Bearer" in line or "Authorization" in line for line in rec.lines)


# -- errors --------------------------------------------------------------------------------------


def test_bad_key_is_401(emu: Emulator, make: Callable[..., Client]) -> None:
    err = fail_with(lambda: make(emu.url, key="test_sk_wrong").list_reports())
    assert (err.status, err.code) == (401, "control_unauthorized")
    assert str(err).startswith("GET /scheduled-reports → 401 control_unauthorized: ")


def test_public_key_is_403(emu: Emulator, make: Callable[..., Client]) -> None:
    err = fail_with(lambda: make(emu.url, key="pk_public").get_report("abc"))
    assert (err.status, err.code) == (403, "control_forbidden")


def test_missing_report_is_404(client: Client) -> None:
    for call in (client.get_report, client.delete_report, lambda i: client.replace_report(i, body())):
        err = fail_with(lambda call=call: call("nope"))  # type: ignore[misc]
        assert (err.status, err.code, err.path) == (404, "not_found", "/scheduled-reports/nope")


def test_invalid_body_is_400_with_every_detail(emu: Emulator, client: Client) -> None:
    err = fail_with(lambda: client.create_report(body(send_at="12:15")))
    assert str(err) == (
        "POST /scheduled-reports → 400 invalid_data: send_at: must be HH:MM on a 30-minute slot"
        " (the scheduled report is invalid)"
    )
    assert err.details == (("send_at", "must be HH:MM on a 30-minute slot"),)
    assert not err.ambiguous and emu.counts[CREATE] == 1


def test_invalid_id_never_reaches_the_server(emu: Emulator, client: Client) -> None:
    err = fail_with(lambda: client.get_report("../admin"))
    assert err.code == "invalid_id" and client.request_count == 0


# -- transport failures --------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_connection_refused_is_retried_then_plain(make: Callable[..., Client]) -> None:
    port = closed_port()
    client = make(f"http://127.0.0.1:{port}/v4", max_attempts=3)
    err = fail_with(client.list_reports)
    assert isinstance(err, TransportError) and err.status is None
    assert f"connection refused by 127.0.0.1:{port} — is the API URL right?" in str(err)
    assert "gave up after 3 attempts" in str(err) and client.request_count == 3


def test_refused_create_is_retried_and_not_ambiguous(make: Callable[..., Client]) -> None:
    client = make(f"http://127.0.0.1:{closed_port()}/v4", max_attempts=2)
    err = fail_with(lambda: client.create_report(body()))
    assert not err.ambiguous and client.request_count == 2


def test_read_timeout_on_get_is_retried(emu: Emulator, make: Callable[..., Client]) -> None:
    report = emu.add_report(body())
    emu.faults.slow("GET", "/scheduled-reports/*", 1.0)
    client = make(emu.url, timeout=(2.0, 0.2))
    assert client.get_report(report["id"]).id == report["id"]
    assert client.request_count == 2


def test_read_timeout_is_plain(emu: Emulator, make: Callable[..., Client]) -> None:
    emu.faults.slow("GET", "/scheduled-reports", 1.0)
    err = fail_with(make(emu.url, timeout=(2.0, 0.2), max_attempts=1).list_reports)
    expected = "timed out after 0.2 s waiting for a complete response (--timeout)"
    assert str(err) == f"GET /scheduled-reports → failed: {expected}"


def test_tls_to_a_plain_http_server_is_plain(emu: Emulator, make: Callable[..., Client]) -> None:
    err = fail_with(make(emu.url.replace("http://", "https://"), max_attempts=1).list_reports)
    assert f"TLS handshake with 127.0.0.1:{emu.port} failed" in str(err)


def test_reasons_for_dns_and_certificates() -> None:
    url = "https://api.example.com/v4/scheduled-reports"
    dns = urllib3.exceptions.NameResolutionError("api.example.com", None, socket.gaierror(-2))  # type: ignore[arg-type]
    wrapped = requests.exceptions.ConnectionError(urllib3.exceptions.MaxRetryError(None, url, dns))  # type: ignore[arg-type]
    assert classify(wrapped, url, (5, 30)).reason.startswith("could not resolve host api.example.com")
    tls = requests.exceptions.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] self-signed")
    reason = classify(tls, url, (5, 30)).reason
    assert reason.startswith("TLS certificate verification failed for api.example.com:443")


# -- pagination ----------------------------------------------------------------------------------


@pytest.fixture
def many(emu: Emulator) -> list[str]:
    ids = [emu.add_report(body(f"report {n:03d}"))["id"] for n in range(250)]
    emu.reset_counts()
    return ids


def test_pagination_reads_every_page(emu: Emulator, client: Client, many: list[str]) -> None:
    assert [r.id for r in client.list_reports()] == many
    assert emu.counts[LIST] == 3


def test_pagination_restart_starts_over(
    emu: Emulator, client: Client, many: list[str], rec: Recorder
) -> None:
    emu.faults.restart_listing_after(1)
    assert [r.id for r in client.list_reports()] == many
    assert emu.counts[LIST] == 5  # two pages, then three from scratch
    assert any("restarted pagination" in line for line in rec.lines)


def test_pagination_that_keeps_restarting_fails(client: Client, emu: Emulator, many: list[str]) -> None:
    emu.faults.restart_listing_after(1, count=4)
    err = fail_with(client.list_reports)
    assert "kept restarting" in str(err)


def test_listing_failing_part_way_raises(emu: Emulator, client: Client, many: list[str]) -> None:
    emu.faults.fail_listing_after(2, status=500)
    err = fail_with(client.list_reports)
    assert err.status == 500 and emu.counts[LIST] == 3


def test_listing_503_part_way_is_retried(emu: Emulator, client: Client, many: list[str]) -> None:
    emu.faults.fail_listing_after(1, status=503)
    assert len(client.list_reports()) == 250


def test_unpaginated_listing(make: Callable[..., Client]) -> None:
    with Emulator(key=KEY, paginate=False) as emu:
        for n in range(150):
            emu.add_report(body(f"r{n}"))
        assert len(make(emu.url).list_reports()) == 150
        assert emu.counts[LIST] == 1


# -- retries -------------------------------------------------------------------------------------


def test_429_honours_retry_after_seconds(emu: Emulator, client: Client, rec: Recorder) -> None:
    emu.faults.queue_429(1, retry_after="1")
    assert client.list_reports() == ()
    assert client.request_count == 2 and rec.sleeps and 0.5 < rec.sleeps[0] <= 1.0


def test_429_honours_retry_after_date(emu: Emulator, client: Client, rec: Recorder) -> None:
    emu.faults.queue_429(1, retry_after=formatdate(time.time() + 2, usegmt=True))
    assert client.list_reports() == ()
    assert client.request_count == 2 and len(rec.sleeps) == 1 and 0 < rec.sleeps[0] <= 2.0


def test_429_without_retry_after_backs_off(emu: Emulator, client: Client) -> None:
    emu.faults.queue_429(3, retry_after=None)
    assert client.list_reports() == ()
    assert client.request_count == 4


def test_retries_are_bounded(emu: Emulator, make: Callable[..., Client]) -> None:
    emu.faults.queue_429(5, retry_after="0")
    client = make(emu.url, max_attempts=3)
    err = fail_with(client.list_reports)
    assert err.status == 429 and "gave up after 3 attempts" in str(err)
    assert client.request_count == 3


@pytest.mark.parametrize(("method", "status"), [("GET", 503), ("PUT", 502), ("DELETE", 504)])
def test_safe_methods_retry_5xx(emu: Emulator, client: Client, method: str, status: int) -> None:
    report = emu.add_report(body())
    emu.faults.fail(method, "/scheduled-reports/*", status, count=2)
    call: Callable[[], object] = {
        "GET": lambda: client.get_report(report["id"]),
        "PUT": lambda: client.replace_report(report["id"], body()),
        "DELETE": lambda: client.delete_report(report["id"]),
    }[method]
    call()
    assert client.request_count == 3


def test_dropped_delete_is_retried(emu: Emulator, client: Client) -> None:
    report = emu.add_report(body())
    emu.faults.reset_connections("DELETE", "/scheduled-reports/*")
    client.delete_report(report["id"])
    assert emu.reports() == [] and client.request_count == 2


def test_delete_that_timed_out_after_deleting_counts_as_deleted(
    emu: Emulator, make: Callable[..., Client]
) -> None:
    report = emu.add_report(body())
    emu.faults.slow("DELETE", "/scheduled-reports/*", 1.0, process_first=True)
    client = make(emu.url, timeout=(2.0, 0.2))
    client.delete_report(report["id"])
    assert emu.reports() == [] and client.request_count == 2


# -- creates: never posted twice -----------------------------------------------------------------


def test_create_retries_a_429(emu: Emulator, client: Client) -> None:
    emu.faults.queue_429(1, retry_after="0")
    client.create_report(body())
    assert emu.counts[CREATE] == 2 and len(emu.reports()) == 1


def test_create_dropped_after_creating_is_ambiguous(emu: Emulator, client: Client) -> None:
    emu.faults.ambiguous_creates(1)
    err = fail_with(lambda: client.create_report(body()))
    assert isinstance(err, TransportError) and err.ambiguous
    assert "may have been applied" in str(err)
    assert emu.counts[CREATE] == 1 and len(emu.reports()) == 1


def test_create_read_timeout_is_ambiguous(emu: Emulator, make: Callable[..., Client]) -> None:
    emu.faults.slow("POST", "/scheduled-reports", 1.0, process_first=True)
    err = fail_with(lambda: make(emu.url, timeout=(2.0, 0.2)).create_report(body()))
    assert err.ambiguous and "timed out" in str(err)
    assert emu.counts[CREATE] == 1 and len(emu.reports()) == 1


def test_create_5xx_is_ambiguous_and_not_retried(emu: Emulator, client: Client) -> None:
    emu.faults.fail("POST", "/scheduled-reports", 503)
    err = fail_with(lambda: client.create_report(body()))
    assert err.status == 503 and err.ambiguous
    assert emu.counts[CREATE] == 1


# -- threads -------------------------------------------------------------------------------------


def run_in_thread(call: Callable[[], Any]) -> None:
    errors: list[BaseException] = []

    def target() -> None:
        try:
            call()
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def test_a_429_in_one_thread_slows_the_others(
    emu: Emulator, make: Callable[..., Client], rec: Recorder
) -> None:
    client = make(emu.url, max_attempts=1)
    emu.faults.queue_429(1, retry_after="1")
    with pytest.raises(ApiError):
        run_in_thread(client.list_reports)
    assert rec.sleeps == []
    run_in_thread(client.list_reports)  # another worker: waits for the shared backoff first
    assert len(rec.sleeps) == 1 and 0.5 < rec.sleeps[0] <= 1.0
    assert any("shared" in line for line in rec.lines)


def test_concurrent_workers_share_one_client(emu: Emulator, make: Callable[..., Client]) -> None:
    ids = [emu.add_report(body(f"r{n}"))["id"] for n in range(8)]
    client = make(emu.url, pool_size=8)
    emu.reset_counts()
    threads = [threading.Thread(target=client.get_report, args=(i,)) for i in ids * 5]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert client.request_count == 40 == emu.counts[("GET", "/scheduled-reports/{id}")]


# -- bodies the emulator never sends -------------------------------------------------------------


class Canned(ThreadingHTTPServer):
    """A tiny server answering each path with a fixed (status, content-type, body)."""

    daemon_threads = True

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, str, bytes]] = {}
        self.seen: list[dict[str, str]] = []
        super().__init__(("127.0.0.1", 0), _CannedHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v4"

    def answer(self, path: str, status: int, data: Any, kind: str = "application/json") -> None:
        raw = data if isinstance(data, bytes) else json.dumps(data).encode()
        self.routes["/v4" + path] = (status, kind, raw)


class _CannedHandler(BaseHTTPRequestHandler):
    server: Canned

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.seen.append(dict(self.headers.items()))
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        status, kind, raw = self.server.routes.get(self.path, (404, "text/plain", b"no"))
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    do_POST = do_PUT = do_DELETE = do_GET


@pytest.fixture
def canned() -> Iterator[Canned]:
    server = Canned()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_request_headers(canned: Canned, make: Callable[..., Client]) -> None:
    canned.answer("/scheduled-reports", 201, {**body(), "id": "abc"})
    assert make(canned.url).create_report(body()).id == "abc"
    sent = canned.seen[0]
    assert sent["Authorization"] == f"Bearer {KEY}"
    assert sent["User-Agent"] == f"reportsync/{__version__}"
    assert sent["Accept"] == "application/json"
    assert uuid.UUID(sent["Idempotency-Key"]).version == 4


def test_2xx_html_is_a_transport_error(canned: Canned, make: Callable[..., Client]) -> None:
    canned.answer("/scheduled-reports/abc", 200, b"<html>login</html>", "text/html")
    err = fail_with(lambda: make(canned.url).get_report("abc"))
    assert isinstance(err, TransportError)
    assert "the response was not JSON (content-type 'text/html'" in str(err)


def test_error_without_envelope_uses_the_http_reason(canned: Canned, make: Callable[..., Client]) -> None:
    canned.answer("/scheduled-reports/abc", 500, b"<html>oops</html>", "text/html")
    err = fail_with(lambda: make(canned.url).get_report("abc"))
    assert str(err) == "GET /scheduled-reports/abc → 500: Internal Server Error"


def test_redirect_is_an_error_not_followed(canned: Canned, make: Callable[..., Client]) -> None:
    canned.answer("/scheduled-reports/abc", 302, b"", "text/plain")
    err = fail_with(lambda: make(canned.url).get_report("abc"))
    assert err.status == 302 and len(canned.seen) == 1


def test_bare_list_is_tolerated(canned: Canned, make: Callable[..., Client]) -> None:
    canned.answer("/scheduled-reports?limit=100", 200, [{**body(), "id": "a"}, {**body(), "id": "b"}])
    assert [r.id for r in make(canned.url).list_reports()] == ["a", "b"]


@pytest.mark.parametrize(
    "page", [{"object": "list"}, {"data": [{"report_name": "x"}]}, {"data": "nope"}, "text"]
)
def test_malformed_listing_raises(canned: Canned, make: Callable[..., Client], page: Any) -> None:
    canned.answer("/scheduled-reports?limit=100", 200, page)
    err = fail_with(make(canned.url).list_reports)
    assert err.code == "malformed_response"


def test_server_echoing_the_key_is_withheld(canned: Canned, make: Callable[..., Client]) -> None:
    canned.answer("/scheduled-reports/abc", 401, {"error": {"code": "x", "message": f"bad {KEY}"}})
    err = fail_with(lambda: make(canned.url).get_report("abc"))
    assert err.status == 401
