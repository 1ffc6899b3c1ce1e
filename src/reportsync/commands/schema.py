"""`reportsync schema`: print the JSON Schema of report files or of reportsync.yaml."""

from __future__ import annotations

from reportsync.console import Console
from reportsync.errors import ExitStatus
from reportsync.schema import CONFIG_SCHEMA, REPORT_SCHEMA, schema_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from argparse import Namespace


def run(args: Namespace, console: Console) -> int:
    console.print(schema_text(REPORT_SCHEMA if args.name == "report" else CONFIG_SCHEMA).rstrip("\n"))
    return ExitStatus.OK
