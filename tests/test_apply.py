"""apply_plan against the emulator with a short client timeout: the ambiguous-create rules."""

from __future__ import annotations

import time
from collections import Counter

from helpers import KEY, report

from reportsync.apply import apply_plan
from reportsync.client import Client
from reportsync.emulator import Emulator
from reportsync.models import DesiredReport, RemoteReport
from reportsync.plan import build_plan
from reportsync.retry import Limits
from reportsync.settings import Settings


def plan_for(client: Client, names: list[str]):  # type: ignore[no-untyped-def]
    desired = [DesiredReport(report(n), f"reports/{n}.yaml", 1) for n in names]
    return build_plan(desired, client.list_reports(), client.list_destinations())


def names(emu: Emulator) -> Counter[str]:
    return Counter(r["report_name"] for r in emu.reports())


def test_create_that_times_out_before_the_server_stores_it_is_never_posted_twice(emulator: Emulator) -> None:
    client = Client(Settings(emulator.url, KEY), timeout=(1.0, 0.5))
    plan = plan_for(client, ["Slow"])
    # The server sleeps past the client's read timeout, then stores the report.
    emulator.faults.slow("POST", "/scheduled-reports", 1.0, count=1, process_first=False)
    result = apply_plan(plan, client)
    assert [r.status for r in result.results] == ["failed"]
    assert (
        "outcome is unknown" in result.results[0].message and "run apply again" in result.results[0].message
    )
    deadline = time.monotonic() + 5
    while not emulator.reports() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert names(emulator) == Counter({"Slow": 1})
    assert plan_for(client, ["Slow"]).changes == ()  # the rerun adopts it: nothing to do


def test_second_post_after_a_5xx_reuses_the_idempotency_key(emulator: Emulator) -> None:
    client = Client(Settings(emulator.url, KEY))
    sent: list[str | None] = []
    original = client.create_report

    def spy(body: dict, idempotency_key: str | None = None) -> RemoteReport:  # type: ignore[type-arg]
        sent.append(idempotency_key)
        return original(body, idempotency_key)

    client.create_report = spy  # type: ignore[method-assign]
    emulator.faults.fail("POST", "/scheduled-reports", 503, count=1)
    result = apply_plan(plan_for(client, ["Retried"]), client)
    assert [r.status for r in result.results] == ["applied"]
    assert len(sent) == 2 and sent[0] == sent[1] and sent[0]
    assert names(emulator) == Counter({"Retried": 1})


def test_failed_re_read_keeps_the_unknown_outcome(emulator: Emulator) -> None:
    client = Client(Settings(emulator.url, KEY), limits=Limits(max_attempts=1))
    plan = plan_for(client, ["Dropped"])
    emulator.faults.ambiguous_creates(1)
    emulator.faults.fail("GET", "/scheduled-reports", 500, count=1)
    result = apply_plan(plan, client)
    message = result.results[0].message
    assert result.results[0].status == "failed"
    assert "outcome is unknown" in message and "re-reading to check failed" in message
    assert names(emulator) == Counter({"Dropped": 1})
