"""The command line: parsing, dispatch, exit codes and the one place errors become messages."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import replace

from reportsync.console import Console
from reportsync.errors import ExitStatus, ReportsyncError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from argparse import Namespace


def main(argv: Sequence[str] | None = None, console: Console | None = None) -> int:
    """Run one command; returns its exit status (ExitStatus, or 130 when interrupted).

    `console` carries the streams, environment, clock and sleep; tests pass their own.
    """
    from reportsync.arguments import COMMANDS, build_parser

    if console is None:
        console = Console(sys.stdout, sys.stderr, dict(os.environ))
    words = sys.argv[1:] if argv is None else list(argv)
    try:
        args = build_parser(words[0] if words and words[0] in COMMANDS else None).parse_args(words)
    except SystemExit as exc:  # argparse printed help, the version or a usage error
        return int(exc.code or 0)
    color = not args.no_color and "NO_COLOR" not in console.env and console.out.isatty()
    return run(args, replace(console, color=color, debug=args.debug))


def run(args: Namespace, console: Console) -> int:
    """The command's exit status; every failure becomes one message on stderr."""
    try:
        return int(args.handler(args, console))
    except ReportsyncError as exc:
        console.problems(exc.problems)
        console.error(exc.message)
        return int(exc.exit_status)
    except KeyboardInterrupt:
        console.error("interrupted.")
        return 130
    except Exception as exc:  # the one place unexpected failures are reported
        if console.debug:
            import traceback

            console.err.write(console.redact(traceback.format_exc()))
        console.error(
            f"internal error: {type(exc).__name__}: {exc}. "
            "Run again with --debug for the traceback, and please report it."
        )
        return int(ExitStatus.ERROR)
