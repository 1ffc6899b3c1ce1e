"""Parsing the emulator's command-line values: ports, counts, statuses and fault specifications."""

from __future__ import annotations

import argparse
import math
import re
from dataclasses import dataclass

_METHOD_RE = re.compile(r"[A-Za-z*?\[\]!]+")


@dataclass(frozen=True)
class CallFault:
    """A --fail (status set) or --reset-connections (status None) rule for matching calls."""

    method: str
    glob: str
    count: int
    status: int | None = None


@dataclass(frozen=True)
class ListingFault:
    """A --fail-listing-after rule: the listing page after `pages` pages answers `status`."""

    pages: int
    status: int = 503


# -- flag value parsers (argparse turns their ArgumentTypeError into "error: argument ...", exit 2) --
def _whole(text: str, what: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise argparse.ArgumentTypeError(f"{what} must be a whole number >= {minimum}, not {text!r}")
    return value


def _count(text: str) -> int:
    return _whole(text, "the count", 1)


def _seed(text: str) -> int:
    return _whole(text, "the seed", 0)


def _port(text: str) -> int:
    port = _whole(text, "the port", 0)
    if port > 65535:
        raise argparse.ArgumentTypeError(f"the port must be 0-65535, not {text!r}")
    return port


def _number(text: str, what: str, positive: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        bound = "> 0" if positive else ">= 0"
        raise argparse.ArgumentTypeError(f"{what} must be a number {bound}, not {text!r}")
    return value


def _latency(text: str) -> float:
    return _number(text, "the latency (milliseconds)", positive=False)


def _rate(text: str) -> float:
    return _number(text, "the rate limit (requests per second)", positive=True)


def _status(text: str) -> int:
    if not (text.isdigit() and 400 <= int(text) <= 599):
        raise argparse.ArgumentTypeError(f"the status must be an HTTP error status 400-599, not {text!r}")
    return int(text)


def _retry_after(text: str) -> str | None:
    """`none` (send no header), delay seconds, or an HTTP-date, as servers send them."""
    if text.lower() == "none":
        return None
    if text.isdigit():
        return text
    from email.utils import parsedate_to_datetime  # only for the rare HTTP-date value

    try:
        parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        message = f"expected whole seconds, an HTTP-date or 'none', not {text!r}"
        raise argparse.ArgumentTypeError(message) from None
    return text


def _call(text: str, sizes: tuple[int, int], shape: str) -> list[str]:
    """METHOD:PATH_GLOB and the rest, checked; `sizes` are the allowed numbers of parts."""
    parts = text.split(":")
    if len(parts) not in sizes:
        raise argparse.ArgumentTypeError(f"expected {shape}, not {text!r}")
    if not _METHOD_RE.fullmatch(parts[0]):
        raise argparse.ArgumentTypeError(f"METHOD must be like GET, POST or *, not {parts[0]!r}")
    glob = parts[1]
    if glob.startswith("/v4/"):
        raise argparse.ArgumentTypeError(f"paths are after /v4: write {glob[3:]!r}, not {glob!r}")
    if not glob.startswith(("/", "*")):
        raise argparse.ArgumentTypeError(f"PATH_GLOB must start with / or *, not {glob!r}")
    return [parts[0].upper(), *parts[1:]]


def _fail_spec(text: str) -> CallFault:
    parts = _call(text, (3, 4), "METHOD:PATH_GLOB:STATUS[:COUNT], e.g. POST:/scheduled-reports:503:2")
    return CallFault(parts[0], parts[1], _count(parts[3]) if len(parts) == 4 else 1, _status(parts[2]))


def _reset_spec(text: str) -> CallFault:
    parts = _call(text, (2, 3), "METHOD:PATH_GLOB[:COUNT], e.g. DELETE:/scheduled-reports/*")
    return CallFault(parts[0], parts[1], _count(parts[2]) if len(parts) == 3 else 1)


def _listing_spec(text: str) -> ListingFault:
    pages, _, status = text.partition(":")
    return ListingFault(_whole(pages, "PAGES", 0), _status(status) if status else 503)


def _restart_pages(text: str) -> int:
    return _whole(text, "PAGES", 1)


EVERY = 1_000_000  # a count that stands for "every matching call"


@dataclass(frozen=True)
class BodyFault:
    """A serving fault on matching calls' bodies: --drip, --bloat or --raw-body."""

    method: str
    glob: str
    count: int
    size: int = 0
    compressed: bool = False
    raw: bytes = b""


def _drip_spec(text: str) -> BodyFault:
    parts = _call(text, (2, 3), "METHOD:PATH_GLOB[:COUNT], e.g. GET:/scheduled-reports")
    return BodyFault(parts[0], parts[1], _count(parts[2]) if len(parts) == 3 else 1)


def _bloat_spec(text: str) -> BodyFault:
    parts = _call(text, (3, 4), "METHOD:PATH_GLOB:MIB[:gzip], e.g. GET:/scheduled-reports:300:gzip")
    if len(parts) == 4 and parts[3] != "gzip":
        raise argparse.ArgumentTypeError(f"the fourth part must be 'gzip', not {parts[3]!r}")
    mib = _whole(parts[2], "MIB", 1)
    return BodyFault(parts[0], parts[1], EVERY, mib * 1024 * 1024, len(parts) == 4)


def _raw_spec(text: str) -> BodyFault:
    parts = _call(text, (3, 4), "METHOD:PATH_GLOB:FILE[:COUNT], e.g. GET:/scheduled-reports:page.json")
    try:
        with open(parts[2], "rb") as handle:
            raw = handle.read(64 * 1024 * 1024)
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"cannot read {parts[2]!r}: {exc.strerror}") from None
    return BodyFault(parts[0], parts[1], _count(parts[3]) if len(parts) == 4 else 1, raw=raw)


def _field_spec(text: str) -> tuple[str, object]:
    import json

    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(
            f"expected FIELD=JSON, e.g. included_range_days='\"7\"', not {text!r}"
        )
    try:
        return name, json.loads(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"the value of {name} is not JSON: {value[:40]!r}") from None


# -- the command ----------------------------------------------------------------------------------
