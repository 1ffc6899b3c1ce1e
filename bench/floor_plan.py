"""The floor of `reportsync plan`: only the unavoidable work, timed beside the real command.

Start Python, import what plan truly needs (yaml, requests, json) and the toolkit every comparable CLI
uses (argparse, dataclasses: ../shared/perf-notes.md, issue 15), parse its command line, parse every file
with libyaml's C loader, fetch every page (limit=100, starting_after) and the destinations over ONE
keep-alive session, compare dicts.
Usage: floor_plan.py DIR (key and URL from QONVERSION_SECRET_KEY / QONVERSION_API_URL).
Prints the number of differing reports; exits 1 if any differ, so a wrong floor cannot look fast.
"""

import argparse
import dataclasses  # noqa: F401  (part of the floor: every comparable CLI keeps its data in dataclasses)
import json
import os
import sys

import requests
import yaml

FIELDS = ("report_name", "send_at", "included_range_days", "status", "environment")


def comparable(report):
    out = {k: report.get(k) for k in FIELDS}
    out["destinations"] = sorted((d["type"], d["id"]) for d in report["destinations"])
    return out


def desired(folder):
    found = {}
    for root, _, files in os.walk(folder):
        for name in files:
            if name.endswith((".yaml", ".yml")):
                with open(os.path.join(root, name), "rb") as handle:
                    data = yaml.load(handle.read(), Loader=yaml.CSafeLoader)
                found[(data["environment"], data["report_name"])] = comparable(data)
    return found


def fetch(session, url, path):
    items, cursor = [], None
    while True:
        params = {"limit": 100}
        if cursor:
            params["starting_after"] = cursor
        page = json.loads(session.get(url + path, params=params).content)
        items.extend(page["data"])
        if not page["has_more"]:
            return items
        cursor = page["next_cursor"] or page["data"][-1]["id"]


def main():
    parser = argparse.ArgumentParser(prog="floor")
    parser.add_argument("folder")
    folder = parser.parse_args().folder
    url = os.environ["QONVERSION_API_URL"]
    want = desired(folder)
    with requests.Session() as session:
        session.headers["Authorization"] = "Bearer " + os.environ["QONVERSION_SECRET_KEY"]
        remote = fetch(session, url, "/scheduled-reports")
        fetch(session, url, "/scheduled-reports/destinations")
    have = {(r["environment"], r["report_name"]): comparable(r) for r in remote}
    differ = sum(1 for k, v in want.items() if have.get(k) != v) + len(have.keys() - want.keys())
    print(f"{len(want)} desired, {len(have)} remote, {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
