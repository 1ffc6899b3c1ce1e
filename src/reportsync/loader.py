"""Reading report files: YAML text to Documents that remember where every key and value stood."""

from __future__ import annotations

import os
import re

import yaml

from reportsync.discover import REPORT_SUFFIXES as REPORT_SUFFIXES
from reportsync.errors import LoadError, Problem
from reportsync.models import Document, Position

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

MAX_FILE_BYTES = 1024 * 1024  # a report is a few hundred bytes; anything this big is a mistake

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_INT, _FLOAT, _TIMESTAMP = (f"tag:yaml.org,2002:{t}" for t in ("int", "float", "timestamp"))
_VALUE, _MERGE = "tag:yaml.org,2002:value", "tag:yaml.org,2002:merge"
# The only tags a report file needs; others (!!binary, !!set, !!timestamp, !custom...) are refused.
_STR, _BOOL, _NULL, _MAP, _SEQ = (f"tag:yaml.org,2002:{t}" for t in ("str", "bool", "null", "map", "seq"))

# YAML 1.1 reads `10:30` as the base-60 integer 630 and `2024-01-01` as a date. Report files need
# neither, so these resolvers drop the sexagesimal forms and timestamps: such scalars stay strings.
_INT_RE = re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$")
_FLOAT_RE = re.compile(
    r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)


class _Loader(_Base):  # type: ignore[misc]
    """Safe loader that records positions and refuses duplicate keys, aliases and exotic tags.

    Documents are built by walking the composed node tree directly rather than through PyYAML's
    generic constructor machinery: one call per node, no bookkeeping of shared objects (aliases are
    refused anyway), which makes construction about as cheap as PyYAML's plain C-loader load.
    """

    yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in (_INT, _FLOAT, _TIMESTAMP, _VALUE)]
        for first, resolvers in _Base.yaml_implicit_resolvers.items()
    }

    def __init__(self, stream: str, file: str) -> None:
        super().__init__(stream)
        self.file = file
        # not `marks`: the pure-Python Parser (used without libyaml) keeps its own list there
        self.positions: dict[int, dict[Any, tuple[Position, Position]]] = {}
        self.seen: set[int] = set()

    def build(self, node: yaml.Node) -> Any:
        if id(node) in self.seen:
            raise _fail(
                self.file,
                node.start_mark,
                "YAML anchors and aliases (&name / *name) are not allowed in report files; "
                "write each value out",
            )
        self.seen.add(id(node))
        tag = node.tag
        if isinstance(node, yaml.ScalarNode):
            return node.value if tag == _STR else self.build_scalar(node)
        if tag == _MAP and isinstance(node, yaml.MappingNode):
            return self.build_map(node)
        if tag == _SEQ and isinstance(node, yaml.SequenceNode):
            return self.build_seq(node)
        raise _fail(self.file, node.start_mark, _tag_message(tag))

    def build_scalar(self, node: yaml.ScalarNode) -> Any:
        if node.tag == _NULL:
            return None
        if node.tag not in (_INT, _FLOAT, _BOOL):
            raise _fail(self.file, node.start_mark, _tag_message(node.tag))
        # An explicit `!!int abc`, `!!int` or `0x_` breaks PyYAML's own constructors (ValueError, ...),
        # and a 5000-digit number breaks int(); report files need neither.
        try:
            value = _Base.yaml_constructors[node.tag](self, node)
        except (ValueError, LookupError):
            value = None
        else:
            if not isinstance(value, int) or value.bit_length() <= 64:
                return value
        text = node.value if len(node.value) <= 40 else node.value[:40] + "..."
        kind = {_INT: "a whole number", _FLOAT: "a number"}.get(node.tag, "true or false")
        message = f"{_quoted(text)} cannot be read as {kind}; put it in quotes if it is meant as text"
        raise _fail(self.file, node.start_mark, message)

    def build_map(self, node: yaml.MappingNode) -> dict[Any, Any]:
        data: dict[Any, Any] = {}
        marks: dict[Any, tuple[Position, Position]] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                raise _fail(self.file, key_node.start_mark, _tag_message(_MERGE))
            key = self.build(key_node) if type(key_node) is yaml.ScalarNode else None
            if not isinstance(key, str):
                raise _fail(self.file, key_node.start_mark, _key_message(key_node))
            if key in data:
                first = marks[key][0][0]
                message = f"duplicate key {_quoted(key)} (first set on line {first})"
                raise _fail(self.file, key_node.start_mark, message)
            data[key] = self.build(value_node)
            key_mark, value_mark = key_node.start_mark, value_node.start_mark
            marks[key] = (
                (key_mark.line + 1, key_mark.column + 1),
                (value_mark.line + 1, value_mark.column + 1),
            )
        self.positions[id(data)] = marks
        return data

    def build_seq(self, node: yaml.SequenceNode) -> list[Any]:
        data: list[Any] = []
        marks: dict[Any, tuple[Position, Position]] = {}
        for index, child in enumerate(node.value):
            data.append(self.build(child))
            position = _pos(child.start_mark)
            marks[index] = (position, position)
        self.positions[id(data)] = marks
        return data


_Loader.add_implicit_resolver(_INT, _INT_RE, list("-+0123456789"))
_Loader.add_implicit_resolver(_FLOAT, _FLOAT_RE, list("-+0123456789."))


def _tag_message(tag: str) -> str:
    if tag == _MERGE:
        return "YAML merge keys (<<) are not allowed in report files; write each field out"
    shown = tag.replace("tag:yaml.org,2002:", "!!")
    return f"YAML tag {shown} is not allowed here; report files hold plain values, lists and mappings"


def _key_message(node: yaml.Node) -> str:
    if not isinstance(node, yaml.ScalarNode):
        return "a key must be a plain name, not a list or mapping"
    return f"key {_quoted(node.value)} must be a plain name; put it in quotes if it is meant as text"


def _quoted(text: str) -> str:
    """A name or value as every message quotes it (JSON style, as messages.show)."""
    import json  # only on the error path

    return json.dumps(text, ensure_ascii=False)


def _pos(mark: Any) -> Position:
    return (mark.line + 1, mark.column + 1)


def _fail(file: str, mark: Any, message: str) -> LoadError:
    line, col = _pos(mark) if mark is not None else (0, 0)
    return LoadError(Problem(file, line, col, message))


def find_report_files(folder: str | os.PathLike[str]) -> list[str]:
    """Every report file below folder, sorted (the rules and the skipped entries: discover.discover)."""
    from reportsync.discover import discover

    return list(discover(os.fspath(folder)).files)


def read_text(path: str | os.PathLike[str], label: str) -> str:
    """The file as text, or a LoadError saying why it is not a readable YAML text file."""
    try:
        with open(path, "rb", buffering=0) as handle:
            # Sized reads: read(MAX + 1) would reserve a 1 MiB buffer for every small file.
            size = os.fstat(handle.fileno()).st_size
            raw = handle.read(size + 1) if size <= MAX_FILE_BYTES else b""
    except OSError as exc:
        raise LoadError(Problem(label, 0, 0, f"cannot read file: {exc.strerror}")) from None
    if size > MAX_FILE_BYTES or len(raw) > MAX_FILE_BYTES:
        message = "file is larger than 1 MiB; a report file holds a few hundred bytes"
        raise LoadError(Problem(label, 0, 0, message))
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise LoadError(Problem(label, line, 0, "file is binary (NUL byte), not YAML text"))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        bad = raw[exc.start]
        raise LoadError(Problem(label, line, 0, f"file is not UTF-8 text (byte 0x{bad:02x})")) from None


def parse_documents(text: str, label: str) -> list[Document]:
    """Every non-empty document of a YAML stream; errors name the file, line and column."""
    loader = _new_loader(text, label)
    documents: list[Document] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            loader.seen.clear()
            data = loader.build(node)
            if data is None:
                continue
            line = node.start_mark.line + 1
            documents.append(Document(label, len(documents), line, data, loader.positions))
    except yaml.MarkedYAMLError as exc:
        raise _fail(label, exc.problem_mark, _yaml_message(exc, text)) from None
    except yaml.reader.ReaderError as exc:
        raise LoadError(Problem(label, _reader_line(exc, text), 0, _reader_message(exc))) from None
    except yaml.YAMLError as exc:
        raise LoadError(Problem(label, 0, 0, f"not valid YAML: {exc}")) from None
    except RecursionError:
        raise LoadError(Problem(label, 0, 0, "YAML is nested too deeply")) from None
    finally:
        loader.dispose()
    if not documents:
        raise LoadError(Problem(label, 1, 0, "file holds no report (it is empty or only comments)"))
    return documents


def _new_loader(text: str, label: str) -> _Loader:
    try:
        return _Loader(text, label)
    except UnicodeEncodeError:  # a lone surrogate: str that no file decodes to
        raise LoadError(Problem(label, 0, 0, "text holds an invalid character")) from None
    except yaml.reader.ReaderError as exc:  # the pure-Python reader checks every character up front
        raise LoadError(Problem(label, _reader_line(exc, text), 0, _reader_message(exc))) from None


def _reader_line(exc: yaml.reader.ReaderError, text: str) -> int:
    # libyaml counts the position in UTF-8 bytes, the pure-Python reader in characters.
    if _Base is yaml.SafeLoader:
        return text[: exc.position].count("\n") + 1
    return text.encode("utf-8", "surrogatepass")[: exc.position].count(b"\n") + 1


def _reader_message(exc: yaml.reader.ReaderError) -> str:
    char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
    return f"character #x{char:04x} is not allowed in YAML text ({exc.reason})"


def _yaml_message(exc: yaml.MarkedYAMLError, text: str) -> str:
    problem = exc.problem or "syntax error"
    mark = exc.problem_mark
    lines = text.splitlines()
    at = lines[mark.line][mark.column : mark.column + 1] if mark and mark.line < len(lines) else ""
    if at == "\t" or "'\\t'" in problem:
        return "tab character: YAML indentation must use spaces, not tabs"
    text = f"not valid YAML: {problem}"
    if exc.context:
        text += f" ({exc.context})"
    if problem.startswith("did not find expected"):
        # what users did: indented a line too far, or left a quote open on a line above
        text += "; check this line's indentation and any unclosed quote above it"
    return text


def load_file(path: str | os.PathLike[str], label: str | None = None) -> list[Document]:
    name = label if label is not None else os.fspath(path)
    return parse_documents(read_text(path, name), name)


def dump_report(payload: dict[str, Any]) -> str:
    """YAML text of one report, keys in the given order; times like 06:00 double-quoted."""

    class _Dumper(yaml.SafeDumper):
        def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
            super().increase_indent(flow, False)  # list items indented under their key, as in reports/

    def _str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
        # YAML 1.1 readers take an unquoted 06:00 for a number, and fold line breaks such as
        # U+0085 in single quotes into spaces: double quotes escape them and keep them exact.
        exact = re.fullmatch(r"[0-9:]+", data) or re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]", data)
        style = '"' if exact or "##[" in data else None  # "##[": written as ##\x5b below
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)

    _Dumper.add_representer(str, _str)
    text: str = yaml.dump(payload, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=4096)
    # Only double-quoted scalars hold "##[" (a legacy workflow command that output defuses, changing
    # the value): the escape \x5b reads back as "[" and is inert in a CI log.
    return text.replace("##[", "##\\x5b")
