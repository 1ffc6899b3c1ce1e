"""The planner as a pure function: tiny literal inputs, no server."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import report

from reportsync.errors import PlanError
from reportsync.models import DesiredReport, Destination, RemoteReport, normalize
from reportsync.plan import PlanOptions, build_plan, diff_report, fingerprint, threshold_breach

DESTS = (
    Destination("target_integration", "int-wh-01", "Webhooks"),
    Destination("target_integration", "int-slack-01", "Slack"),
)
LABELS = {(d.type, d.id): d.label for d in DESTS}


def payload(name: str = "Daily", **fields: Any) -> dict[str, Any]:
    return report(name, **fields)


def spec(name: str = "Daily", pinned: str | None = None, file: str = "", **fields: Any) -> DesiredReport:
    return DesiredReport(payload(name, **fields), file or f"reports/{name}.yaml", 1, pinned)


def remote(rid: str, name: str = "Daily", **fields: Any) -> RemoteReport:
    full = payload(name, **fields) | {
        "object": "scheduled_report",
        "id": rid,
        "runs": 3,
        "url": f"/v4/scheduled-reports/{rid}",
        "created_at": "x",
        "updated_at": "y",
    }
    return RemoteReport(rid, full)


def test_create_when_nothing_remote() -> None:
    plan = build_plan([spec()], [], DESTS)
    [change] = plan.changes
    assert (change.action, change.remote_id, change.fingerprint) == ("create", None, None)
    assert change.body == payload()
    assert change.file == "reports/Daily.yaml"


@pytest.mark.parametrize(
    ("field", "old", "new"),
    [
        ("send_at", "09:00", "09:30"),
        ("included_range_days", 1, 7),
        ("status", "active", "draft"),
    ],
)
def test_update_per_field(field: str, old: Any, new: Any) -> None:
    plan = build_plan([spec(**{field: new})], [remote("r1", **{field: old})], DESTS)
    [change] = plan.changes
    assert change.action == "update" and change.remote_id == "r1"
    assert [(f.name, f.old, f.new) for f in change.fields] == [(field, old, new)]


DEST_DIFFS = [
    # (remote ids, desired ids, added, removed)
    (["int-wh-01"], ["int-wh-01", "int-slack-01"], ["int-slack-01"], []),
    (["int-wh-01", "int-slack-01"], ["int-slack-01"], [], ["int-wh-01"]),
    (["int-wh-01"], ["int-slack-01"], ["int-slack-01"], ["int-wh-01"]),
    (["int-slack-01", "int-wh-01"], ["int-wh-01", "int-gone"], ["int-gone"], ["int-slack-01"]),
]


@pytest.mark.parametrize(("before", "after", "added", "removed"), DEST_DIFFS)
def test_destinations_diff_item_by_item_with_labels(
    before: list[str], after: list[str], added: list[str], removed: list[str]
) -> None:
    def dests(ids: list[str]) -> list[dict[str, str]]:
        return [{"type": "target_integration", "id": i} for i in ids]

    change = diff_report(spec(destinations=dests(after)), remote("r1", destinations=dests(before)), LABELS)
    assert change is not None
    [field] = change.fields
    assert field.name == "destinations"
    assert [d.id for d in field.added] == added and [d.id for d in field.removed] == removed
    shown = {d.id: d.label for d in (*field.added, *field.removed)}
    assert shown == {i: LABELS.get(("target_integration", i), "") for i in added + removed}


def test_reordered_destinations_and_labels_are_not_changes() -> None:
    mine = [
        {"type": "target_integration", "id": "int-wh-01", "label": "mine"},
        {"type": "target_integration", "id": "int-slack-01"},
    ]
    theirs = [
        {"type": "target_integration", "id": "int-slack-01", "label": "Slack"},
        {"type": "target_integration", "id": "int-wh-01", "label": "Webhooks: other"},
    ]
    plan = build_plan([spec(destinations=mine)], [remote("r1", destinations=theirs)], DESTS)
    assert plan.changes == () and plan.unchanged == 1


def test_environment_is_part_of_identity() -> None:
    plan = build_plan([spec(environment="sandbox")], [remote("r1")], DESTS)
    assert [c.action for c in plan.changes] == ["create"]
    assert [u.remote_id for u in plan.unmanaged] == ["r1"]


def test_unmanaged_listed_not_deleted_without_prune() -> None:
    plan = build_plan([], [remote("r1", "Old")], DESTS)
    assert plan.changes == ()
    assert [(u.remote_id, u.report_name) for u in plan.unmanaged] == [("r1", "Old")]


def test_prune_deletes_unmanaged_with_fingerprint() -> None:
    old = remote("r1", "Old")
    plan = build_plan([], [old], DESTS, PlanOptions(prune=True))
    [change] = plan.changes
    assert (change.action, change.remote_id, change.file) == ("delete", "r1", None)
    assert change.fingerprint == fingerprint(old.payload)


def test_prune_spares_ignored_globs() -> None:
    plan = build_plan(
        [],
        [remote("r1", "Manual: CEO"), remote("r2", "Old")],
        DESTS,
        PlanOptions(prune=True, ignore=("Manual:*",)),
    )
    assert [c.remote_id for c in plan.changes] == ["r2"]
    assert [u.ignored for u in plan.unmanaged] == [True, False]


def test_ambiguous_identity_fails_with_both_ids_and_pin_hint() -> None:
    with pytest.raises(PlanError) as info:
        build_plan([spec()], [remote("a1"), remote("b2")], DESTS)
    assert "a1, b2" in info.value.full_text and "id: a1" in info.value.full_text
    assert info.value.problems[0].file == "reports/Daily.yaml"


def test_pinned_id_matches_despite_new_name() -> None:
    plan = build_plan([spec("New name", pinned="r1")], [remote("r1", "Old name")], DESTS)
    [change] = plan.changes
    assert change.action == "update" and change.remote_id == "r1"
    assert [(f.name, f.old, f.new) for f in change.fields] == [("report_name", "Old name", "New name")]


def test_pinned_id_missing_is_an_error_not_a_create() -> None:
    with pytest.raises(PlanError) as info:
        build_plan([spec(pinned="gone")], [], DESTS)
    assert '"gone" is pinned but no remote report has it' in info.value.full_text


def test_pinned_remote_is_not_matched_by_name_again() -> None:
    # r1 is renamed from "Daily" by a pinned file; another file named "Daily" is a new report.
    plan = build_plan([spec("Renamed", pinned="r1"), spec("Daily")], [remote("r1", "Daily")], DESTS)
    assert sorted(c.action for c in plan.changes) == ["create", "update"]


def test_unknown_destination_names_file_and_suggests() -> None:
    with pytest.raises(PlanError) as info:
        build_plan([spec(destinations=[{"type": "target_integration", "id": "int-wh-1"}])], [], DESTS)
    text = info.value.full_text
    assert "reports/Daily.yaml" in text and "int-wh-1" in text and "did you mean int-wh-01" in text
    assert "known ids: int-slack-01, int-wh-01" in text


def test_targets_restrict_changes_and_prune() -> None:
    desired = [spec("Daily a", send_at="10:00"), spec("Weekly", send_at="10:00")]
    existing = [remote("r1", "Daily a"), remote("r2", "Weekly"), remote("r3", "Daily old")]
    plan = build_plan(desired, existing, DESTS, PlanOptions(prune=True, targets=("Daily*",)))
    assert sorted((c.action, c.remote_id) for c in plan.changes) == [("delete", "r3"), ("update", "r1")]
    assert plan.partial


def test_threshold_refuses_large_share_and_spares_small_projects() -> None:
    existing = [remote(f"r{i}", f"R{i}") for i in range(10)]
    desired = [spec(f"R{i}", send_at="10:00" if i < 4 else "09:00") for i in range(10)]
    plan = build_plan(desired, existing, DESTS)
    assert "4 of 10" in (threshold_breach(plan) or "")
    assert threshold_breach(build_plan(desired, existing, DESTS, PlanOptions(max_change_percent=50))) is None
    small = build_plan(desired[:4], existing[:4], DESTS)
    assert threshold_breach(small) is None


def test_creates_do_not_count_toward_threshold() -> None:
    existing = [remote(f"r{i}", f"R{i}") for i in range(10)]
    desired = [spec(f"R{i}") for i in range(10)] + [spec(f"New{i}") for i in range(20)]
    assert threshold_breach(build_plan(desired, existing, DESTS)) is None


def test_normalize_drops_server_fields_and_sorts_destinations() -> None:
    full = remote(
        "r1",
        destinations=[
            {"type": "target_integration", "id": "b", "label": "x"},
            {"type": "target_integration", "id": "a"},
            {"type": "target_integration", "id": "a"},
        ],
    ).payload
    assert normalize(full) == payload(
        destinations=[{"type": "target_integration", "id": "a"}, {"type": "target_integration", "id": "b"}]
    )


def test_fingerprint_ignores_labels_and_server_fields() -> None:
    a = remote("r1").payload
    b = remote("r1").payload | {"runs": 99, "updated_at": "later"}
    b["destinations"] = [{"type": "target_integration", "id": "int-wh-01", "label": "renamed"}]
    assert fingerprint(a) == fingerprint(b)
    assert fingerprint(a) != fingerprint(remote("r1", send_at="10:00").payload)
