"""`reportsync init [DIR]`: set a repository up for reportsync, creating only the files that are missing."""

from __future__ import annotations

from reportsync import __version__
from reportsync.console import Console
from reportsync.errors import ExitStatus
from reportsync.render.scaffold import init_text
from reportsync.scaffold import ACTION_REPOSITORY, pinned_action, scaffold_files, write_new

TYPE_CHECKING = False
if TYPE_CHECKING:
    from argparse import Namespace


def run(args: Namespace, console: Console) -> int:
    """Write the scaffold into args.directory; exit 0 even when every file was already there."""
    repository = args.action_repository or ACTION_REPOSITORY
    outcome = write_new(args.directory, scaffold_files(repository, __version__))
    console.print(init_text(args.directory, outcome, pinned_action(repository, __version__)))
    return ExitStatus.OK
