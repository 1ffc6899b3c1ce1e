"""Property: any valid set of report files, applied to any remote state, converges in one apply."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from helpers import KEY, write_reports
from hypothesis import given, settings
from hypothesis import strategies as st
from reliability import apply, assert_converged, env_for, record

from reportsync.constants import DEFAULT_DESTINATIONS, ENVIRONMENTS, RANGE_DAYS, SEND_AT_SLOTS, STATUSES
from reportsync.emulator import Emulator

# Few names, so that files and remote collide often; some are YAML 1.1 traps once written to a file.
NAMES = ("Daily revenue", "Weekly churn", "yes", "123", "10:30", "Ünïcode — report", "n" * 255, "Stray")


@st.composite
def destinations(draw: st.DrawFn) -> list[dict[str, str]]:
    chosen = draw(st.lists(st.sampled_from(DEFAULT_DESTINATIONS), min_size=1, max_size=4, unique_by=str))
    labelled = draw(st.booleans())
    rows = [dict(d) if labelled else {"type": d["type"], "id": d["id"]} for d in chosen]
    return draw(st.permutations(rows))


@st.composite
def a_report(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "report_name": draw(st.sampled_from(NAMES)),
        "send_at": draw(st.sampled_from(SEND_AT_SLOTS)),
        "included_range_days": draw(st.sampled_from(RANGE_DAYS)),
        "status": draw(st.sampled_from(STATUSES)),
        "environment": draw(st.sampled_from(ENVIRONMENTS)),
        "destinations": draw(destinations()),
    }


def identity(payload: dict[str, Any]) -> tuple[str, str]:
    return (payload["environment"], payload["report_name"])


desired_sets = st.lists(a_report(), max_size=10, unique_by=identity)
remote_sets = st.lists(a_report(), max_size=12)


def usable_remote(remote: list[dict[str, Any]], desired: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop remote twins of a desired identity: those make the plan fail closed, by design (tested elsewhere).
    Twins no file manages stay: --prune deletes both."""
    wanted, seen, kept = {identity(d) for d in desired}, set(), []
    for item in remote:
        if identity(item) in wanted and identity(item) in seen:
            continue
        seen.add(identity(item))
        kept.append(item)
    return kept


@settings(max_examples=15, deadline=None, database=None)
@given(desired=desired_sets, remote=remote_sets)
def test_any_files_converge_on_any_remote_in_one_apply(
    desired: list[dict[str, Any]], remote: list[dict[str, Any]]
) -> None:
    with Emulator(key=KEY, seed=1) as emu, tempfile.TemporaryDirectory() as tmp:
        for item in usable_remote(remote, desired):
            emu.add_report(item)
        folder = write_reports(Path(tmp) / "reports", desired)
        result = apply(folder, env_for(emu))
        assert result.code == 0, result.out + result.err
        assert_converged(emu, folder, desired)
    record(
        "property", "hypothesis: random files x random remote state", "one apply --prune --force converges"
    )
