"""`reportsync emulator`: run the local API emulator in the foreground."""

from __future__ import annotations

import argparse

from reportsync.console import Console


def run_emulator(args: argparse.Namespace, console: Console) -> int:
    from reportsync import emulator

    return emulator.run(args)
