"""Report names as people and servers spell them: escaping what cannot be seen, and near-equality."""

from __future__ import annotations

import unicodedata

# Characters a reader cannot tell apart from others (or cannot see at all): shown as \uXXXX.
_HIDDEN_CATEGORIES = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Mn", "Mc", "Me")


def escaped(text: str) -> str:
    """`text` in double quotes, every invisible or look-alike character as \\uXXXX.

    Spaces other than U+0020, control and format characters and combining marks are escaped, so
    "Weekly KPIs\\u00a0" and "Weekly KPIs " read differently, as do "Cafe\\u0301" and "Café".
    """
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char != " " and (char.isspace() or unicodedata.category(char) in _HIDDEN_CATEGORIES):
            code = ord(char)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def loose_name(name: str) -> str:
    """The name as a server that trims and normalises would store it: NFC, no outer whitespace."""
    return unicodedata.normalize("NFC", name).strip()


def name_oddities(name: str) -> list[str]:
    """What in a name a server may store differently (empty: nothing): outer spaces, non-NFC, controls."""
    found = []
    if name != name.strip():
        found.append("leading or trailing whitespace")
    if not unicodedata.is_normalized("NFC", name):
        found.append("text not in Unicode NFC (the server may store it composed)")
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in name):
        found.append("control or invisible format characters")
    return found
