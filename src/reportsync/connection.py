"""Reaching the API for a run: the real one from the environment, or a built-in demo emulator; one
session and one rate-limit backoff per API host, shared by every project of the run."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any
from urllib.parse import urlsplit

from reportsync.config import Project
from reportsync.console import Console

TYPE_CHECKING = False
if TYPE_CHECKING:
    from reportsync.client import Client
    from reportsync.settings import Settings

# Per API host (scheme://host:port), what clients of one run share: (requests session, Retrier).
Shared = dict[str, tuple[Any, Any]]


def api_url_hint(url: str) -> str:
    """The warning for a base URL without the API version: every call would answer 404."""
    return (
        f"Warning: QONVERSION_API_URL {url} does not end in /v4; the API lives under /v4 "
        "(e.g. https://api.qonversion.io/v4): if calls answer 404, add /v4."
    )


@contextmanager
def open_clients(
    projects: Sequence[Project], console: Console, emulator: bool = False, timeout: float | None = None
) -> Iterator[list[Client]]:
    """One client per project, in order; projects on the same API host share a session and a backoff.

    Raises ConfigError (key, URL or timeout missing or unsafe) before any request is made."""
    shared: Shared = {}
    pool_size = sum(max(p.parallelism, 4) * 2 for p in projects) or 8
    with ExitStack() as stack:
        yield [
            stack.enter_context(open_client(p, console, emulator, timeout, shared, pool_size))
            for p in projects
        ]


@contextmanager
def open_client(
    project: Project,
    console: Console,
    emulator: bool = False,
    timeout: float | None = None,
    shared: Shared | None = None,
    pool_size: int = 0,
) -> Iterator[Client]:
    """A client for the project's API (settings from the environment), or for a built-in demo emulator.

    Raises ConfigError when the key, URL or timeout is missing or unsafe; the client's clock and sleep
    are the console's, so tests never wait for real. `timeout`: --timeout, seconds per attempt.
    """
    from reportsync.settings import Settings, load_settings, load_timeout

    seconds = load_timeout(console.env, timeout)
    pool_size = pool_size or max(project.parallelism, 4) * 2
    if emulator:
        from reportsync.emulator import Emulator
        from reportsync.emulator.demo import DEMO_REPORTS, DEMO_SEED  # what `emulator --demo` serves too

        with Emulator(seed=DEMO_SEED) as emu:
            for report in DEMO_REPORTS:
                emu.add_report(report)
            console.info(
                f"Using a built-in emulator at {emu.url} (demo data; nothing real "
                "is touched, and nothing it applies is kept)."
            )
            settings = Settings(api_url=emu.url, key=emu.key)
            with _client(settings, console, seconds, shared, pool_size) as client:
                yield client
        return
    settings = load_settings(console.env, project.key_env)
    console.secrets.add(settings.key)
    if not settings.api_url.rstrip("/").endswith("/v4"):
        console.info(api_url_hint(settings.api_url))
    with _client(settings, console, seconds, shared, pool_size) as client:
        yield client


def _client(
    settings: Settings, console: Console, seconds: float, shared: Shared | None, pool_size: int
) -> Client:
    from reportsync.client import DEFAULT_LIMITS, Client
    from reportsync.retry import Retrier
    from reportsync.transport import choose_proxy, new_session

    shared = {} if shared is None else shared
    parts = urlsplit(settings.api_url)
    host = f"{parts.scheme}://{parts.netloc}"
    owned = host not in shared
    if owned:
        retrier = Retrier(DEFAULT_LIMITS, clock=console.clock, sleep=console.sleep)
        shared[host] = (new_session(pool_size), retrier)
    session, retrier = shared[host]
    return Client(
        settings,
        timeout=(min(5.0, seconds), seconds),
        log=console.log,
        clock=console.clock,
        sleep=console.sleep,
        proxy=choose_proxy(settings.api_url, console.env),
        session=session,
        retrier=retrier,
        own_session=owned,
    )
