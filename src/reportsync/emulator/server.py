"""The emulator's HTTP server: keep-alive loopback serving, fault orchestration and the Python API."""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from reportsync.constants import EMULATOR_DEMO_KEY
from reportsync.emulator.faults import Faults
from reportsync.emulator.handler import BASE, Handler, shutdown_socket
from reportsync.emulator.requestlog import log_line
from reportsync.emulator.routes import App, Request, Response, resolve
from reportsync.emulator.state import Report, Store, load_destinations
from reportsync.emulator.validation import check_destinations

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
        keys = _checked_keys(key, more_keys, state_file)
        path = Path(state_file) if state_file is not None else None
        listing = _listing(destinations)
        self.faults = Faults()
        self.counts: Counter[tuple[str, str]] = Counter()
        self.served_429 = 0
        # per method, the most requests answered at the same time (shows how concurrent a client is)
        self.peak_in_flight: Counter[str] = Counter()
        self._in_flight: Counter[str] = Counter()
        self._count_lock = threading.Lock()
        self.request_log = request_log
        modes = {"paginate": paginate, "put_returns_minimal": put_returns_minimal}
        modes["honour_idempotency"] = honour_idempotency
        self.apps = self._projects(keys, listing, path, seed, modes)
        self.app = self.apps[key]
        self._store = self.app.store
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._serving = False

    def _projects(
        self,
        keys: tuple[str, ...],
        listing: list[dict[str, str]] | None,
        path: Path | None,
        seed: int | None,
        modes: dict[str, bool],
    ) -> dict[str, App]:
        """One project per key: its own store, the shared faults; a seed each, so ids stay distinct."""
        apps: dict[str, App] = {}
        for index, one in enumerate(keys):
            store = Store(listing, path, None if seed is None else seed + index)
            store.stored = self.faults.stored  # the rewrites a server makes to what it stores
            apps[one] = App(store, self.faults, one, **modes)
        return apps

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
            self.peak_in_flight.clear()

    @contextlib.contextmanager
    def in_flight(self, method: str) -> Iterator[None]:
        """While one request is being answered (counted into `peak_in_flight[method]`)."""
        with self._count_lock:
            self._in_flight[method] += 1
            self.peak_in_flight[method] = max(self.peak_in_flight[method], self._in_flight[method])
        try:
            yield
        finally:
            with self._count_lock:
                self._in_flight[method] -= 1

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
        super().__init__(address, Handler)

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
                shutdown_socket(connection)


def _checked_keys(
    key: str, more_keys: tuple[str, ...], state_file: str | os.PathLike[str] | None
) -> tuple[str, ...]:
    """Every key the emulator accepts; ValueError for a repeated key, or several keys with a state file."""
    keys = (key, *more_keys)
    if len(set(keys)) != len(keys):
        raise ValueError("each key must be given once")
    if more_keys and state_file is not None:
        raise ValueError("a state file holds one project: use one key with it")
    return keys


def _listing(destinations: DestinationsArg) -> list[dict[str, str]] | None:
    if destinations is None:
        return None
    if isinstance(destinations, list):
        return check_destinations(destinations)
    return load_destinations(destinations)
