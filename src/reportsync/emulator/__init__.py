"""A local emulator of the Qonversion v4 scheduled-reports API, with fault injection for tests."""

from __future__ import annotations

from typing import Any

TYPE_CHECKING = False
if TYPE_CHECKING:
    from reportsync.emulator.cli import add_arguments, run
    from reportsync.emulator.faults import Faults
    from reportsync.emulator.server import Emulator

__all__ = ["Emulator", "Faults", "add_arguments", "run"]


def __getattr__(name: str) -> Any:
    # Each part loads only when used: the server (http.server, email, ...), and the command line (argparse
    # flags), so that importing the demo data or `reportsync --help` stays fast.
    if name in ("add_arguments", "run"):
        from reportsync.emulator import cli

        return getattr(cli, name)
    if name == "Emulator":
        from reportsync.emulator.server import Emulator

        return Emulator
    if name == "Faults":
        from reportsync.emulator.faults import Faults

        return Faults
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
