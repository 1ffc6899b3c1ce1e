"""Checking that what apply wrote is what the server holds: from each answer, then from a re-read."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from reportsync.constants import WRITABLE_FIELDS
from reportsync.models import Payload, RemoteReport, normalize
from reportsync.names import escaped

TYPE_CHECKING = False
if TYPE_CHECKING:
    from reportsync.apply import ApplyResult, ChangeResult


def field_text(value: Any) -> str:
    """A field value for a difference message: strings escaped so invisible characters show."""
    if isinstance(value, str):
        return escaped(value)
    if isinstance(value, list):
        return "[" + ", ".join(f"{d.get('type')}:{d.get('id')}" for d in value if isinstance(d, dict)) + "]"
    return json.dumps(value, ensure_ascii=False)


def differences(sent: Payload, held: Mapping[str, Any], only_present: bool = False) -> list[str]:
    """Every writable field the server holds differently from what was sent, as `field: held (sent X)`.

    With `only_present`, fields the answer leaves out are not compared (a minimal answer).
    """
    want, have = normalize(sent), normalize(held)
    found = []
    for name in WRITABLE_FIELDS:
        if only_present and name not in held:
            continue
        if want.get(name) != have.get(name):
            found.append(f"{name} {field_text(have.get(name))} (sent {field_text(want.get(name))})")
    return found


def answer_mismatch(sent: Payload, answer: RemoteReport, expected_id: str | None) -> str:
    """Why a create/replace answer shows the write did not land as sent ("" when it did)."""
    if expected_id is not None and answer.id != expected_id:
        return f"the server answered for id {escaped(answer.id)}, not {escaped(expected_id)}"
    found = differences(sent, answer.payload, only_present=True)
    return "the server stored it differently: " + "; ".join(found) if found else ""


def unconverged(result: ApplyResult, remote: Sequence[RemoteReport]) -> ApplyResult:
    """The result with every applied change that the re-read remote state does not show turned failed.

    Terraform's "inconsistent result after apply": a report stored under another name, a field the
    server keeps in another form, a delete that did not happen, a create that left two copies.
    """
    from reportsync.apply import ApplyResult

    by_id = {r.id: r for r in remote}
    named: dict[tuple[str, str], list[str]] = {}  # identity -> ids: one pass, not one scan per change
    for report in remote:
        named.setdefault(report.identity, []).append(report.id)
    return ApplyResult(tuple(_converged(r, by_id, named) for r in result.results))


def _converged(
    r: ChangeResult, by_id: Mapping[str, RemoteReport], named: Mapping[tuple[str, str], list[str]]
) -> ChangeResult:
    if r.status != "applied":
        return r
    why = _divergence(r, by_id, named)
    return replace(r, status="failed", message=f"applied, but {why}") if why else r


def _divergence(
    r: ChangeResult, by_id: Mapping[str, RemoteReport], named: Mapping[tuple[str, str], list[str]]
) -> str:
    change, rid = r.change, r.remote_id or r.change.remote_id or ""
    held = by_id.get(rid)
    if change.action == "delete":
        return f"the server still holds id {escaped(rid)}" if held else ""
    if held is None:
        return f"the server holds no report with id {escaped(rid)}"
    assert change.body is not None
    found = differences(change.body, held.payload)
    if found:
        return "the server holds " + "; ".join(found)
    twins = named.get(change.identity, [])
    if change.action == "create" and len(twins) > 1:
        name = escaped(change.report_name)
        return f"the server holds {len(twins)} reports named {name}: ids {', '.join(twins)}"
    return ""
