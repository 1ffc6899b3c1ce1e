"""The emulator's request log (`--debug`): one line per request, escaped, with every key masked."""

from __future__ import annotations

from collections.abc import Iterable


def log_line(method: str, target: str, outcome: str, keys: Iterable[str]) -> str:
    """`emulator: METHOD TARGET -> OUTCOME`; keys become ***, control characters their escapes."""
    line = f"{method} {target} -> {outcome}"
    for key in keys:
        line = line.replace(key, "***")
    return "emulator: " + "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in line)
