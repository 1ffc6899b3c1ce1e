"""`reportsync doctor`: first contact with an API — read-only checks of what reportsync relies on."""

from __future__ import annotations

from reportsync.client import DESTINATIONS, MAX_PAGES, REPORTS, Client
from reportsync.commands import projects_of
from reportsync.connection import open_client
from reportsync.console import Console
from reportsync.constants import PAGE_LIMIT
from reportsync.doctor import PROBE_LIMIT, Check, Observed, checks, shapes
from reportsync.envelope import api_error, read_json
from reportsync.errors import ExitStatus
from reportsync.render import by_project, json_text, project_heading
from reportsync.render.doctor import doctor_json, doctor_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from argparse import Namespace
    from typing import Any


class _Refused(Exception):
    """The API refused a read: the check that says so ends doctor's run for the project."""

    def __init__(self, check: Check) -> None:
        super().__init__(check.seen)
        self.check = check


def run(args: Namespace, console: Console) -> int:
    projects = projects_of(args)
    results: list[tuple[list[Check], dict[str, Any], str]] = []
    for project in projects:
        with open_client(project, console, args.emulator, args.timeout) as client:
            results.append(examine(client))
    many = len(results) > 1
    if args.format == "json":
        docs = [doctor_json(found, shape) for found, shape, _ in results]
        names = [p.name for p in projects]
        console.print(json_text(by_project(names, docs)))
    else:
        for project, (found, _, url) in zip(projects, results, strict=True):
            if many:
                console.print(project_heading(project.name, console.paint))
            console.print(doctor_text(url, found, console.paint))
    failing = any(c.fails for found, _, _ in results for c in found)
    return ExitStatus.ERROR if failing else ExitStatus.OK


def examine(client: Client) -> tuple[list[Check], dict[str, Any], str]:
    """(the checks, the shapes of what was read, the API URL); only GET requests are made."""
    times: list[float] = []
    try:
        first, headers = _get(client, REPORTS, {"limit": PROBE_LIMIT}, times)
        reports = _all_reports(client, first, times)
        destinations, _ = _get(client, DESTINATIONS, {"limit": PAGE_LIMIT}, times)
    except _Refused as refused:
        return [refused.check], {}, client.api_url
    seen = Observed(first, reports, destinations, times, headers)
    shape = {"report": shapes(reports[0]) if reports else None, "destinations": shapes(destinations)}
    return checks(seen), shape, client.api_url


def _get(client: Client, path: str, params: dict[str, Any], times: list[float]) -> tuple[Any, dict[str, str]]:
    resp, seconds = client.probe(path, params)
    times.append(seconds)
    if not 200 <= resp.status_code < 300:
        err = api_error(resp, "GET", path)
        name = "key" if resp.status_code in (401, 403) else "reading " + path
        raise _Refused(Check(name, False, err.message.split(" → ", 1)[-1]))
    return read_json(resp, "GET", path), dict(resp.headers)


def _all_reports(client: Client, first: Any, times: list[float]) -> list[Any]:
    """Every report, following the pagination as served (bounded), without judging its items."""
    page: Any = first
    items: list[Any] = []
    for _ in range(MAX_PAGES):
        data = page if isinstance(page, list) else page.get("data") if isinstance(page, dict) else None
        if not isinstance(data, list):
            return items
        items += data
        more = isinstance(page, dict) and page.get("has_more") is True
        cursor = page.get("next_cursor") if isinstance(page, dict) else None
        cursor = cursor if isinstance(cursor, str) and cursor else _last_id(data)
        if not more or not data or cursor is None:
            return items
        page, _ = _get(client, REPORTS, {"limit": PAGE_LIMIT, "starting_after": cursor}, times)
    return items


def _last_id(data: list[Any]) -> str | None:
    last = data[-1] if data else None
    rid = last.get("id") if isinstance(last, dict) else None
    return rid if isinstance(rid, str) else None
