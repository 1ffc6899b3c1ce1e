"""Reaching the API for a run: the real one from the environment, or a built-in demo emulator."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from reportsync.config import Project
from reportsync.console import Console

# What the in-process demo emulator holds before a `--emulator` run; `reportsync emulator --demo` serves
# the same. It lives with the emulator, which imports nothing of reportsync but constants.
from reportsync.emulator.demo import DEMO_REPORTS as DEMO_REMOTE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from reportsync.client import Client


def api_url_hint(url: str) -> str:
    """The warning for a base URL without the API version: every call would answer 404."""
    return (
        f"Warning: QONVERSION_API_URL {url} does not end in /v4; the API lives under /v4 "
        "(e.g. https://api.qonversion.io/v4): if calls answer 404, add /v4."
    )


@contextmanager
def open_client(project: Project, console: Console, emulator: bool = False) -> Iterator[Client]:
    """A client for the project's API (settings from the environment), or for a built-in demo emulator.

    Raises ConfigError when the key or URL is missing or unsafe; the client's clock and sleep are the
    console's, so tests never wait for real.
    """
    from reportsync.client import Client
    from reportsync.settings import Settings, load_settings

    pool_size = max(project.parallelism, 4) * 2
    if emulator:
        from reportsync.emulator import Emulator

        with Emulator(seed=1) as emu:
            for report in DEMO_REMOTE:
                emu.add_report(report)
            console.info(
                f"Using a built-in emulator at {emu.url} (demo data; nothing real "
                "is touched, and nothing it applies is kept)."
            )
            settings = Settings(api_url=emu.url, key=emu.key)
            with Client(
                settings, log=console.log, pool_size=pool_size, clock=console.clock, sleep=console.sleep
            ) as client:
                yield client
        return
    settings = load_settings(console.env, project.key_env)
    console.secrets.add(settings.key)
    if not settings.api_url.rstrip("/").endswith("/v4"):
        console.info(api_url_hint(settings.api_url))
    with Client(
        settings, log=console.log, pool_size=pool_size, clock=console.clock, sleep=console.sleep
    ) as client:
        yield client
