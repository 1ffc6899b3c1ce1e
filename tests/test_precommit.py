"""The reportsync-validate hook, run by pre-commit itself (`pre-commit try-repo`) in a report repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPORT_YAML, run_cli

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# pre-commit builds the hook's environment with pip from the package index; offline without one it cannot.
NO_ENVIRONMENT = (
    "Could not find a version that satisfies",
    "No matching distribution",
    "Failed to establish",
)


def git(repo: Path, *argv: str) -> None:
    subprocess.run(["git", "-C", str(repo), *argv], check=True, capture_output=True, timeout=60)


def try_repo(repo: Path, home: Path, *files: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("pre-commit", path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if binary is None:
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    argv = [binary, "try-repo", str(ROOT), "reportsync-validate", "--files", *files]
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    env.pop("GITHUB_ACTIONS", None)
    done = subprocess.run(argv, cwd=repo, env=env, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0 and any(text in done.stdout + done.stderr for text in NO_ENVIRONMENT):
        pytest.skip("pre-commit cannot build the hook's environment here (no package index)")
    return done


def test_the_hook_checks_the_changed_files_against_their_folder(tmp_path: Path) -> None:
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("pre-commit try-repo needs git and reportsync's git checkout")
    repo, home = tmp_path / "repo", tmp_path / "pre-commit-home"
    repo.mkdir()
    git(repo, "init", "-q")
    assert run_cli("init", cwd=repo).code == 0
    (repo / "reports" / "broken.yaml").write_text(REPORT_YAML.replace('"09:00"', '"09:15"'), encoding="utf-8")
    clash = REPORT_YAML.replace("Daily revenue", "Weekly churn")
    (repo / "reports" / "churn.yaml").write_text(clash, encoding="utf-8")
    (repo / "reports" / "churn-again.yaml").write_text(clash, encoding="utf-8")
    git(repo, "add", "-A")

    good = try_repo(repo, home, "reports/daily-revenue.yaml", "reportsync.yaml", ".pre-commit-config.yaml")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "reportsync validate" in good.stdout and "Passed" in good.stdout

    bad = try_repo(repo, home, "reports/churn-again.yaml", "reports/daily-revenue.yaml")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout
    assert 'reports/churn-again.yaml:1: report "Weekly churn" (production) is also declared in' in bad.stdout
    assert "broken.yaml" not in bad.stdout  # a file the commit does not change is not reported
