"""The command line: parsing, dispatch, exit codes and the one place errors become messages."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from types import SimpleNamespace

from reportsync.console import Console
from reportsync.errors import ExitStatus, ReportsyncError

TYPE_CHECKING = False  # typing stays off the start-up path; mypy reads this name as True
if TYPE_CHECKING:
    from argparse import Namespace
    from typing import TextIO

Handler = Callable[["Namespace", Console], int]

# `validate` runs in pre-commit hooks and on every pull request, and argparse (with gettext and locale) is
# ~5 ms of its ~50 ms start. Its plain spellings are read here; anything else (help, abbreviations, a
# mistake) goes to argparse, which parses it the same way (tests/test_cli_quick.py proves it) or explains.
_VALIDATE_DEFAULTS = {
    "command": "validate",
    "reports": None,
    "config": None,
    "project": None,
    "format": "text",
    "debug": False,
    "no_color": False,
    "handler": "reportsync.commands.files:run_validate",
}
_VALIDATE_VALUES = {
    "--reports": "reports",
    "--config": "config",
    "--project": "project",
    "--format": "format",
}
_VALIDATE_FLAGS = {"--debug": "debug", "--no-color": "no_color"}


def parse_arguments(argv: Sequence[str]) -> Namespace:
    """The parsed command line; SystemExit after argparse has printed help, the version or an error."""
    quick = quick_validate_arguments(argv)
    if quick is not None:
        return quick
    from reportsync.arguments import build_parser

    args = build_parser(argv).parse_args(argv)
    if "handler" not in args:  # the command came later than argv[0] (after "--", say): parse it fully
        args = build_parser().parse_args(argv)
    return args


def quick_validate_arguments(argv: Sequence[str]) -> Namespace | None:
    """`validate` with its long options spelled out, parsed without argparse; None for anything else."""
    if not argv or argv[0] != "validate":
        return None
    values: dict[str, object] = dict(_VALIDATE_DEFAULTS)
    projects: list[str] = []
    rest = iter(argv[1:])
    for arg in rest:
        option, equals, value = arg.partition("=")
        if option in _VALIDATE_FLAGS and not equals:
            values[_VALIDATE_FLAGS[option]] = True
            continue
        if option not in _VALIDATE_VALUES:
            return None
        if not equals:
            following = next(rest, None)
            if following is None or following.startswith("-"):  # argparse has its own rules for these
                return None
            value = following
        if option == "--format" and value not in ("text", "json"):
            return None
        if option == "--project":  # repeatable: argparse's action="append"
            projects.append(value)
            values["project"] = projects
        else:
            values[_VALIDATE_VALUES[option]] = value
    # Handlers only read attributes, so a SimpleNamespace serves as argparse's Namespace.
    return SimpleNamespace(**values)  # type: ignore[return-value]


def _resolve(spec: str) -> Handler:
    module_name, _, attr = spec.partition(":")
    # __import__ with a fromlist returns the submodule itself; importlib would import warnings (~1 ms).
    handler: Handler = getattr(__import__(module_name, fromlist=[attr]), attr)
    return handler


def main(
    argv: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    environ = dict(os.environ if env is None else env)
    out, err = stdout or sys.stdout, stderr or sys.stderr
    try:
        args = parse_arguments(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    color = not args.no_color and "NO_COLOR" not in environ and out.isatty()
    console = Console(out=out, err=err, env=environ, color=color, debug=args.debug)
    return run(args, console)


def run(args: Namespace, console: Console) -> int:
    try:
        return int(_resolve(args.handler)(args, console))
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
