"""Where the packaged JSON Schemas live, and reading them."""

from __future__ import annotations

import os
from functools import cache

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SCHEMA_DIR = os.path.join(os.path.dirname(__file__), "schema")
REPORT_SCHEMA = "scheduled-report.schema.json"
CONFIG_SCHEMA = "reportsync-config.schema.json"


def schema_path(name: str = REPORT_SCHEMA) -> str:
    return os.path.join(SCHEMA_DIR, name)


def schema_text(name: str = REPORT_SCHEMA) -> str:
    with open(schema_path(name), encoding="utf-8") as handle:
        return handle.read()


@cache
def load_schema(name: str = REPORT_SCHEMA) -> dict[str, Any]:
    import json  # only an invalid file (or the config) reads a schema; valid reports never do

    data: dict[str, Any] = json.loads(schema_text(name))
    return data
