"""The API's fixed vocabulary, shared by the schema checks, the planner and the emulator."""

from __future__ import annotations

import re

SEND_AT_SLOTS: tuple[str, ...] = tuple(f"{h:02d}:{m:02d}" for h in range(24) for m in (0, 30))
RANGE_DAYS: tuple[int, ...] = (1, 3, 7)
STATUSES: tuple[str, ...] = ("draft", "active")
ENVIRONMENTS: tuple[str, ...] = ("sandbox", "production")
DESTINATION_TYPES: tuple[str, ...] = ("target_integration",)
REPORT_NAME_MAX = 255
ID_PATTERN = r"^[a-zA-Z0-9._-]{1,256}$"
ID_RE = re.compile(ID_PATTERN)

# The six fields a client may write, in the canonical order files and payloads use.
WRITABLE_FIELDS: tuple[str, ...] = (
    "report_name",
    "send_at",
    "included_range_days",
    "status",
    "environment",
    "destinations",
)
# Fields only the server sets; dropped before any comparison.
SERVER_FIELDS: tuple[str, ...] = ("object", "id", "url", "runs", "created_at", "updated_at")

DEFAULT_API_URL = "https://api.qonversion.io/v4"
KEY_ENV = "QONVERSION_SECRET_KEY"
URL_ENV = "QONVERSION_API_URL"
KEY_PREFIXES: tuple[str, ...] = ("sk_", "test_sk_")
PAGE_LIMIT = 100
RESTART_HEADER = "X-Qon-Pagination-Restarted"

# The key the emulator accepts unless told otherwise: documented in the README, never a real key.
EMULATOR_DEMO_KEY = "test_sk_reportsync_emulator_demo"

# Default destinations the emulator offers; the example reports use these ids.
DEFAULT_DESTINATIONS: tuple[dict[str, str], ...] = (
    {"type": "target_integration", "id": "int-wh-01", "label": "Webhooks: Release alerts"},
    {"type": "target_integration", "id": "int-wh-02", "label": "Webhooks: Finance data lake"},
    {"type": "target_integration", "id": "int-slack-01", "label": "Slack: #growth"},
    {"type": "target_integration", "id": "int-slack-02", "label": "Slack: #sandbox-qa"},
)
