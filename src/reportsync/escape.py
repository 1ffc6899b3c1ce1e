"""Text from outside made inert: controls escaped for terminals, workflow commands defused for CI logs."""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from re import Match

# C0 (tab and line breaks included), DEL, C1, every surrogate (in a str only a lone one survives), the
# Unicode line/paragraph separators, the bidirectional overrides and isolates ("Trojan Source") and BOM.
OTHER_CONTROLS = "\x7f-\x9f\ud800-\udfff\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff"
_CONTROL = re.compile(f"[\x00-\x1f{OTHER_CONTROLS}]")
# Everything but the line feed that structures our own output; an SGR colour code kept when asked.
_LINE_CONTROL = re.compile(f"(\x1b\\[[0-9;]*m)|[\x00-\x09\x0b-\x1f{OTHER_CONTROLS}]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(char: str) -> str:
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def shown(text: str) -> str:
    """`text` from outside as one inert line: controls, line breaks, DEL, C1, lone surrogates and bidi
    overrides written as visible escapes (`\\x1b`, `\\n`, `\\x85`, `\\ud800`, `\\u202e`)."""
    return _CONTROL.sub(lambda m: _escaped(m.group()), text)


def inert_output(text: str, keep_color: bool = False) -> str:
    """Text about to leave on stdout/stderr: every control escaped but the line feed (and SGR colour codes
    when `keep_color`), and no line a GitHub runner would take for a workflow command.

    The runner reads `::command` at the start of a line (after leading white space) and the legacy
    `##[command]` anywhere in it; both are defused with a backslash: `\\::warning`, `##\\[warning]`.
    """

    def control(m: Match[str]) -> str:
        if m.group(1):
            return m.group() if keep_color else _escaped("\x1b") + m.group()[1:]
        return _escaped(m.group())

    lines = _LINE_CONTROL.sub(control, text).split("\n")
    return "\n".join(_defused(line) for line in lines)


def _defused(line: str) -> str:
    line = line.replace("##[", "##\\[")
    body = line.lstrip()
    if body.startswith("::"):
        return line[: len(line) - len(body)] + "\\" + body
    return line
