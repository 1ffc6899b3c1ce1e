"""A yes/no JSON Schema check compiled from the report schema itself, for the common all-valid case.

jsonschema is thorough but costs ~230 ms to import and ~0.5 ms per document; a file set that is valid
needs none of its detail. This turns the handful of keywords the report schema uses into the source of
one plain Python function (~3 µs per document). Any keyword it does not know makes `compile_check`
return None, and every "no" is re-checked by jsonschema for the full error list, so jsonschema stays
the authority (tests/test_fastcheck.py proves the two agree).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[Any], bool]
_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$defs", "title", "description", "default", "examples", "$comment"}
)
_TYPES = {
    "string": "isinstance({v}, str)",
    "integer": "((isinstance({v}, int) and not isinstance({v}, bool))"
    " or (isinstance({v}, float) and {v}.is_integer()))",
    "number": "(isinstance({v}, (int, float)) and not isinstance({v}, bool))",
    "boolean": "isinstance({v}, bool)",
    "object": "isinstance({v}, dict)",
    "array": "isinstance({v}, list)",
    "null": "{v} is None",
}
_MAX_DEPTH = 12  # a recursive $ref is not something this checker follows


class Unsupported(Exception):
    """The schema uses a keyword (or shape) this checker does not implement."""


def compile_check(schema: Mapping[str, Any]) -> Check | None:
    """A function answering "valid?" exactly as jsonschema would, or None if the schema is too rich."""
    try:
        writer = _Writer(schema)
        writer.node(schema, "v0", 1)
    except Unsupported:
        return None
    source = "def check(v0):\n" + "\n".join(writer.lines) + "\n    return True\n"
    namespace = dict(writer.constants)
    exec(compile(source, "<report-schema-check>", "exec"), namespace)  # source built above, no input
    check: Check = namespace["check"]
    return check


class _Writer:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {}
        self.names = 0

    def const(self, value: Any) -> str:
        self.names += 1
        name = f"C{self.names}"
        self.constants[name] = value
        return name

    def var(self) -> str:
        self.names += 1
        return f"v{self.names}"

    def emit(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)

    def fail_unless(self, depth: int, condition: str) -> None:
        self.emit(depth, f"if not ({condition}):")
        self.emit(depth + 1, "return False")

    def node(self, node: Mapping[str, Any], v: str, depth: int) -> None:
        if depth > _MAX_DEPTH:
            raise Unsupported("nesting")
        for key, value in node.items():
            if key in _ANNOTATIONS or key.startswith("x-"):
                continue
            self.keyword(key, value, node, v, depth)

    def keyword(self, key: str, value: Any, node: Mapping[str, Any], v: str, depth: int) -> None:
        if key == "type" and isinstance(value, str) and value in _TYPES:
            self.fail_unless(depth, _TYPES[value].format(v=v))
        elif key == "enum":
            self.enum(tuple(value), v, depth)
        elif key in ("minLength", "maxLength", "minItems"):
            kind, op = ("list", "<") if key == "minItems" else ("str", "<" if key == "minLength" else ">")
            self.emit(depth, f"if isinstance({v}, {kind}) and len({v}) {op} {int(value)}:")
            self.emit(depth + 1, "return False")
        elif key == "pattern":
            rx = self.const(re.compile(value))
            self.emit(depth, f"if isinstance({v}, str) and {rx}.search({v}) is None:")
            self.emit(depth + 1, "return False")
        elif key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
            self.node(self.root["$defs"][value.removeprefix("#/$defs/")], v, depth)
        else:
            self.structure(key, value, node, v, depth)

    def structure(self, key: str, value: Any, node: Mapping[str, Any], v: str, depth: int) -> None:
        if key == "required":
            names = " and ".join(f"{str(n)!r} in {v}" for n in value) or "True"
            self.fail_unless(depth, f"not isinstance({v}, dict) or ({names})")
        elif key == "additionalProperties" and value is False:
            allowed = self.const(frozenset(node.get("properties", {})))
            self.fail_unless(depth, f"not isinstance({v}, dict) or {allowed}.issuperset({v})")
        elif key == "properties":
            self.emit(depth, f"if isinstance({v}, dict):")
            self.emit(depth + 1, "pass")
            for name, sub in value.items():
                child = self.var()
                self.emit(depth + 1, f"if {str(name)!r} in {v}:")
                self.emit(depth + 2, f"{child} = {v}[{str(name)!r}]")
                self.node(sub, child, depth + 2)
        elif key == "items" and isinstance(value, dict):
            child = self.var()
            self.emit(depth, f"if isinstance({v}, list):")
            self.emit(depth + 1, f"for {child} in {v}:")
            self.emit(depth + 2, "pass")
            self.node(value, child, depth + 2)
        else:
            raise Unsupported(key)

    def enum(self, options: tuple[Any, ...], v: str, depth: int) -> None:
        if not all(isinstance(o, str | int | float | bool) or o is None for o in options):
            raise Unsupported("enum of lists or mappings")
        # (is it a bool?, value): true and 1 stay apart, 1 and 1.0 meet, as JSON Schema's equality says.
        keys = self.const(frozenset((isinstance(o, bool), o) for o in options))
        self.emit(depth, "try:")
        self.emit(depth + 1, f"if (isinstance({v}, bool), {v}) not in {keys}:")
        self.emit(depth + 2, "return False")
        self.emit(depth, "except TypeError:  # a list or mapping is none of these scalars")
        self.emit(depth + 1, "return False")
