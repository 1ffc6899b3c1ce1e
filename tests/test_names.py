"""Names as written and as stored: escaping, near-equality, and the write checks built on them."""

from __future__ import annotations

import pytest
from helpers import report

from reportsync.apply import ApplyResult, ChangeResult
from reportsync.models import Destination, RemoteReport, normalize
from reportsync.names import escaped, loose_name, name_oddities
from reportsync.plan import Change
from reportsync.verify import answer_mismatch, unconverged


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Weekly KPIs\u00a0", '"Weekly KPIs\\u00a0"'),
        ("Weekly KPIs ", '"Weekly KPIs "'),
        ("Cafe\u0301", '"Cafe\\u0301"'),
        ("Café", '"Café"'),
        ("a\u200bb", '"a\\u200bb"'),
        ("tab\there\n", '"tab\\there\\n"'),
        ('say "hi" \\', '"say \\"hi\\" \\\\"'),
        ("\u2028", '"\\u2028"'),
        ("\U000e0001", '"\\U000e0001"'),
    ],
)
def test_escaped_shows_every_invisible_character(text: str, shown: str) -> None:
    assert escaped(text) == shown


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Weekly KPIs ", "Weekly KPIs"),
        ("Weekly KPIs\u00a0", "Weekly KPIs"),
        ("Cafe\u0301", "Café"),
        ("\tX\u3000", "X"),
        ("X\ufeff", "X"),  # JavaScript's trim()
        ("\x01X\x1f", "X"),  # Java's String.trim()
        ("\ufeffCafe\u0301\u00a0", "Café"),
    ],
)
def test_loose_names_are_equal(a: str, b: str) -> None:
    assert loose_name(a) == loose_name(b)


@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("Plain", 0),
        ("Café", 0),
        (" lead", 1),
        ("Cafe\u0301", 1),
        ("bell\u0007", 1),
        ("\u200bzw", 1),
        ("e\u0301 ", 2),
    ],
)
def test_name_oddities_counts_each_kind(name: str, count: int) -> None:
    assert len(name_oddities(name)) == count


def _create(name: str) -> Change:
    body = report(name)
    return Change("create", "production", name, None, "r.yaml", 1, None, normalize(body), body=body)


@pytest.mark.parametrize(
    ("held", "expected"),
    [
        ({"report_name": "A"}, ""),
        ({"report_name": "A "}, 'report_name "A " (sent "A")'),
        ({"included_range_days": "1"}, 'included_range_days "1" (sent 1)'),
        ({"status": "draft"}, 'status "draft" (sent "active")'),
        ({"destinations": []}, "destinations [] (sent [target_integration:int-wh-01])"),
    ],
)
def test_answer_mismatch_compares_the_fields_the_answer_holds(held: dict[str, object], expected: str) -> None:
    answer = RemoteReport("x1", {**report("A"), **held})
    found = answer_mismatch(report("A"), answer, None)
    assert (expected in found) if expected else found == ""
    assert answer_mismatch(report("A"), RemoteReport("x1", {"id": "x1"}), None) == ""  # minimal answer


def test_answer_for_another_id_is_a_mismatch() -> None:
    assert 'answered for id "x2", not "x1"' in answer_mismatch(
        report("A"), RemoteReport("x2", report("A")), "x1"
    )


def test_unconverged_marks_each_kind_of_divergence() -> None:
    changes = [_create(n) for n in ("Same", "Renamed", "Gone", "Twin")]
    delete = Change("delete", "production", "Old", "d1", None, 0, normalize(report("Old")), None)
    results = [ChangeResult(c, "applied", f"id{i}") for i, c in enumerate(changes)]
    results += [ChangeResult(delete, "applied", "d1"), ChangeResult(_create("F"), "failed", None, "boom")]
    remote = [
        RemoteReport("id0", report("Same")),
        RemoteReport("id1", report("Renamed!")),
        RemoteReport("id3", report("Twin")),
        RemoteReport("id9", report("Twin")),
        RemoteReport("d1", report("Old")),
    ]
    out = unconverged(ApplyResult(tuple(results)), remote)
    assert [r.status for r in out.results] == ["applied", "failed", "failed", "failed", "failed", "failed"]
    messages = [r.message for r in out.results]
    assert 'report_name "Renamed!" (sent "Renamed")' in messages[1]
    assert 'no report with id "id2"' in messages[2]
    assert '2 reports named "Twin"' in messages[3]
    assert 'still holds id "d1"' in messages[4]
    assert messages[5] == "boom"


def test_plans_and_messages_show_names_escaped() -> None:
    from reportsync.render import quoted, value

    assert value("Weekly KPIs\u00a0") == quoted("Weekly KPIs\u00a0") == '"Weekly KPIs\\u00a0"'
    assert value(7) == "7" and value("7") == '"7"'


NEAR_CASES = [
    # (desired names, remote names, pinned first desired to remote 0, refused)
    (["Weekly KPIs "], ["Weekly KPIs"], False, True),
    (["Cafe\u0301 daily"], ["Café daily"], False, True),
    (["\u00a0Revenue"], ["Revenue"], False, True),
    (["Weekly KPIs"], ["Weekly KPIs"], False, False),  # exact: matched, an update or nothing
    (["Weekly KPIs "], ["Weekly KPIs"], True, False),  # pinned by id: matched by id
    # the remote one is claimed, but a trimming server would hold the new one under the same name
    (["Weekly KPIs", "Weekly KPIs "], ["Weekly KPIs"], False, True),
    (["Weekly KPIs", "Weekly KPIs "], [], False, True),  # two new files, one name once trimmed
    (["Weekly KPIs", "Weekly KPIs"], [], False, False),  # exact twins: validate's duplicate, not this
    (["Weekly KPIs", "Weekly KPIs"], [], False, False),  # inner spaces are not trimmed
    (["Weekly"], ["Weekly KPIs"], False, False),
]


@pytest.mark.parametrize(("desired", "remote", "pinned", "refused"), NEAR_CASES)
def test_a_create_beside_a_near_named_unmanaged_report_is_refused(
    desired: list[str], remote: list[str], pinned: bool, refused: bool
) -> None:
    from reportsync.errors import PlanError
    from reportsync.models import DesiredReport
    from reportsync.plan import build_plan

    rems = [RemoteReport(f"id{i}", report(n)) for i, n in enumerate(remote)]
    specs = [
        DesiredReport(report(n), f"r{i}.yaml", 1, "id0" if pinned and i == 0 else None)
        for i, n in enumerate(desired)
    ]
    dests = [Destination("target_integration", "int-wh-01")]
    if refused:
        with pytest.raises(PlanError) as caught:
            build_plan(specs, rems, dests)
        said = caught.value.problems[0].message
        assert "add `id: id0` to the file" in said or "write the name the same way in both files" in said
    else:
        build_plan(specs, rems, dests)
