"""Opening the remote side of a run: the real API from the environment, or a built-in emulator."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from reportsync.console import Console
from reportsync.project import Project

# What the in-process demo emulator holds before a `--emulator` run, so that a newcomer's first plan of
# the example reports shows a create, an update and an unmanaged report rather than only creates.
DEMO_REMOTE: tuple[dict[str, Any], ...] = (
    {
        "report_name": "Growth snapshot",
        "send_at": "08:00",
        "included_range_days": 3,
        "status": "active",
        "environment": "production",
        "destinations": [{"type": "target_integration", "id": "int-slack-01"}],
    },
    {
        "report_name": "Legacy churn export",
        "send_at": "06:00",
        "included_range_days": 7,
        "status": "draft",
        "environment": "production",
        "destinations": [{"type": "target_integration", "id": "int-wh-02"}],
    },
)


@dataclass(frozen=True, slots=True)
class Remote:
    client: Any  # reportsync.client.Client; typed loosely so this module need not import requests
    api_url: str


@contextmanager
def open_remote(project: Project, console: Console, emulator: bool, parallelism: int = 4) -> Iterator[Remote]:
    from reportsync.client import Client
    from reportsync.settings import Settings, load_settings

    if emulator:
        from reportsync.emulator import Emulator

        with Emulator(seed=1) as emu:
            for report in DEMO_REMOTE:
                emu.add_report(report)
            console.info(f"Using a built-in emulator at {emu.url} (demo data; nothing real is touched).")
            settings = Settings(api_url=emu.url, key=emu.key)
            with Client(settings, log=console.log, pool_size=max(parallelism, 4) * 2) as client:
                yield Remote(client, settings.api_url)
        return
    settings = load_settings(console.env, project.key_env)
    console.secrets.add(settings.key)
    with Client(settings, log=console.log, pool_size=max(parallelism, 4) * 2) as client:
        yield Remote(client, settings.api_url)
