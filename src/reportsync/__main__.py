"""Allow `python -m reportsync`."""

from reportsync.cli import main

raise SystemExit(main())
