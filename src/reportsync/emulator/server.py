"""The emulator's HTTP server: keep-alive loopback serving, fault orchestration and the Python API."""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO
from urllib.parse import parse_qsl, urlsplit

from reportsync.constants import EMULATOR_DEMO_KEY
from reportsync.emulator.faults import Faults
from reportsync.emulator.requestlog import log_line
from reportsync.emulator.routes import App, Request, Response, error_response, resolve
from reportsync.emulator.state import Report, Store, load_destinations
from reportsync.emulator.validation import check_destinations

BASE = "/v4"
DestinationsArg = list[dict[str, str]] | str | os.PathLike[str] | None


class Emulator:
    """A local model of the Qonversion v4 scheduled-reports API, served over loopback HTTP."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        key: str = EMULATOR_DEMO_KEY,
        destinations: DestinationsArg = None,
        state_file: str | os.PathLike[str] | None = None,
        paginate: bool = True,
        put_returns_minimal: bool = False,
        honour_idempotency: bool = False,
        seed: int | None = None,
        more_keys: tuple[str, ...] = (),
        request_log: TextIO | None = None,
    ) -> None:
        """`more_keys`: further keys, each with a project of its own (own reports, same destinations).

        `request_log`: a stream that gets one line per request (method, path, status; never a key).
        Raises ValueError for a repeated key, or for several keys with a state file (which holds one).
        """
        self.host, self.port, self.key = host, port, key
        keys = (key, *more_keys)
        if len(set(keys)) != len(keys):
            raise ValueError("each key must be given once")
        if more_keys and state_file is not None:
            raise ValueError("a state file holds one project: use one key with it")
        path = Path(state_file) if state_file is not None else None
        listing = _listing(destinations)
        self.faults = Faults()
        self.counts: Counter[tuple[str, str]] = Counter()
        self.served_429 = 0
        self._count_lock = threading.Lock()
        self.request_log = request_log
        modes = {"paginate": paginate, "put_returns_minimal": put_returns_minimal}
        modes["honour_idempotency"] = honour_idempotency
        self.apps: dict[str, App] = {}
        for index, one in enumerate(keys):  # a seed per project: distinct ids, still deterministic
            store = Store(listing, path, None if seed is None else seed + index)
            store.stored = self.faults.stored  # the rewrites a server makes to what it stores
            self.apps[one] = App(store, self.faults, one, **modes)
        self.app = self.apps[key]
        self._store = self.app.store
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._serving = False

    # -- lifecycle ----------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{BASE}"

    def bind(self) -> None:
        """Open the listening socket (raises OSError if the port is taken); `url` is then final."""
        if self._server is None:
            self._server = _Server((self.host, self.port), self)
            self.port = self._server.server_address[1]

    def start(self) -> Emulator:
        self.bind()
        assert self._server is not None
        self._serving = True
        # A short poll keeps stop() quick: tests start and stop an emulator per test.
        self._thread = threading.Thread(target=self._loop, args=(0.01,), daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.bind()
        self._serving = True
        self._loop(0.5)

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        if self._serving:
            server.shutdown()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        server.close_connections()
        server.server_close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _loop(self, poll_interval: float) -> None:
        assert self._server is not None
        try:
            self._server.serve_forever(poll_interval)
        finally:
            self._serving = False

    def app_for(self, request: Request) -> App:
        """The project whose key the request carries; the first one answers a missing or wrong key."""
        scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
        return self.apps.get(token.strip(), self.app) if scheme.lower() == "bearer" else self.app

    def log_request(self, method: str, target: str, outcome: str) -> None:
        """One line on `request_log`: method, path and outcome, escaped, with every key masked."""
        if self.request_log is not None:
            with self._count_lock:
                print(log_line(method, target, outcome, self.apps), file=self.request_log, flush=True)

    # -- direct state access (no HTTP, no faults, not counted) ---------------------------------
    def add_report(self, fields: dict[str, Any], key: str | None = None) -> Report:
        """Store a report in the first project (or in `key`'s) as the dashboard would."""
        return self.apps[key or self.key].store.create(fields)

    def reports(self, key: str | None = None) -> list[Report]:
        """The first project's reports (or `key`'s), in creation order."""
        return self.apps[key or self.key].store.all()

    def update_report(self, id: str, changes: dict[str, Any]) -> Report:
        return self._store.edit(id, changes)

    def delete_report(self, id: str) -> None:
        if not self._store.delete(id):
            raise KeyError(id)

    def reset_counts(self) -> None:
        with self._count_lock:
            self.counts.clear()
            self.served_429 = 0

    def count(self, request: Request) -> None:
        route = resolve(request.path)
        with self._count_lock:
            self.counts[(request.method, route[0] if route else request.path)] += 1

    def served(self, response: Response) -> None:
        if response.status == 429:
            with self._count_lock:
                self.served_429 += 1


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # keep-alive clients must not make stop() wait
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], emulator: Emulator) -> None:
        self.emulator = emulator
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def track(self, connection: socket.socket, is_open: bool) -> None:
        with self._open_lock:
            (self._open.add if is_open else self._open.discard)(connection)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # clients hang up: that is normal
            super().handle_error(request, client_address)

    def close_connections(self) -> None:
        """A stopped server answers nothing more, even on kept-alive connections."""
        with self._open_lock:
            for connection in self._open:
                _shutdown(connection)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else each keep-alive POST waits ~40 ms for a delayed ACK
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the emulator runs inside test processes."""

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def _serve(self) -> None:
        emulator = self.server.emulator
        request = self._read_request()
        emulator.count(request)
        faults = emulator.faults
        if faults.latency > 0:
            time.sleep(faults.latency)
        verdict = faults.before(request.method, request.path)
        if verdict is not None and verdict.action == "reset":
            return self._drop()
        if verdict is not None:
            return self._send(self._injected(verdict.status, verdict.retry_after, verdict.code))
        self._process(request, faults.slowness(request.method, request.path))

    def _injected(self, status: int, retry_after: str | None, code: str = "") -> Response:
        text = self.server.emulator.faults.error
        details = [{"field": f, "message": m} for f, m in text.details] or None
        response = error_response(status, text.message, text.code or code, details)
        response.reason = text.reason
        if text.header is not None:
            response.headers["X-Qon-Note"] = text.header
        if retry_after is not None:
            response.headers["Retry-After"] = retry_after
        return response

    def _process(self, request: Request, slowness: tuple[float, bool] | None) -> None:
        delay, process_first = slowness or (0.0, True)
        if not process_first:
            time.sleep(delay)
        try:
            response = self.server.emulator.app_for(request).handle(request)
        except Exception as exc:  # a bug in the emulator: answer like a server would, not hang up
            response = error_response(500, f"emulator internal error: {type(exc).__name__}")
        if response.drop:
            return self._drop()
        if process_first:
            time.sleep(delay)
        self._send(response)

    def _read_request(self) -> Request:
        parts = urlsplit(self.path)
        path = parts.path[len(BASE) :] if parts.path.startswith(BASE + "/") else "<outside /v4>"
        headers = {name.lower(): value for name, value in self.headers.items()}
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        return Request(self.command, path, query, headers, self._body())

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._chunked_body()
        length = self.headers.get("Content-Length", "0")
        return self.rfile.read(int(length)) if length.isdigit() else b""

    def _chunked_body(self) -> bytes:
        chunks = []
        while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass  # trailers
        return b"".join(chunks)

    def _send(self, response: Response) -> None:
        self.server.emulator.served(response)
        self.server.emulator.log_request(self.command, self.path, str(response.status))
        faults = self.server.emulator.faults
        payload, drip = b"", (0, 0.0)
        extra: dict[str, str] = {}
        if response.body is not None:
            payload, extra, drip = faults.body(self.command, self._route_path(), response.body)
        try:
            self.send_response(response.status, response.reason)
            if response.body is not None:
                self.send_header("Content-Type", "application/json")
            if response.status != 204:
                self.send_header("Content-Length", str(len(payload)))
            for name, value in {**response.headers, **extra}.items():
                self.send_header(name, value)
            self.end_headers()
            self._write(payload, drip, faults.sleep)
        except OSError:  # the client gave up (e.g. its read timeout): nothing left to do
            self.close_connection = True

    def _write(self, payload: bytes, drip: tuple[int, float], sleep: Callable[[float], None]) -> None:
        step, seconds = drip
        if not step:
            self.wfile.write(payload)
            return
        for start in range(0, len(payload), step):
            self.wfile.write(payload[start : start + step])
            self.wfile.flush()
            sleep(seconds)

    def _route_path(self) -> str:
        path = urlsplit(self.path).path
        return path[len(BASE) :] if path.startswith(BASE + "/") else "<outside /v4>"

    def _drop(self) -> None:
        self.server.emulator.log_request(self.command, self.path, "connection dropped")
        self.close_connection = True
        _shutdown(self.connection)


def _shutdown(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)


def _listing(destinations: DestinationsArg) -> list[dict[str, str]] | None:
    if destinations is None:
        return None
    if isinstance(destinations, list):
        return check_destinations(destinations)
    return load_destinations(destinations)
