"""Frozen data that crosses module boundaries, and the one normalisation both sides share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from reportsync.constants import WRITABLE_FIELDS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

Payload = dict[str, "Any"]
Identity = tuple[str, str]  # (environment, report_name)
Position = tuple[int, int]  # 1-based (line, col)


@dataclass(frozen=True, slots=True)
class Document:
    """One YAML document of a report file, with the position of every key and value."""

    file: str
    index: int  # 0-based position in a multi-document stream
    line: int  # line where the document starts
    data: Any
    # id(container) -> {key or list index: (key position, value position)}
    marks: Mapping[int, Mapping[Any, tuple[Position, Position]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def locate(self, path: tuple[Any, ...], at_key: bool = False) -> Position:
        """The position of the value (or key) at `path`; the nearest known ancestor if absent."""
        node, best = self.data, (self.line, 1)
        for part in path:
            entry = self.marks.get(id(node), {}).get(part)
            if entry is None:
                break
            best = entry[0] if at_key else entry[1]
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                break
        return best


@dataclass(frozen=True, slots=True)
class DesiredReport:
    """A desired report: the canonical API payload plus the file and line that declare it."""

    payload: Payload = field(hash=False)
    file: str
    line: int
    pinned_id: str | None = None
    destination_lines: tuple[int, ...] = ()  # line of each destinations[i], for precise errors

    @property
    def identity(self) -> Identity:
        return identity_of(self.payload)

    def destination_line(self, index: int) -> int:
        return self.destination_lines[index] if index < len(self.destination_lines) else self.line

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class RemoteReport:
    """A report as the API returned it (the full object, server fields included)."""

    id: str
    payload: Payload = field(hash=False)

    @property
    def identity(self) -> Identity:
        return identity_of(self.payload)


@dataclass(frozen=True, slots=True)
class Destination:
    type: str
    id: str
    label: str = ""


def identity_of(payload: Mapping[str, Any]) -> Identity:
    return (str(payload.get("environment", "")), str(payload.get("report_name", "")))


def normalize(payload: Mapping[str, Any]) -> Payload:
    """The comparable form of a report, used for desired and remote alike.

    Server-set fields are dropped; destinations become a sorted, de-duplicated list of
    {type, id}, because their order and label carry no meaning to the API.
    """
    out: Payload = {k: payload[k] for k in WRITABLE_FIELDS if k in payload}
    dests = payload.get("destinations")
    if isinstance(dests, list):
        keys = {(str(d.get("type", "")), str(d.get("id", ""))) for d in dests if isinstance(d, dict)}
        out["destinations"] = [{"type": t, "id": i} for t, i in sorted(keys)]
    return out


def api_body(payload: Mapping[str, Any]) -> Payload:
    """The body sent on create/replace: the six writable fields, labels kept when given."""
    return {k: payload[k] for k in WRITABLE_FIELDS if k in payload}
