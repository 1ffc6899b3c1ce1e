"""Renderers as pure functions of a Plan or ApplyResult."""

from __future__ import annotations

import json

from helpers import report

from reportsync.apply import ApplyResult, ChangeResult
from reportsync.models import DesiredReport, Destination, RemoteReport
from reportsync.plan import PlanOptions, build_plan
from reportsync.render.plan import MARKDOWN_LIMIT, plan_json, render_plan_markdown, render_plan_text
from reportsync.render.result import render_result_text, result_json

DESTS = (Destination("target_integration", "int-wh-01"),)
BASE = report("Daily", send_at="08:00")


def sample_plan(names: int = 1):  # type: ignore[no-untyped-def]
    desired = [DesiredReport(BASE | {"send_at": "09:30"}, "reports/daily.yaml", 1)]
    desired += [
        DesiredReport(BASE | {"report_name": f"New {i}"}, f"reports/new{i}.yaml", 1) for i in range(names)
    ]
    remote = [
        RemoteReport("r1", BASE | {"id": "r1"}),
        RemoteReport("r9", BASE | {"id": "r9", "report_name": "Old"}),
    ]
    return build_plan(desired, remote, DESTS, PlanOptions(prune=True))


def test_text_is_terraform_shaped() -> None:
    text = render_plan_text(sample_plan())
    assert '  ~ update "Daily" (production) id r1 from reports/daily.yaml' in text
    assert '      ~ send_at: "08:00" -> "09:30"' in text
    assert '  + create "New 0" (production) from reports/new0.yaml' in text
    assert '  - delete "Old" (production) id r9' in text
    assert text.endswith("Plan: 1 to create, 1 to update, 1 to delete. (0 unchanged, 1 unmanaged)")


def test_empty_plan_says_no_changes() -> None:
    plan = build_plan([DesiredReport(BASE, "reports/daily.yaml", 1)], [RemoteReport("r1", BASE)], DESTS)
    assert render_plan_text(plan).startswith("No changes. Remote reports match reports/.")


def test_json_shape() -> None:
    data = json.loads(json.dumps(plan_json(sample_plan())))
    assert data["format_version"] == "1"
    assert data["summary"] == {"create": 1, "update": 1, "delete": 1, "unchanged": 0, "unmanaged": 1}
    update = next(c for c in data["changes"] if c["action"] == "update")
    assert update["id"] == "r1" and update["file"] == "reports/daily.yaml"
    assert update["fields"] == [{"name": "send_at", "old": "08:00", "new": "09:30"}]
    create = next(c for c in data["changes"] if c["action"] == "create")
    assert create["id"] is None and create["before"] is None and create["after"]["report_name"] == "New 0"


def test_markdown_keeps_summary_and_fits_limit() -> None:
    big = render_plan_markdown(sample_plan(names=2500))
    assert len(big) <= MARKDOWN_LIMIT
    assert "**Plan: 2500 to create, 1 to update, 1 to delete." in big
    assert "more lines not shown" in big and big.rstrip().endswith("</details>")
    small = render_plan_markdown(sample_plan())
    assert "<details>" in small and "not shown" not in small


def test_result_text_and_json() -> None:
    plan = sample_plan()
    results = (
        ChangeResult(plan.changes[0], "applied", "r1"),
        ChangeResult(plan.changes[1], "failed", None, "POST /scheduled-reports → 400 invalid_data: x"),
        ChangeResult(plan.changes[2], "skipped", "r9", "not attempted"),
    )
    result = ApplyResult(results)
    text = render_result_text(result)
    assert "failed" in text and "400 invalid_data" in text
    assert text.endswith("Apply finished with errors: 0 created, 1 updated, 0 deleted. 1 failed, 1 skipped.")
    data = result_json(result)
    assert data["summary"] == {"created": 0, "updated": 1, "deleted": 0, "failed": 1, "skipped": 1}
    assert render_result_text(ApplyResult((results[0],))).endswith(
        "Apply complete: 0 created, 1 updated, 0 deleted."
    )


def test_a_destination_change_shows_each_item_with_its_label() -> None:
    desired = DesiredReport(
        {**BASE, "destinations": [{"type": "target_integration", "id": "int-slack-01"}]}, "reports/a.yaml", 1
    )
    remote = RemoteReport("r1", {**BASE, "id": "r1"})
    dests = (*DESTS, Destination("target_integration", "int-slack-01", "Slack: #growth"))
    text = render_plan_text(build_plan([desired], [remote], dests))
    assert "      ~ destinations:\n          - int-wh-01\n          + int-slack-01 (Slack: #growth)" in text
