"""`reportsync doctor`'s output: one line per check, or a JSON bug report with values redacted."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from reportsync.doctor import Check
    from reportsync.render import Paint


def doctor_text(api_url: str, found: list[Check], paint: Paint) -> str:
    """`ok       name: seen` or `differs  name: seen`, then one verdict line."""
    lines = [f"reportsync doctor — {api_url} (read-only: nothing is written)"]
    for check in found:
        mark = paint("ok     ", "32") if check.ok else paint("differs", "31;1" if check.relied else "33")
        lines.append(f"{mark}  {check.name}: {_one_line(check.seen)}")
    failing = [c.name for c in found if c.fails]
    if failing:
        lines.append(f"Something reportsync relies on differs: {', '.join(failing)}.")
    else:
        lines.append("Everything reportsync relies on holds.")
    return "\n".join(lines)


def doctor_json(found: list[Check], shapes: dict[str, Any]) -> dict[str, Any]:
    """The bug-report document: every check, no value from the API (ids, names) — only shapes."""
    return {
        "format_version": "1",
        "ok": not any(c.fails for c in found),
        "checks": [
            {
                "check": c.name,
                "status": "ok" if c.ok else "differs",
                "relied_on": c.relied,
                "seen": c.redacted or c.seen,
            }
            for c in found
        ],
        "shapes": shapes,
    }


def _one_line(text: str) -> str:
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)
