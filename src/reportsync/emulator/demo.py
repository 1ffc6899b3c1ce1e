"""The demo project: what `--emulator` runs and `reportsync emulator --demo` serves before any change."""

from __future__ import annotations

from typing import Any

# The ids of the demo project (the README's `i0VpEBOW`): `--emulator` and `emulator --demo` both use it.
DEMO_SEED = 1

# Chosen so that a newcomer's first plan of the example reports shows a create, an update and an
# unmanaged report rather than only creates.
DEMO_REPORTS: tuple[dict[str, Any], ...] = (
    {
        "report_name": "Growth snapshot",
        "send_at": "08:00",
        "included_range_days": 3,
        "status": "active",
        "environment": "production",
        "destinations": [{"type": "target_integration", "id": "int-slack-01"}],
    },
    {
        "report_name": "Legacy churn export",
        "send_at": "06:00",
        "included_range_days": 7,
        "status": "draft",
        "environment": "production",
        "destinations": [{"type": "target_integration", "id": "int-wh-02"}],
    },
)
