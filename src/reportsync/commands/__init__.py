"""One module per command, named after it; each `run(args, console) -> exit status` orchestrates below."""

from __future__ import annotations

from reportsync.config import Overrides, Project, resolve_projects

TYPE_CHECKING = False
if TYPE_CHECKING:
    from argparse import Namespace


def overrides_of(args: Namespace) -> Overrides:
    """The flags a command was given that lay over reportsync.yaml (absent flags stay None)."""
    return Overrides(
        config=getattr(args, "config", None),
        projects=tuple(getattr(args, "project", None) or ()),
        reports=getattr(args, "reports", None),
        prune=getattr(args, "prune", None),
        parallelism=getattr(args, "parallelism", None),
        max_change_percent=getattr(args, "max_change_percent", None),
        min_existing=getattr(args, "min_existing", None),
    )


def projects_of(args: Namespace) -> tuple[Project, ...]:
    """The projects this run covers; ConfigError when the config or a flag is wrong."""
    return resolve_projects(overrides_of(args))
