"""Every command's arguments, as argparse parsers; `reportsync.cli` runs what they parse."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from reportsync import __version__
from reportsync.console import Console
from reportsync.errors import UsageError
from reportsync.handlers import (
    run_apply,
    run_destinations,
    run_doctor,
    run_emulator,
    run_import,
    run_init,
    run_plan,
    run_refresh,
    run_schema,
    run_send_test,
    run_show,
    run_validate,
)
from reportsync.render.help import ENVIRONMENT, MORE_HELP, exit_codes

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, NoReturn

Handler = Callable[[argparse.Namespace, Console], int]


def run_completion(args: argparse.Namespace, console: Console) -> int:
    import shtab

    console.print(shtab.complete(build_parser(), shell=args.shell).rstrip("\n"))
    return 0


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--debug", action="store_true", help="show HTTP calls and tracebacks")
    parser.add_argument("--no-color", action="store_true", help="never colour the output")


def _remote_flags(
    parser: argparse.ArgumentParser,
    formats: Sequence[str],
    *,
    files: bool = True,
    target: bool = True,
    changes: bool = False,
) -> None:
    """The flags of a command that reads the remote project; each command gets only those it uses."""
    if files:
        parser.add_argument("--reports", metavar="DIR", help="reports folder (default: ./reports)")
    parser.add_argument(
        "--config", metavar="FILE", help="project config (default: ./reportsync.yaml if present)"
    )
    parser.add_argument(
        "--project",
        metavar="NAME",
        action="append",
        help="only this project of the config (repeatable)",
    )
    parser.add_argument("--format", choices=formats, default="text", help="output format")
    if target:
        parser.add_argument(
            "--target",
            metavar="NAME_OR_GLOB",
            action="append",
            help="only reports whose name matches (repeatable)",
        )
    parser.add_argument(
        "--emulator", action="store_true", help="run against a built-in emulator (no key needed)"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="seconds one HTTP attempt may take in all (default: $QONVERSION_TIMEOUT or 30)",
    )
    if changes:
        _change_flags(parser)


def _change_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--prune",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="delete remote reports no file manages (--no-prune overrides the config)",
    )
    parser.add_argument("--force", action="store_true", help="go past the safety threshold")
    parser.add_argument("--no-summary", action="store_true", help="do not write to $GITHUB_STEP_SUMMARY")
    parser.add_argument("--max-change-percent", type=float, metavar="P", help="safety threshold (default 30)")
    parser.add_argument(
        "--min-existing",
        type=int,
        metavar="N",
        help="threshold applies from N remote reports (default 10)",
    )


def _terminal_width() -> int:
    """What shutil.get_terminal_size() answers, without importing shutil (and zlib, bz2, lzma)."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 80
    return max(columns - 2, 20)


class _Formatter(argparse.RawDescriptionHelpFormatter):
    # argparse builds a formatter for every add_argument; the default one imports shutil each start.
    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=_terminal_width())


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        """A usage mistake exits 1, never 2 (exit 2 means "changes found" to plan --detailed-exitcode);
        raised as UsageError, so that the CLI shows it through the console: the message quotes argv."""
        raise UsageError(f"{self.prog}: {message}", self.format_usage())


def _add_plan(p: argparse.ArgumentParser) -> None:
    _remote_flags(p, ("text", "json", "markdown"), changes=True)
    p.add_argument("--out", metavar="FILE", help="also save the plan for `apply FILE`")
    p.add_argument("--detailed-exitcode", action="store_true", help="exit 2 when there are changes")
    p.set_defaults(handler=run_plan)


def _add_apply(p: argparse.ArgumentParser) -> None:
    p.add_argument("plan_file", nargs="?", metavar="PLAN_FILE", help="apply exactly this saved plan")
    _remote_flags(p, ("text", "json"), changes=True)
    p.add_argument("--auto-approve", action="store_true", help="do not ask for confirmation")
    p.add_argument("--parallelism", type=int, metavar="N", help="concurrent changes (default 4)")
    p.set_defaults(handler=run_apply)


def _add_emulator(p: argparse.ArgumentParser) -> None:
    from reportsync import emulator

    emulator.add_arguments(p)
    p.set_defaults(handler=run_emulator)


def _add_validate(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="check just these files (identities still against their whole folder); "
        "other files (not in a reports folder) are listed as not checked",
    )
    p.add_argument("--reports", metavar="DIR", help="reports folder (default: ./reports, or the config's)")
    p.add_argument("--config", metavar="FILE", help="project config (default: ./reportsync.yaml if present)")
    p.add_argument("--project", metavar="NAME", action="append", help="only this project of the config")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(handler=run_validate)


def _repository(text: str) -> str:
    import re

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}", text):
        raise argparse.ArgumentTypeError(f"expected OWNER/REPO (a GitHub repository), not {text!r}")
    return text


def _add_init(p: argparse.ArgumentParser) -> None:
    p.add_argument("directory", nargs="?", default=".", metavar="DIR", help="where (default: here)")
    p.add_argument(
        "--action-repository",
        metavar="OWNER/REPO",
        type=_repository,
        help="where the workflows and the pre-commit hook get reportsync (default: reportsync/reportsync)",
    )
    p.set_defaults(handler=run_init)


def _add_schema(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "name",
        nargs="?",
        choices=("report", "config"),
        default="report",
        help="which schema: report files (default) or reportsync.yaml",
    )
    p.set_defaults(handler=run_schema)


def _add_import(p: argparse.ArgumentParser) -> None:
    _remote_flags(p, ("text", "json"))
    p.add_argument("--dry-run", action="store_true", help="list what would be written")
    p.add_argument("--environment", choices=("sandbox", "production"))
    p.add_argument("--name", metavar="GLOB", help="only reports whose name matches")
    p.set_defaults(handler=run_import)


def _add_destinations(p: argparse.ArgumentParser) -> None:
    _remote_flags(p, ("text", "json"), files=False, target=False)
    p.set_defaults(handler=run_destinations)


def _add_doctor(p: argparse.ArgumentParser) -> None:
    _remote_flags(p, ("text", "json"), files=False, target=False)
    p.set_defaults(handler=run_doctor)


def _add_send_test(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", metavar="NAME", help="report name")
    p.add_argument("--environment", choices=("sandbox", "production"))
    _remote_flags(p, ("text", "json"), target=False)
    p.set_defaults(handler=run_send_test)


def _add_refresh(p: argparse.ArgumentParser) -> None:
    _remote_flags(p, ("text", "json"))
    p.add_argument("--dry-run", action="store_true", help="show the diffs; write nothing")
    p.set_defaults(handler=run_refresh)


def _add_show(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", nargs="?", metavar="NAME", help="the report's name (exact)")
    p.add_argument("--id", metavar="ID", help="the report's id instead of its name")
    p.add_argument("--environment", choices=("sandbox", "production"))
    _remote_flags(p, ("text", "json"), target=False)
    p.set_defaults(handler=run_show)


def _add_completion(p: argparse.ArgumentParser) -> None:
    p.add_argument("shell", choices=("bash", "zsh"), help="the shell to complete in")
    p.set_defaults(handler=run_completion)


COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None]]] = {
    "validate": ("check report files offline", _add_validate),
    "schema": ("print the JSON Schema of report files", _add_schema),
    "plan": ("show what apply would change", _add_plan),
    "apply": ("make the remote reports match the files", _add_apply),
    "emulator": ("run the local Qonversion API emulator", _add_emulator),
    "import": ("write files for remote reports no file manages yet", _add_import),
    "destinations": ("list the destinations reports can deliver to", _add_destinations),
    "send-test": ("trigger a test delivery of a managed report", _add_send_test),
    "doctor": ("check, read-only, that the API is what reportsync relies on", _add_doctor),
    "refresh": ("rewrite managed files whose remote report was changed elsewhere", _add_refresh),
    "show": ("print one remote report as the YAML a file would hold, with its id and runs", _add_show),
    "completion": ("print a shell completion script (bash or zsh)", _add_completion),
    "init": ("set a repository up: example report, config, schema, workflows, pre-commit", _add_init),
}


OFFLINE = ("validate", "schema", "completion", "emulator", "init")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command; each sets `handler`, the function that runs it.

    Given the command a run names, only that one gets its arguments (the others are still listed):
    building every command's arguments, the emulator's included, would cost each start more than validate
    itself does on a small folder.
    """
    parser = _Parser(
        prog="reportsync",
        description="Keep Qonversion scheduled reports in git and make the live project match.",
        epilog=f"{ENVIRONMENT}\n\n{exit_codes(None)}\n\n{MORE_HELP}",
    )
    parser.add_argument("--version", action="version", version=f"reportsync {__version__}")
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, prog="reportsync", parser_class=_Parser
    )
    for name, (help_text, add_arguments) in COMMANDS.items():
        epilog = exit_codes(name) if name in OFFLINE else f"{ENVIRONMENT}\n\n{exit_codes(name)}"
        description = help_text[0].upper() + help_text[1:] + "."
        p = sub.add_parser(name, help=help_text, description=description, epilog=epilog)
        if command in (None, name):
            add_arguments(p)
            _common(p)
    return parser
