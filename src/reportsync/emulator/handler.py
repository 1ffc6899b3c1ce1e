"""The emulator's request handler: read a request, apply the faults, answer (or drop) it."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from reportsync.emulator.routes import Request, Response, error_response

TYPE_CHECKING = False
if TYPE_CHECKING:
    from reportsync.emulator.server import _Server

BASE = "/v4"


class Handler(BaseHTTPRequestHandler):
    """One keep-alive connection: each request through the faults, then the project its key opens."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else each keep-alive POST waits ~40 ms for a delayed ACK
    server: _Server  # reportsync.emulator.server._Server

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
        with emulator.in_flight(request.method):
            self._answer(request)

    def _answer(self, request: Request) -> None:
        faults = self.server.emulator.faults
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
        shutdown_socket(self.connection)


def shutdown_socket(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)
