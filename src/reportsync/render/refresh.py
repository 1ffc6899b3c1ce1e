"""What refresh shows: a unified diff per rewritten file, and the closing line."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from reportsync.escape import shown
from reportsync.render import Paint, plain

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_COLOR = {"+": "32", "-": "31", "@": "36"}


def diff_lines(path: str, old: str, new: str) -> list[str]:
    """The unified diff of a file's old and new text (3 lines of context), one string per line; the
    file name and lines shown as data (a line break in a file name starts no line)."""
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), f"a/{shown(path)}", f"b/{shown(path)}", lineterm="", n=3
    )
    return [shown(line) for line in lines]


def file_diff(path: str, old: str, new: str, paint: Paint = plain) -> str:
    out = []
    for line in diff_lines(path, old, new):
        code = _COLOR.get(line[:1]) if not line.startswith(("+++", "---")) else "1"
        out.append(paint(line, code) if code else line)
    return "\n".join(out)


def refresh_summary(folder: str, files: int, refused: int, creates: int, dry_run: bool) -> str:
    """The closing line: what was (or would be) rewritten, and what refresh left to others."""
    lines, folder = [], shown(folder)
    if not files and not refused:
        lines.append(f"Nothing to refresh: every managed file in {folder}/ matches its remote report.")
    elif dry_run:
        lines.append(f"Dry run: {files} file(s) in {folder}/ would be rewritten; nothing was written.")
    elif files:
        lines.append(
            f"Refreshed {files} file(s) in {folder}/ from the remote reports; "
            "`reportsync plan` shows no changes for them."
        )
    if refused:
        lines.append(f"{refused} file(s) could not be rewritten in place (see above); edit them by hand.")
    if creates:
        lines.append(
            f"{creates} report(s) declared in {folder}/ do not exist remotely; refresh leaves them "
            "(`reportsync apply` creates them)."
        )
    return "\n".join(lines)


def refresh_json(
    files: Sequence[tuple[str, str, str]], refused: Sequence[tuple[str, str]], dry_run: bool
) -> dict[str, Any]:
    """files: (path, old text, new text)."""
    return {
        "dry_run": dry_run,
        "files": [{"file": path, "diff": "\n".join(diff_lines(path, old, new))} for path, old, new in files],
        "refused": [{"file": path, "reason": why} for path, why in refused],
    }
