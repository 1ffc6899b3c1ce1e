"""What `reportsync init` prints: the files it created and skipped, then the next steps."""

from __future__ import annotations

from reportsync.constants import KEY_ENV
from reportsync.render import quoted
from reportsync.scaffold import Outcome


def init_text(directory: str, outcome: Outcome, action: str) -> str:
    """The created and skipped files (relative paths), then numbered next steps."""
    lines = [f"Set up {quoted(directory)} for reportsync (workflows use {action})."]
    lines += ["Created:", *(f"  + {path}" for path in outcome.created)] if outcome.created else []
    if outcome.skipped:
        lines += ["Skipped (already there, left as they are):", *(f"  = {path}" for path in outcome.skipped)]
    if outcome.unignored:
        *most, last = outcome.unignored
        files = f"{', '.join(most)} and {last}" if most else last
        lines.append(f"Add {files} to your .gitignore (saved plans).")
    lines += [
        "",
        "Next steps:",
        "  1. Try it without a key: reportsync validate && reportsync plan --emulator",
        "  2. List your project's destinations (reportsync destinations) and put one of their ids",
        "     in reports/daily-revenue.yaml.",
        f"  3. Create the repository secret {KEY_ENV} (Settings → Secrets and variables → Actions)",
        "     with the project's secret key (sk_...); export it here too.",
        "  4. Your first real plan: reportsync plan",
        "  5. Commit, push and open a pull request: the plan workflow comments the plan; merging applies it.",
        "     Optional: pre-commit install (validates report files on every commit).",
    ]
    return "\n".join(lines)
