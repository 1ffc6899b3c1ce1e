"""The emulator's reports and destinations behind one lock, optionally persisted to a JSON file."""

from __future__ import annotations

import copy
import json
import os
import random
import string
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from reportsync.constants import WRITABLE_FIELDS
from reportsync.emulator.validation import InvalidData, check_destinations, check_report, detail

Report = dict[str, Any]
_ID_ALPHABET = string.ascii_letters + string.digits
_STAMP = "%Y-%m-%dT%H:%M:%SZ"
SEND_TEST_INTERVAL = 60.0


class Store:
    """Reports in creation order (dict insertion order); every method is atomic under `lock`."""

    def __init__(
        self,
        destinations: list[dict[str, str]] | None,
        state_file: Path | None,
        seed: int | None,
    ) -> None:
        self.lock = threading.RLock()
        self._file = state_file
        self._rng = random.Random(seed)
        self._reports: dict[str, Report] = {}
        self._tests: dict[str, float] = {}  # report id -> monotonic time of the last send-test
        # How validated fields are stored: the fault switches may rewrite them (Faults.stored).
        self.stored: Callable[[dict[str, Any]], dict[str, Any]] = dict
        saved = _read_state(state_file)
        self.destinations = destinations or saved.get("destinations") or load_destinations(None)
        for report in saved.get("reports", []):
            self._reports[report["id"]] = report

    # -- reads --------------------------------------------------------------------------------
    def get(self, report_id: str) -> Report | None:
        with self.lock:
            report = self._reports.get(report_id)
            return copy.deepcopy(report) if report is not None else None

    def all(self) -> list[Report]:
        with self.lock:
            return copy.deepcopy(list(self._reports.values()))

    def offset_after(self, cursor: str | None) -> int | None:
        """Index of the row after `cursor`: 0 without a cursor, None if the cursor vanished."""
        if cursor is None:
            return 0
        with self.lock:
            if cursor not in self._reports:
                return None
            return list(self._reports).index(cursor) + 1

    def page(self, start: int, limit: int | None) -> tuple[list[Report], bool]:
        with self.lock:
            rows = list(self._reports.values())
            end = len(rows) if limit is None else start + limit
            return copy.deepcopy(rows[start:end]), end < len(rows)

    # -- writes -------------------------------------------------------------------------------
    def create(self, body: Any) -> Report:
        with self.lock:
            fields = self.stored(check_report(body, self._listing()))
            stamp = _now()
            report_id = self._new_id()
            report: Report = {"object": "scheduled_report", "id": report_id}
            report["url"] = f"/v4/scheduled-reports/{report_id}"
            report.update(fields)
            report.update(runs=0, created_at=stamp, updated_at=stamp)
            self._reports[report_id] = report
            self._save()
            return copy.deepcopy(report)

    def replace(self, report_id: str, body: Any) -> Report | None:
        """Full replacement of the writable fields; None if there is no such report."""
        with self.lock:
            if report_id not in self._reports:
                return None
            return self._write(report_id, self.stored(check_report(body, self._listing())))

    def edit(self, report_id: str, changes: dict[str, Any]) -> Report:
        """A dashboard edit: merge `changes` (writable fields, or `runs`) into the report."""
        with self.lock:
            report = self._reports[report_id]
            changes = dict(changes)
            runs = changes.pop("runs", report["runs"])
            if not isinstance(runs, int) or isinstance(runs, bool) or runs < 0:
                raise InvalidData([detail("runs", "must be a non-negative integer")])
            merged = {key: report[key] for key in WRITABLE_FIELDS}
            merged.update(changes)
            fields = check_report(merged, self._listing())
            fields["runs"] = runs
            return self._write(report_id, fields)

    def delete(self, report_id: str) -> bool:
        with self.lock:
            if self._reports.pop(report_id, None) is None:
                return False
            self._tests.pop(report_id, None)
            self._save()
            return True

    def claim_send_test(self, report_id: str) -> bool | None:
        """True if a test may be sent now, False if one was sent within the minute, None if absent."""
        with self.lock:
            if report_id not in self._reports:
                return None
            now = time.monotonic()
            last = self._tests.get(report_id)
            if last is not None and now - last < SEND_TEST_INTERVAL:
                return False
            self._tests[report_id] = now
            return True

    # -- internals ----------------------------------------------------------------------------
    def _write(self, report_id: str, fields: dict[str, Any]) -> Report:
        report = self._reports[report_id]
        report.update(fields)
        report["updated_at"] = _bumped(report["updated_at"])
        self._save()
        return copy.deepcopy(report)

    def _listing(self) -> dict[str, dict[str, str]]:
        return {item["id"]: item for item in self.destinations}

    def _new_id(self) -> str:
        while True:
            report_id = "".join(self._rng.choices(_ID_ALPHABET, k=8))
            if report_id not in self._reports and report_id != "destinations":
                return report_id

    def _save(self) -> None:
        if self._file is None:
            return
        state = {"reports": list(self._reports.values()), "destinations": self.destinations}
        directory = self._file.parent
        fd, temp = tempfile.mkstemp(prefix=f".{self._file.name}.", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(state, out, indent=1)
            os.replace(temp, self._file)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise


def load_destinations(path: str | os.PathLike[str] | None) -> list[dict[str, str]]:
    """A destinations listing from a JSON file (default: the packaged destinations.json)."""
    source = Path(path) if path is not None else Path(__file__).with_name("destinations.json")
    try:
        items = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read destinations file {source}: {exc}") from exc
    return check_destinations(items)


def _read_state(path: Path | None) -> dict[str, Any]:
    if path is None or not path.exists():
        return {}
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read state file {path}: {exc}") from exc
    if not isinstance(state, dict) or not isinstance(state.get("reports", []), list):
        raise ValueError(f"state file {path} must be an object with a 'reports' array")
    if "destinations" in state:
        state["destinations"] = check_destinations(state["destinations"])
    return state


def _now() -> str:
    return datetime.now(UTC).strftime(_STAMP)


def _bumped(previous: str) -> str:
    """Now, but strictly later than `previous`, so every write changes updated_at."""
    now = datetime.now(UTC).replace(microsecond=0)
    try:
        floor = datetime.strptime(previous, _STAMP).replace(tzinfo=UTC) + timedelta(seconds=1)
    except ValueError:
        floor = now
    return max(now, floor).strftime(_STAMP)
