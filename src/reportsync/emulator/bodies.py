"""How the emulator's serving faults reshape an answer: fields served over the stored ones, labels left
out, bodies padded (optionally gzip-compressed) to a chosen size."""

from __future__ import annotations

import gzip
from typing import Any


def shaped(data: Any, fields: dict[str, Any], omit_labels: bool) -> Any:
    """`data` (a report or a list envelope of reports) with `fields` set on every report object."""
    if not fields and not omit_labels:
        return data
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        return {**data, "data": [_one(item, fields, omit_labels) for item in data["data"]]}
    return _one(data, fields, omit_labels)


def _one(item: Any, fields: dict[str, Any], omit: bool) -> Any:
    if not isinstance(item, dict) or item.get("object") != "scheduled_report":
        return item
    item = {**item, **fields}
    if omit and isinstance(item.get("destinations"), list):
        item["destinations"] = [
            {k: v for k, v in d.items() if k != "label"} if isinstance(d, dict) else d
            for d in item["destinations"]
        ]
    return item


_MIB_OF_SPACES = gzip.compress(b" " * (1024 * 1024), 9)


def bloated(payload: bytes, size: int, compressed: bool) -> tuple[bytes, dict[str, str]]:
    """`payload` followed by whitespace up to `size` bytes; gzip members of 1 MiB each when compressed
    (concatenated members decode as one stream), so that memory stays small on this side."""
    pad = max(0, size - len(payload))
    if not compressed:
        return payload + b" " * pad, {}
    whole, rest = divmod(pad, 1024 * 1024)
    parts = [gzip.compress(payload + b" " * rest)] + [_MIB_OF_SPACES] * whole
    return b"".join(parts), {"Content-Encoding": "gzip"}
