"""Fault injection for the emulator: latency, 429s, 5xx, dropped connections, slow answers, bad listings,
and the serving faults: slow-drip and oversized or compressed bodies, raw bodies, malformed fields."""

from __future__ import annotations

import json
import threading
import time
import unicodedata
from collections.abc import Callable
from typing import Any, Literal

from reportsync.emulator.bodies import bloated, shaped
from reportsync.emulator.rules import DEFAULT_MESSAGE, Bucket, InjectedError, Rule, Verdict

RESTART = "restart"
# What a server may do to a report it stores (the written body is accepted, the stored one differs).
REWRITES = ("trim-names", "nfc-names", "range-as-string")
# What servers' trim functions remove: Unicode whitespace (Python, Go, JavaScript), U+FEFF (JavaScript's
# trim()) and every character up to U+0020 (Java's String.trim()).
_TRIMMED = "".join(c for c in map(chr, range(0x3001)) if c.isspace() or c <= " ") + "\ufeff"


class Faults:
    """Thread-safe fault switches, settable from Python at any time; paths are those after /v4."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # The rate limiter's clock (monotonic seconds); a test shares its virtual clock with the client.
        self.clock: Callable[[], float] = time.monotonic
        self.latency = 0.0
        self._queued_429: list[str | None] = []
        self._bucket: Bucket | None = None
        self._rules: list[Rule] = []
        self._ambiguous = 0
        self._rewrites: set[str] = set()
        self._twins = 0
        self.error = InjectedError()
        # How the emulator waits between drips; a test shares its virtual clock's sleep (never waits).
        self.sleep: Callable[[float], None] = time.sleep
        self.fields: dict[str, Any] = {}  # served on every report object, replacing the stored value
        self.omit_labels = False
        self._empty_pages = 0
        self._cursor_count = 0
        self._writable: set[str] = set()
        self.written_fields: list[tuple[str, Any]] = []

    # -- switches (the API tests and benchmarks code against) ---------------------------------
    def queue_429(self, n: int, retry_after: str | None = "1") -> None:
        with self._lock:
            self._queued_429.extend([retry_after] * n)

    def rate_limit(self, rps: float | None, retry_after: str | None = "1") -> None:
        with self._lock:
            if rps is None:
                self._bucket = None
            else:
                capacity = max(1.0, rps)
                self._bucket = Bucket(rps, capacity, self.clock(), retry_after)

    def fail(
        self, method: str, path_glob: str, status: int, count: int = 1, retry_after: str | None = None
    ) -> None:
        self._arm(Rule("fail", count, method, path_glob, status=status, retry_after=retry_after))

    def error_2xx(self, method: str, path_glob: str, status: int = 200, count: int = 1) -> None:
        """Matching calls are not processed and answer a success status whose body is a v4 error
        (`invalid_data`): a 2xx is success only when the body agrees."""
        self._arm(Rule("error_2xx", count, method, path_glob, status=status))

    def fail_listing_after(self, pages: int, status: int = 503, count: int = 1) -> None:
        self._arm(Rule("fail_listing", count, status=status, pages=pages))

    def restart_listing_after(self, pages: int, count: int = 1) -> None:
        self._arm(Rule("restart_listing", count, pages=pages))

    def ambiguous_creates(self, n: int) -> None:
        with self._lock:
            self._ambiguous += n

    def reset_connections(self, method: str, path_glob: str, count: int = 1) -> None:
        self._arm(Rule("reset", count, method, path_glob))

    def slow(
        self, method: str, path_glob: str, delay: float, count: int = 1, process_first: bool = True
    ) -> None:
        self._arm(Rule("slow", count, method, path_glob, delay=delay, process_first=process_first))

    def drip(self, method: str, path_glob: str, step_bytes: int, step_seconds: float, count: int = 1) -> None:
        """Matching answers send their body `step_bytes` at a time, waiting `step_seconds` (via `sleep`)."""
        self._arm(Rule("drip", count, method, path_glob, delay=step_seconds, size=max(1, step_bytes)))

    def bloat(self, method: str, path_glob: str, size: int, compressed: bool = False, count: int = 1) -> None:
        """Matching answers pad their JSON body with whitespace to `size` bytes (still valid JSON);
        `compressed`: sent gzip-encoded, so that a few KiB on the wire expand to `size`."""
        self._arm(Rule("bloat", count, method, path_glob, size=size, compressed=compressed))

    def raw_body(self, method: str, path_glob: str, body: bytes, count: int = 1) -> None:
        """Matching calls are processed, then answered with these bytes as the body."""
        self._arm(Rule("raw", count, method, path_glob, raw=body))

    def serve_field(self, name: str, value: Any, writable: bool = False) -> None:
        """Every report object served carries `name` with `value` (JSON), whatever is stored.

        `writable`: a field the server knows (a newer feature): writes may carry it, and what they sent
        is kept in `written_fields`; otherwise a write carrying it is refused as an unknown field."""
        with self._lock:
            self.fields[name] = value
            if writable:
                self._writable.add(name)

    def writable(self, body: dict[str, Any]) -> dict[str, Any]:
        """A write's body without the served fields the server knows (recorded in `written_fields`)."""
        with self._lock:
            for name in self._writable & set(body):
                self.written_fields.append((name, body[name]))
            return {k: v for k, v in body.items() if k not in self._writable}

    def empty_pages(self, count: int) -> None:
        """The next `count` listing calls answer an empty page that still says has_more, fresh cursor."""
        with self._lock:
            self._empty_pages += count

    def twin_creates(self, n: int) -> None:
        """The next n creates are stored twice, as when another writer creates the same report at once."""
        with self._lock:
            self._twins += n

    def rewrite_stored(self, *kinds: str) -> None:
        """Turn on storage rewrites (REWRITES): names trimmed or made NFC, included_range_days a string."""
        unknown = set(kinds) - set(REWRITES)
        if unknown:
            raise ValueError(f"unknown rewrite {sorted(unknown)}; known: {', '.join(REWRITES)}")
        with self._lock:
            self._rewrites.update(kinds)

    def error_text(
        self,
        message: str = DEFAULT_MESSAGE,
        code: str = "",
        details: tuple[tuple[str, str], ...] = (),
        reason: str | None = None,
        header: str | None = None,
    ) -> None:
        """What injected failures answer with: the error envelope's message, code and (field, message)
        details, the HTTP reason phrase, and an `X-Qon-Note` header; for testing how hostile text shows."""
        self.error = InjectedError(message, code, details, reason, header)

    def clear(self) -> None:
        with self._lock:
            self._rewrites.clear()
            self._twins = 0
            self.error = InjectedError()
            self.fields.clear()
            self._writable.clear()
            self.written_fields.clear()
            self.omit_labels = False
            self._empty_pages = 0
            self.latency = 0.0
            self._queued_429.clear()
            self._bucket = None
            self._rules.clear()
            self._ambiguous = 0

    # -- decisions (called by the server) -----------------------------------------------------
    def before(self, method: str, path: str) -> Verdict | None:
        """A verdict replacing the request's processing, or None to process it."""
        with self._lock:
            if self._queued_429:
                return Verdict("reject", 429, self._queued_429.pop(0))
            if self._bucket is not None and not self._bucket.take(self.clock()):
                return Verdict("reject", 429, self._bucket.retry_after)
            for rule in self._rules:
                if rule.kind in ("reset", "fail", "error_2xx") and rule.matches(method, path):
                    self._consume(rule)
                    action: Literal["reject", "reset"] = "reset" if rule.kind == "reset" else "reject"
                    code = "invalid_data" if rule.kind == "error_2xx" else ""
                    return Verdict(action, rule.status, rule.retry_after, code)
        return None

    def slowness(self, method: str, path: str) -> tuple[float, bool] | None:
        """(delay, process_first) if this request is to be answered slowly."""
        rule = self._take(("slow",), lambda r: r.matches(method, path))
        return (rule.delay, rule.process_first) if rule else None

    def listing(self, page_number: int) -> int | str | None:
        """For a listing page (1-based): a failure status, RESTART, or None."""
        rule = self._take(("fail_listing", "restart_listing"), lambda r: r.pages + 1 == page_number)
        if rule is None:
            return None
        return RESTART if rule.kind == "restart_listing" else rule.status

    def next_cursor(self) -> int:
        with self._lock:
            self._cursor_count += 1
            return self._cursor_count

    def take_empty_page(self) -> bool:
        with self._lock:
            if self._empty_pages <= 0:
                return False
            self._empty_pages -= 1
            return True

    def body(self, method: str, path: str, data: Any) -> tuple[bytes, dict[str, str], tuple[int, float]]:
        """The bytes to send for `data` (JSON-able), extra headers, and a drip's (bytes per step, seconds)."""
        with self._lock:
            data = shaped(data, dict(self.fields), self.omit_labels)
        raw = self._take(("raw",), lambda r: r.matches(method, path))
        payload = raw.raw if raw else json.dumps(data).encode()
        headers: dict[str, str] = {}
        bloat = self._take(("bloat",), lambda r: r.matches(method, path))
        if bloat is not None:
            payload, headers = bloated(payload, bloat.size, bloat.compressed)
        drip = self._take(("drip",), lambda r: r.matches(method, path))
        return payload, headers, (drip.size, drip.delay) if drip else (0, 0.0)

    def take_twin(self) -> bool:
        with self._lock:
            if self._twins <= 0:
                return False
            self._twins -= 1
            return True

    def drop_after_create(self) -> bool:
        with self._lock:
            if self._ambiguous <= 0:
                return False
            self._ambiguous -= 1
            return True

    def stored(self, fields: dict[str, Any]) -> dict[str, Any]:
        """The validated fields as this server stores them (a copy, rewritten by the active switches)."""
        with self._lock:
            rewrites = set(self._rewrites)
        out = dict(fields)
        name = out.get("report_name")
        if isinstance(name, str) and "trim-names" in rewrites:
            out["report_name"] = name.strip(_TRIMMED)
        if isinstance(out.get("report_name"), str) and "nfc-names" in rewrites:
            out["report_name"] = unicodedata.normalize("NFC", out["report_name"])
        if "range-as-string" in rewrites and "included_range_days" in out:
            out["included_range_days"] = str(out["included_range_days"])
        return out

    # -- internals ----------------------------------------------------------------------------
    def _arm(self, rule: Rule) -> None:
        if rule.count > 0:
            with self._lock:
                self._rules.append(rule)

    def _take(self, kinds: tuple[str, ...], test: Callable[[Rule], bool]) -> Rule | None:
        with self._lock:
            for rule in self._rules:
                if rule.kind in kinds and test(rule):
                    self._consume(rule)
                    return rule
        return None

    def _consume(self, rule: Rule) -> None:
        rule.count -= 1
        if rule.count <= 0:
            self._rules.remove(rule)
