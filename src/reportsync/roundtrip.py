"""Editing report files in place: set changed values, keep every comment, key order, quote and layout.

The only module importing ruamel.yaml: PyYAML (the loader) drops comments and quoting, so it can read
files but not rewrite one that a person wrote.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

from reportsync.errors import ReportsyncError

# (mapping, sequence, offset) indents: `key:\n  - item` (reports/, import) first, then the other
# common layouts. A file whose layout none of them reproduces byte for byte is never rewritten.
_LAYOUTS = ((2, 4, 2), (2, 2, 0), (4, 6, 4), (4, 4, 0), (2, 4, 0), (4, 4, 2))
# What YAML 1.1 readers (PyYAML, the loader) take for something other than text when left unquoted.
_PLAIN_SAFE = re.compile(r"[A-Za-z][A-Za-z0-9 _.()/&+-]*")
_NOT_TEXT = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]")

Edits = Mapping[int, Mapping[str, Any]]  # line where a document's mapping starts -> {field: new value}


class LayoutError(ReportsyncError):
    """The file cannot be rewritten without changing more than the differing values."""


def rewrite(text: str, edits: Edits, label: str) -> str:
    """`text` with each edited document's fields set to their new values, all else byte for byte.

    `edits` names a document by the 1-based line its mapping starts on (DesiredReport.line). A value
    for `destinations` is the new list of {type, id, label?}: items kept stay as written, items gone
    are removed, new ones appended. Raises LayoutError when the file's layout cannot be reproduced.
    """
    yaml = _layout_of(text, label)
    documents = list(yaml.load_all(text))
    found = {doc.lc.line + 1: doc for doc in documents if isinstance(doc, CommentedMap)}
    for line, values in edits.items():
        if line not in found:
            raise LayoutError(f"{label}:{line}: no report document starts on this line; edit it by hand")
        for key, new in values.items():
            _set(found[line], key, new)
    return _dump(yaml, documents)


def _layout_of(text: str, label: str) -> YAML:
    """A round-trip YAML that writes the unchanged file back exactly; LayoutError if none does."""
    for mapping, sequence, offset in _LAYOUTS:
        for start in (None, True):
            yaml = YAML(typ="rt")
            yaml.preserve_quotes = True
            yaml.width = 4096
            yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
            yaml.explicit_start = start
            try:
                if _dump(yaml, list(yaml.load_all(text))) == text:
                    return yaml
            except YAMLError:
                break
    raise LayoutError(
        f"{label}: its layout cannot be kept byte for byte when rewritten; "
        "edit the differing values by hand (`reportsync plan` shows them)"
    )


def _dump(yaml: YAML, documents: Sequence[Any]) -> str:
    buffer = io.StringIO()
    yaml.dump_all(documents, buffer)
    return buffer.getvalue()


def _set(document: CommentedMap, key: str, new: Any) -> None:
    old = document.get(key)
    if key == "destinations" and isinstance(old, CommentedSeq) and isinstance(new, list):
        _merge_destinations(old, new)
    else:
        document[key] = styled(old, new)


def styled(old: Any, new: Any) -> Any:
    """`new` in the quoting style `old` was written in, or quoted where a plain scalar would misread."""
    if not isinstance(new, str):
        return new
    if _CONTROL.search(new):
        return DoubleQuotedScalarString(new)
    if isinstance(old, SingleQuotedScalarString):
        return SingleQuotedScalarString(new)
    if isinstance(old, DoubleQuotedScalarString):
        return DoubleQuotedScalarString(new)
    if _PLAIN_SAFE.fullmatch(new) and new.lower() not in _NOT_TEXT and new == new.strip():
        return new
    return DoubleQuotedScalarString(new)


def _merge_destinations(items: CommentedSeq, new: list[Any]) -> None:
    wanted = {(str(d.get("type")), str(d.get("id"))): d for d in new if isinstance(d, dict)}
    for index in reversed(range(len(items))):
        item = items[index]
        if not isinstance(item, dict) or (str(item.get("type")), str(item.get("id"))) not in wanted:
            del items[index]
    kept = {(str(d.get("type")), str(d.get("id"))) for d in items if isinstance(d, dict)}
    for key, dest in wanted.items():
        if key not in kept:
            entry = CommentedMap(type=styled(None, key[0]), id=styled(None, key[1]))
            if dest.get("label"):
                entry["label"] = DoubleQuotedScalarString(str(dest["label"]))
            items.append(entry)
