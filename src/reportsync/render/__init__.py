"""Every user-facing string: shared pieces here; plans, apply results and listings in the submodules."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from reportsync.escape import OTHER_CONTROLS, shown

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from reportsync.errors import Problem

FORMAT_VERSION = "1"
Paint = Callable[[str, str], str]


def plain(text: str, code: str) -> str:
    """A Paint that adds no colour."""
    return text


def value(v: Any) -> str:
    """A field value as one line: JSON for scalars, ids for a destination list."""
    import json

    if isinstance(v, list):
        return "[" + ", ".join(shown(str(d.get("id", d)) if isinstance(d, dict) else str(d)) for d in v) + "]"
    if isinstance(v, str):
        return quoted(v)
    return shown(json.dumps(v, ensure_ascii=False))


def quoted(text: str) -> str:
    """A name from outside, quoted as every message shows names: controls escaped (see escape.shown),
    and invisible characters too (names.escaped: NO-BREAK SPACE as \\u00a0, combining marks)."""
    from reportsync.names import escaped

    return escaped(text)


def code_span(text: str, in_table: bool = True) -> str:
    """Text from outside as a Markdown (GFM) inline code span, safe in a table cell, a heading or a list:
    shown literally, no HTML, formatting, link or @mention; `|` escaped in a table cell (GFM splits the
    row before it reads the span; elsewhere the backslash would show), the fence longer than any run of
    backticks in the text. "" for empty text."""
    import re

    text = shown(text)
    if not text:
        return ""
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text[0] in "` " or text[-1] in "` " else ""
    body = text.replace("|", chr(92) + "|") if in_table else text
    return f"{fence}{pad}{body}{pad}{fence}"


def error_json(message: str, status: int, problems: Sequence[Problem] = ()) -> dict[str, Any]:
    """The one JSON document of a failed command under --format json."""
    listed = [{"file": p.file, "line": p.line, "col": p.col, "message": p.message} for p in problems]
    error = {"message": message, "exit_status": int(status), "problems": listed}
    return {"format_version": FORMAT_VERSION, "error": error}


def json_text(data: Any) -> str:
    """The one JSON style of every --format json document: UTF-8 text, with every character a terminal
    or CI log would act on (DEL, C1, lone surrogates, bidi overrides, `##[`) written as a \\u escape."""
    import json
    import re

    text = json.dumps(data, indent=2, ensure_ascii=False).replace("##[", "##\\u005b")
    return re.sub(f"[{OTHER_CONTROLS}]", lambda m: f"\\u{ord(m.group()):04x}", text)


def project_heading(name: str, paint: Paint = plain) -> str:
    """The heading of one project's section when a run covers several."""
    return paint(f"== project {shown(name)} ==", "1")


def by_project(names: Sequence[str], documents: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The one JSON wrapper of a run: one project's document as it is; several, each tagged with its
    project under "projects"."""
    if len(documents) == 1:
        return documents[0]
    projects = [{"project": name, **doc} for name, doc in zip(names, documents, strict=True)]
    return {"format_version": FORMAT_VERSION, "projects": projects}
