"""The command line: parsing, dispatch, exit codes and the one place errors become messages."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import replace

from reportsync.console import ENCODING_ERRORS, Console
from reportsync.errors import ExitStatus, Problem, ReportsyncError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from argparse import Namespace
    from typing import TextIO

# What a shell reports for a program whose reader went away (128 + SIGPIPE), as `yes | head` shows.
CLOSED_PIPE = 141


def main(argv: Sequence[str] | None = None, console: Console | None = None) -> int:
    """Run one command; returns its exit status (ExitStatus, 130 when interrupted, 141 on a closed pipe).

    `console` carries the streams, environment, clock and sleep; tests pass their own.
    """
    from reportsync.arguments import COMMANDS, build_parser

    if console is None:
        console = Console(_tolerant(sys.stdout), _tolerant(sys.stderr), dict(os.environ))
    words = sys.argv[1:] if argv is None else list(argv)
    try:
        args = build_parser(words[0] if words and words[0] in COMMANDS else None).parse_args(words)
    except SystemExit as exc:  # argparse printed help or the version
        return int(exc.code or 0)
    except UsageError as exc:
        return usage_failed(words, console, exc)
    color = not args.no_color and "NO_COLOR" not in console.env and console.out.isatty()
    status = run(args, replace(console, color=color, debug=args.debug))
    for stream in {console.out, console.err} & {sys.stdout, sys.stderr}:
        _settle(stream)
    return status


def usage_failed(words: Sequence[str], console: Console, exc: UsageError) -> int:
    """The usage and the mistake on stderr, through the console (redacted, argv shown as data); with
    --format json among the words, also the JSON error document."""
    from argparse import Namespace
    from itertools import pairwise

    arm_redaction(console)
    wants_json = "--format=json" in words or ("--format", "json") in pairwise(words)
    try:
        console.traceback(exc.usage)
        return fail(Namespace(format="json" if wants_json else None), console, exc.message, ExitStatus.ERROR)
    except BrokenPipeError:
        return CLOSED_PIPE


def arm_redaction(console: Console) -> None:
    """Every value in the environment that looks like a secret key is redacted from the first write on,
    before settings or the config are read (a project may name its own key variable)."""
    from reportsync.constants import KEY_PREFIXES

    for value in console.env.values():
        if value.strip().startswith(KEY_PREFIXES) and len(value.strip()) >= 8:
            console.secrets.add(value.strip())


def run(args: Namespace, console: Console) -> int:
    """The command's exit status; every failure becomes one message on stderr (and, with --format json,
    one JSON document on stdout unless the command already wrote its own)."""
    arm_redaction(console)
    try:
        return _dispatch(args, console)
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly, as other tools do
        return CLOSED_PIPE


def _dispatch(args: Namespace, console: Console) -> int:
    try:
        return int(args.handler(args, console))
    except ReportsyncError as exc:
        return fail(args, console, exc.message, exc.exit_status, exc.problems)
    except KeyboardInterrupt:
        return fail(args, console, "interrupted.", 130)
    except BrokenPipeError:
        raise
    except Exception as exc:  # the one place unexpected failures are reported
        if console.debug:
            import traceback

            console.traceback(traceback.format_exc())
        message = (
            f"internal error: {type(exc).__name__}: {exc}. "
            "Run again with --debug for the traceback, and please report it."
        )
        return fail(args, console, message, ExitStatus.ERROR)


def fail(
    args: Namespace, console: Console, message: str, status: int, problems: tuple[Problem, ...] = ()
) -> int:
    """Show a failure on stderr (and as the JSON document of --format json); returns `status`."""
    console.problems(problems)
    console.error(message)
    if getattr(args, "format", None) == "json" and not console.state.wrote_out:
        from reportsync.render import error_json, json_text

        console.print(json_text(error_json(console.redact(message), status, problems)))
    return int(status)


def _tolerant(stream: TextIO) -> TextIO:
    """The process stream, set to escape what its encoding cannot hold (cp1252 consoles, redirects)."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors=ENCODING_ERRORS)
    return stream


def _settle(stream: TextIO) -> None:
    """Flush a process stream; when its reader is gone, point it at /dev/null so that the interpreter's
    last flush does not print "Exception ignored ... BrokenPipeError" and change the exit status."""
    try:
        stream.flush()
    except (BrokenPipeError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
