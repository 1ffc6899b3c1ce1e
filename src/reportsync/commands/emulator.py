"""`reportsync emulator`: run the local API emulator in the foreground."""

from __future__ import annotations

from reportsync.console import Console

TYPE_CHECKING = False
if TYPE_CHECKING:
    from argparse import Namespace


def run(args: Namespace, console: Console) -> int:
    from reportsync import emulator

    return emulator.run(args)
