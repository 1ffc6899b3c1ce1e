"""Every user-facing string: shared pieces here; plans, apply results and listings in the submodules."""

from __future__ import annotations

from collections.abc import Callable, Sequence

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

FORMAT_VERSION = "1"
Paint = Callable[[str, str], str]


def plain(text: str, code: str) -> str:
    """A Paint that adds no colour."""
    return text


def value(v: Any) -> str:
    """A field value as one line: JSON for scalars, ids for a destination list."""
    import json

    if isinstance(v, list):
        return "[" + ", ".join(str(d.get("id", d)) if isinstance(d, dict) else str(d) for d in v) + "]"
    if isinstance(v, str):
        from reportsync.names import escaped

        return escaped(v)  # as JSON would, and invisible characters (NO-BREAK SPACE, marks) escaped too
    return json.dumps(v, ensure_ascii=False)


def quoted(text: str) -> str:
    """A name from outside, quoted as every message shows names (invisible characters escaped)."""
    from reportsync.names import escaped

    return escaped(text)


def json_text(data: Any) -> str:
    """The one JSON style of every --format json document."""
    import json

    return json.dumps(data, indent=2, ensure_ascii=False)


def project_heading(name: str, paint: Paint = plain) -> str:
    """The heading of one project's section when a run covers several."""
    return paint(f"== project {name} ==", "1")


def by_project(names: Sequence[str], documents: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The one JSON wrapper of a run over several projects: each document tagged with its project."""
    projects = [{"project": name, **doc} for name, doc in zip(names, documents, strict=True)]
    return {"format_version": FORMAT_VERSION, "projects": projects}
