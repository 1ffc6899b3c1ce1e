"""Fixtures: an emulator over loopback and the environment that points the CLI at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from helpers import KEY, run_cli

from reportsync.emulator import Emulator


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(key=KEY, seed=7) as emu:
        yield emu


@pytest.fixture
def env(emulator: Emulator) -> dict[str, str]:
    return {"QONVERSION_SECRET_KEY": KEY, "QONVERSION_API_URL": emulator.url}


@pytest.fixture
def cli() -> Any:
    return run_cli
