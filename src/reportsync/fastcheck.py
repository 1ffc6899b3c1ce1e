"""A yes/no JSON Schema check compiled from the report schema itself, for the common all-valid case.

jsonschema is thorough but costs ~230 ms to import and ~0.5 ms per document; a file set that is valid
needs none of its detail. This compiles the handful of keywords the report schema uses into plain
closures (~5 µs per document). Any keyword it does not know makes `compile_check` return None, and
every "no" is re-checked by jsonschema for the full error list, so jsonschema stays the authority.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[Any], bool]
_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$defs", "title", "description", "default", "examples", "$comment"}
)
_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())
    ),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}


class Unsupported(Exception):
    """The schema uses a keyword this checker does not implement."""


def compile_check(schema: Mapping[str, Any]) -> Check | None:
    """A function answering "valid?" exactly as jsonschema would, or None if the schema is too rich."""
    try:
        return _compile(schema, schema)
    except Unsupported:
        return None


def _same(a: Any, b: Any) -> bool:
    # JSON Schema equality: true is not 1, 1 is 1.0.
    return isinstance(a, bool) == isinstance(b, bool) and a == b


def _compile(node: Mapping[str, Any], root: Mapping[str, Any]) -> Check:
    checks = tuple(
        _keyword(key, value, node, root)
        for key, value in node.items()
        if key not in _ANNOTATIONS and not key.startswith("x-")
    )

    def check_all(value: Any) -> bool:
        for check in checks:  # noqa: SIM110 - a plain loop beats all(genexpr) on this hot path
            if not check(value):
                return False
        return True

    return check_all


def _keyword(key: str, value: Any, node: Mapping[str, Any], root: Mapping[str, Any]) -> Check:
    if key == "type" and isinstance(value, str) and value in _TYPES:
        return _TYPES[value]
    if key == "enum":
        return _enum(tuple(value))
    if key in ("minLength", "maxLength", "minItems"):
        return _bound(key, int(value))
    if key == "pattern":
        rx = re.compile(value)
        return lambda v: not isinstance(v, str) or rx.search(v) is not None
    if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
        return _compile(root["$defs"][value.removeprefix("#/$defs/")], root)
    if key == "items" and isinstance(value, dict):
        item = _compile(value, root)
        return lambda v: not isinstance(v, list) or all(map(item, v))
    if key == "required":
        names = tuple(value)
        return lambda v: not isinstance(v, dict) or all(n in v for n in names)
    if key == "properties":
        props = {name: _compile(sub, root) for name, sub in value.items()}
        return lambda v: not isinstance(v, dict) or all(props[k](v[k]) for k in props if k in v)
    if key == "additionalProperties" and value is False:
        allowed = frozenset(node.get("properties", {}))
        return lambda v: not isinstance(v, dict) or allowed.issuperset(v)
    raise Unsupported(key)


def _enum(options: tuple[Any, ...]) -> Check:
    hashable = all(isinstance(o, str | int | float | bool) or o is None for o in options)
    if not hashable:
        return lambda v: any(_same(v, o) for o in options)
    # (is it a bool?, value): true and 1 stay apart, 1 and 1.0 meet, as JSON Schema's equality says.
    keys = frozenset((isinstance(o, bool), o) for o in options)

    def member(value: Any) -> bool:
        try:
            return (isinstance(value, bool), value) in keys
        except TypeError:  # a list or mapping is never one of these scalars
            return False

    return member


def _bound(key: str, limit: int) -> Check:
    if key == "minLength":
        return lambda v: not isinstance(v, str) or len(v) >= limit
    if key == "maxLength":
        return lambda v: not isinstance(v, str) or len(v) <= limit
    return lambda v: not isinstance(v, list) or len(v) >= limit
