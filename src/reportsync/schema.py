"""Where the packaged JSON Schemas live, and reading them."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_DIR = Path(__file__).parent / "schema"
REPORT_SCHEMA = "scheduled-report.schema.json"


def schema_path(name: str = REPORT_SCHEMA) -> Path:
    return SCHEMA_DIR / name


def schema_text(name: str = REPORT_SCHEMA) -> str:
    return schema_path(name).read_text(encoding="utf-8")


@cache
def load_schema(name: str = REPORT_SCHEMA) -> dict[str, Any]:
    import json  # validate's fast path never reads the schema (reportsync/report_check.py is built from it)

    data: dict[str, Any] = json.loads(schema_text(name))
    return data
