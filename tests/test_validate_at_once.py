"""Validate shows every problem it can find offline in one run: schema, repeated destinations, clashes."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import REPORT_YAML, run_cli

DUPLICATE_DESTINATION = REPORT_YAML + "  - type: target_integration\n    id: int-wh-01\n"


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (  # a schema error and a clash with another file: both at once
            {"a.yaml": REPORT_YAML.replace('"09:00"', '"09:10"'), "b.yaml": REPORT_YAML},
            [
                "reports/a.yaml:2:10: send_at:",
                'reports/b.yaml:1: report "Daily revenue" (production) is also declared in reports/a.yaml:1',
            ],
        ),
        (  # a destination listed twice beside a schema error in the same document
            {"a.yaml": DUPLICATE_DESTINATION.replace("status: active", "status: on")},
            [
                "reports/a.yaml:4:9: status:",
                "reports/a.yaml:9:5: destinations[1]: int-wh-01 is already listed as destinations[0]",
            ],
        ),
        (  # a pinned id twice, both files otherwise invalid
            {
                "a.yaml": "id: r-1\n"
                + REPORT_YAML.replace("included_range_days: 1", "included_range_days: x"),
                "b.yaml": "id: r-1\n" + REPORT_YAML.replace("Daily", "Other").replace("status: active\n", ""),
            },
            [
                "reports/a.yaml:4:22: included_range_days:",
                "reports/b.yaml:1:1: status: missing",
                'reports/b.yaml:1: id "r-1" is also pinned in reports/a.yaml:1',
            ],
        ),
    ],
)
def test_every_offline_problem_in_one_run(tmp_path: Path, files: dict[str, str], expected: list[str]) -> None:
    (tmp_path / "reports").mkdir()
    for name, text in files.items():
        (tmp_path / "reports" / name).write_text(text, encoding="utf-8")
    result = run_cli("validate", cwd=tmp_path)
    assert result.code == 1
    lines = result.out.splitlines()
    for start in expected:
        assert any(line.startswith(start) for line in lines), (start, result.out)
    bad = len({line.split(":")[0] for line in lines[:-1]})
    count, total = len(lines) - 1, len(files)
    problems = f"{count} problem{'s' if count > 1 else ''}"
    assert lines[-1] == f"{problems} in {bad} of {total} file{'s' if total > 1 else ''}."
