"""Turning schema violations into sentences written for people."""

from __future__ import annotations

import re
from collections.abc import Sequence

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_TIME = re.compile(r"^([0-9]{1,2}):([0-9]{2})\Z")  # "$" would accept a trailing newline
_SHOW_MAX = 80


def field_label(path: Sequence[Any]) -> str:
    label = ""
    for part in path:
        label += f"[{part}]" if isinstance(part, int) else (f".{part}" if label else str(part))
    return label or "report"


def show(value: Any) -> str:
    import json  # only a file with a problem gets here; the all-valid path starts without json

    if isinstance(value, str):
        if len(value) > _SHOW_MAX:  # a pasted paragraph must not flood the one-line message
            return json.dumps(value[:_SHOW_MAX], ensure_ascii=False)[:-1] + f'..." ({len(value)} characters)'
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "empty (null)"
    return json.dumps(value) if isinstance(value, bool | int | float) else repr(value)


def send_at_message(value: Any) -> str:
    if not isinstance(value, str):
        return f'{show(value)} must be a quoted time "HH:MM" on a 30-minute slot, e.g. "09:00"'
    match = _TIME.match(value)
    if not match:
        return f'{show(value)} is not a time "HH:MM" on a 30-minute slot, e.g. "09:00"'
    hours, minutes = int(match.group(1)), int(match.group(2))
    if hours > 23 or minutes > 59:
        return f'{show(value)} is not a time of day: use "00:00" to "23:30"'
    if len(match.group(1)) == 1:
        fixed = f"{hours:02d}:{minutes:02d}"
        if minutes in (0, 30):
            return f'{show(value)} needs a two-digit hour: write "{fixed}"'
    if minutes not in (0, 30):
        low = f"{hours:02d}:{0 if minutes < 30 else 30:02d}"
        high = f"{hours:02d}:30" if minutes < 30 else f"{(hours + 1) % 24:02d}:00"
        return f'{show(value)} is not on a 30-minute slot (e.g. "{low}" or "{high}")'
    return f'{show(value)} needs a two-digit hour: write "{hours:02d}:{minutes:02d}"'


def type_message(value: Any, expected: Any, enum: Sequence[Any] | None) -> str:
    wanted = {
        "string": "a string",
        "integer": "a whole number",
        "object": "a mapping",
        "array": "a list",
        "boolean": "true or false",
    }.get(str(expected), str(expected))
    if enum and expected == "string":
        # quoting `on` or `1` would only trade one invalid value for another: name the valid ones
        text = f"{show(value)} must be one of {', '.join(show(v) for v in enum)}"
        if isinstance(value, bool):
            text += " (YAML reads unquoted yes/no/on/off as true/false)"
        return text
    text = f"{show(value)} must be {wanted}"
    if enum:
        text += f" (one of {', '.join(show(v) for v in enum)})"
    if expected == "string" and isinstance(value, bool):
        text += " (YAML reads unquoted yes/no/on/off as true/false); put it in quotes"
    elif expected == "string" and isinstance(value, int | float):
        text += "; put it in quotes"
    return text


def enum_message(value: Any, allowed: Sequence[Any]) -> str:
    """`"Active" is not one of "draft", "active" (did you mean "active"?)`: the closest allowed value."""
    text = f"{show(value)} is not one of {', '.join(show(v) for v in allowed)}"
    close = closest(value, [v for v in allowed if isinstance(v, str)]) if isinstance(value, str) else None
    return text + (f" (did you mean {show(close)}?)" if close else "")


def closest(word: str, known: Sequence[str]) -> str | None:
    """The known word a typo most likely meant: same letters in another case, a prefix, or close."""
    import difflib

    lowered = word.strip().lower()
    for candidate in known:
        if candidate.lower() == lowered:
            return candidate
    prefixed = [k for k in known if lowered and k.lower().startswith(lowered)]
    if len(prefixed) == 1:
        return prefixed[0]
    close = difflib.get_close_matches(lowered, known, n=1, cutoff=0.6)
    return close[0] if close else None


def unknown_key_message(key: str, known: Sequence[str]) -> str:
    import difflib  # only on the error path: keeps validate's start-up lean

    text = f"unknown field {show(key)}"
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if not close:
        close = [k for k in known if k.replace("_", "") == key.lower().replace("_", "")]
    if close:
        text += f" (did you mean {show(close[0])}?)"
    else:
        text += f"; allowed: {', '.join(known)}"
    return text
