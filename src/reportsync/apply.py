"""Carrying out a Plan through the client: one write per change, no duplicates, partial failure kept."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from reportsync.errors import ApiError, ExitStatus, ReportsyncError
from reportsync.models import Payload, RemoteReport, normalize
from reportsync.plan import Change, Plan

TYPE_CHECKING = False
if TYPE_CHECKING:
    from concurrent.futures import Future

Status = Literal["applied", "failed", "skipped"]


class ReportsApi(Protocol):
    def list_reports(self) -> tuple[RemoteReport, ...]: ...
    def create_report(self, body: Payload, idempotency_key: str | None = None) -> RemoteReport: ...
    def replace_report(self, report_id: str, body: Payload) -> RemoteReport: ...
    def delete_report(self, report_id: str) -> None: ...


@dataclass(frozen=True, slots=True)
class ChangeResult:
    change: Change
    status: Status
    remote_id: str | None = None
    message: str = ""


@dataclass(frozen=True, slots=True)
class ApplyResult:
    results: tuple[ChangeResult, ...]

    def count(self, action: str, status: Status = "applied") -> int:
        return sum(1 for r in self.results if r.change.action == action and r.status == status)

    @property
    def failed(self) -> tuple[ChangeResult, ...]:
        return tuple(r for r in self.results if r.status == "failed")

    @property
    def skipped(self) -> tuple[ChangeResult, ...]:
        return tuple(r for r in self.results if r.status == "skipped")


class _Abort:
    """Set when a failure means no further change can succeed (bad key, forbidden)."""

    def __init__(self) -> None:
        self.reason = ""
        self.lock = threading.Lock()

    def set(self, reason: str) -> None:
        with self.lock:
            self.reason = self.reason or reason


def apply_plan(
    plan: Plan,
    api: ReportsApi,
    parallelism: int = 4,
    on_result: Callable[[ChangeResult], None] | None = None,
    stop: threading.Event | None = None,
) -> ApplyResult:
    """Apply every change; reports are independent, so one failure does not stop the others.

    `stop`, once set (Ctrl-C seen by another thread), starts no further change: those are skipped.
    Ctrl-C in the calling thread raises ApplyInterrupted carrying what was and was not applied.
    """
    abort = _Abort()
    reserved = frozenset(c.remote_id for c in plan.changes if c.remote_id)

    def run(change: Change) -> ChangeResult:
        if stop is not None and stop.is_set():
            abort.set(INTERRUPTED)
        result = _apply_one(change, api, abort, reserved)
        if on_result is not None:
            on_result(result)
        return result

    from concurrent.futures import ThreadPoolExecutor  # plan never applies: keep its start-up lean

    workers = max(1, min(parallelism, len(plan.changes) or 1))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="apply") as pool:
        futures = [pool.submit(run, change) for change in plan.changes]
        try:
            return ApplyResult(tuple(f.result() for f in futures))
        except KeyboardInterrupt:
            # Ctrl-C: start nothing new, let the writes in flight finish (each bounded by the client's
            # timeouts), and say exactly what was and was not applied.
            abort.set(INTERRUPTED)
            pool.shutdown(wait=True, cancel_futures=True)
            results = tuple(_settled(f, c) for f, c in zip(futures, plan.changes, strict=True))
            raise ApplyInterrupted(ApplyResult(results)) from None


INTERRUPTED = "interrupted (Ctrl-C)"


class ApplyInterrupted(ReportsyncError):
    """Ctrl-C during an apply: carries what was applied and what was not."""

    exit_status = ExitStatus.INTERRUPTED

    def __init__(self, result: ApplyResult) -> None:
        super().__init__("apply interrupted (Ctrl-C)")
        self.result = result


def _settled(future: Future[ChangeResult], change: Change) -> ChangeResult:
    if future.done() and not future.cancelled() and future.exception() is None:
        return future.result()
    return ChangeResult(change, "skipped", change.remote_id, f"not attempted: {INTERRUPTED}")


def _apply_one(change: Change, api: ReportsApi, abort: _Abort, reserved: frozenset[str]) -> ChangeResult:
    if abort.reason:
        return ChangeResult(change, "skipped", change.remote_id, f"not attempted: {abort.reason}")
    try:
        return _write(change, api, reserved)
    except ApiError as exc:
        if exc.status in (401, 403):
            abort.set(f"the API refused the key ({exc.status})")
        if exc.status == 429:  # retries are spent or the API asked for a longer wait: stop starting more
            abort.set(f"the API is rate limiting ({exc.api_message})")
        return ChangeResult(change, "failed", change.remote_id, exc.message)


def _write(change: Change, api: ReportsApi, reserved: frozenset[str]) -> ChangeResult:
    assert change.body is not None or change.action == "delete"
    if change.action == "create":
        return _create(change, api, reserved)
    assert change.remote_id is not None
    if change.action == "update":
        assert change.body is not None
        return _checked(change, api.replace_report(change.remote_id, change.body), change.remote_id)
    try:
        api.delete_report(change.remote_id)
    except ApiError as exc:
        if exc.status != 404:
            raise
        return ChangeResult(change, "applied", change.remote_id, "already deleted")
    return ChangeResult(change, "applied", change.remote_id)


def _create(change: Change, api: ReportsApi, reserved: frozenset[str]) -> ChangeResult:
    assert change.body is not None
    import uuid  # plan never creates: keep its start-up lean

    key = str(uuid.uuid4())  # one key per planned create, reused if it is posted again
    try:
        return _checked(change, api.create_report(change.body, key))
    except ApiError as exc:
        if not exc.ambiguous:
            raise
        first = exc
    # The create may or may not have happened: re-read and adopt it if it exists.
    try:
        adopted = adopt_after_ambiguous(change, api, reserved)
    except ApiError as exc:
        raise _unknown(first, f"re-reading to check failed: {exc.message}") from None
    if adopted is not None:
        return _checked(change, adopted, note="adopted after an ambiguous create")
    if first.status is None or first.status < 500:
        # No (usable) answer (timeout, dropped connection): the server may still be creating it, so its
        # absence from a listing proves nothing. Never post blindly; the next run re-reads and decides.
        raise _unknown(first, "it is not in the listing yet; run apply again to create or adopt it")
    # The server answered 5xx: the request is finished, and the report provably does not exist.
    try:
        report = api.create_report(change.body, key)
    except ApiError as exc:
        raise _unknown(exc, f"second attempt, after {first.message}") from None
    return _checked(change, report, note="created on a second attempt")


def _checked(
    change: Change, answer: RemoteReport, expected_id: str | None = None, note: str = ""
) -> ChangeResult:
    """Applied when the server's answer holds what was sent; failed, naming both spellings, otherwise."""
    from reportsync.verify import answer_mismatch

    assert change.body is not None
    mismatch = answer_mismatch(change.body, answer, expected_id)
    if mismatch:
        return ChangeResult(change, "failed", answer.id, f"{note}; {mismatch}" if note else mismatch)
    return ChangeResult(change, "applied", answer.id, note)


def _unknown(exc: ApiError, note: str) -> ApiError:
    """The create's failure, saying that its outcome is unknown and what to do."""
    return ApiError(
        exc.method, exc.path, exc.status, exc.code, f"{exc.api_message} ({note})", exc.details, ambiguous=True
    )


def adopt_after_ambiguous(
    change: Change, api: ReportsApi, reserved: frozenset[str] = frozenset()
) -> RemoteReport | None:
    """The remote report with the change's identity, made to match the body if it differs.

    Reports other changes of the plan will update or delete (`reserved`) are never adopted: a pinned
    rename may not have happened yet.
    """
    found = find_by_identity(api.list_reports(), change, reserved)
    if not found:
        return None
    report = found[0]
    assert change.body is not None
    if normalize(report.payload) != normalize(change.body):
        report = api.replace_report(report.id, change.body)
    return report


def find_by_identity(
    remote: Sequence[RemoteReport], change: Change, reserved: frozenset[str] = frozenset()
) -> list[RemoteReport]:
    return [r for r in remote if r.identity == change.identity and r.id not in reserved]
