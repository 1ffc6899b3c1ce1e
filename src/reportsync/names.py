"""Report names as people and servers spell them: escaping what cannot be seen, and near-equality."""

from __future__ import annotations

import unicodedata

# Characters a reader cannot tell apart from others, or cannot see, that escape.shown leaves as they are:
# format characters, combining marks, private-use and unassigned code points (spaces are tested apart).
_HIDDEN_CATEGORIES = ("Cf", "Co", "Cn", "Mn", "Mc", "Me")


def escaped(text: str) -> str:
    """`text` as a JSON string whose every invisible or look-alike character is escaped.

    Controls are escaped as everywhere (JSON's `\\n`, then escape.shown); spaces other than U+0020,
    format characters and combining marks become `\\uXXXX`, so "Weekly KPIs\\u00a0" and
    "Weekly KPIs " read differently, as do "Cafe\\u0301" and "Café".
    """
    import json

    from reportsync.escape import shown

    return shown("".join(_visible(c) for c in json.dumps(text, ensure_ascii=False)))


def _visible(char: str) -> str:
    if char == " " or char.isascii() or unicodedata.category(char) == "Cc":
        return char  # ASCII and controls: JSON and escape.shown already took care of them
    if char.isspace() or unicodedata.category(char) in _HIDDEN_CATEGORIES:
        code = ord(char)
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
    return char


def loose_name(name: str) -> str:
    """The name as a server that trims and normalises would store it: NFC, no outer whitespace.

    Outer whitespace is what common servers' trim functions remove, not only str.strip()'s: U+FEFF
    too (JavaScript's trim()) and every character up to U+0020 (Java's String.trim()).
    """
    if name.isascii() and name.isprintable() and name[:1] != " " and name[-1:] != " ":
        return name  # NFC already, and nothing a trim would remove
    text = unicodedata.normalize("NFC", name)
    start, end = 0, len(text)
    while start < end and _trimmed(text[start]):
        start += 1
    while end > start and _trimmed(text[end - 1]):
        end -= 1
    return text[start:end]


def _trimmed(char: str) -> bool:
    return char.isspace() or char <= " " or char == "\ufeff"


def name_oddities(name: str) -> list[str]:
    """What in a name a server may store differently (empty: nothing): outer spaces, non-NFC, controls."""
    if name.isascii() and name.isprintable() and name == name.strip():
        return []  # the usual name, decided without a look at each character
    found = []
    if name != name.strip():
        found.append("leading or trailing whitespace")
    if not unicodedata.is_normalized("NFC", name):
        found.append("text not in Unicode NFC (the server may store it composed)")
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in name):
        found.append("control or invisible format characters")
    return found
