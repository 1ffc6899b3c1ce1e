"""Hostile text × output channels: what a terminal, the GitHub runner and a GFM renderer would see.

Every kind of hostile string (tests/channels.py HOSTILE) goes through every renderer (pure) and every
command path (the real CLI against the emulator); see RELIABILITY.md "Output channels".
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from channels import FILE_SAFE, HOSTILE, OUR_TAGS, gfm, runner_commands, terminal_controls
from helpers import KEY, CliResult, report, run_cli, write_reports

from reportsync.apply import ApplyResult, ChangeResult
from reportsync.console import Console, annotation
from reportsync.emulator import Emulator
from reportsync.errors import Problem
from reportsync.escape import shown
from reportsync.models import DesiredReport, Destination, RemoteReport
from reportsync.plan import PlanOptions, build_plan
from reportsync.render.listing import destinations_table, import_text
from reportsync.render.plan import render_plan_markdown, render_plan_text
from reportsync.render.result import render_result_markdown, render_result_text

KINDS = list(HOSTILE)
BASE = {
    "report_name": "Daily",
    "send_at": "08:00",
    "included_range_days": 1,
    "status": "active",
    "environment": "production",
    "destinations": [{"type": "target_integration", "id": "int-a"}],
}


def emitted(text: str, to_err: bool = False) -> str:
    """`text` as the console writes it to stdout (or as one stderr line)."""
    out, err = io.StringIO(), io.StringIO()
    console = Console(out, err)
    console.info(text) if to_err else console.print(text)
    return (err if to_err else out).getvalue()


def hostile_plan(text: str):  # type: ignore[no-untyped-def]
    """A plan where `text` is a created name, a file path, a remote id, a destination label and an
    unmanaged report's name: every place text from outside enters a plan."""
    dests = (
        Destination("target_integration", "int-a", text),
        Destination("target_integration", "int-b", text),
    )
    desired = [
        DesiredReport(BASE | {"report_name": text}, f"reports/{text}.yaml", 1),
        DesiredReport(
            BASE | {"report_name": "Moved", "destinations": [dict(type="target_integration", id="int-b")]},
            "reports/m.yaml",
            1,
        ),
    ]
    remote = [
        RemoteReport(f"id-{text}", BASE | {"id": f"id-{text}", "report_name": "Moved"}),
        RemoteReport("r9", BASE | {"id": "r9", "report_name": text, "environment": "sandbox"}),
    ]
    return build_plan(desired, remote, dests, PlanOptions())


def hostile_result(text: str) -> ApplyResult:
    plan = hostile_plan(text)
    return ApplyResult(tuple(ChangeResult(c, "failed", c.remote_id, text) for c in plan.changes))


@pytest.mark.parametrize("kind", KINDS)
def test_text_renderers_keep_their_lines_and_show_no_control(kind: str) -> None:
    text = HOSTILE[kind]
    for render in (
        lambda t: render_plan_text(hostile_plan(t)),
        lambda t: render_result_text(hostile_result(t)),
        lambda t: destinations_table([Destination(t, t, t)]),
        lambda t: import_text(t, [(t, RemoteReport(t, BASE | {"report_name": t}))], [], 0, False),
    ):
        shown_text, benign = emitted(render(text)), emitted(render("benign"))
        assert terminal_controls(shown_text) == [], shown_text
        assert runner_commands(shown_text) == [], shown_text
        assert shown_text.count("\n") == benign.count("\n"), shown_text  # no text from outside starts a line


def test_the_issue_instance_label_is_shown_escaped_in_the_plans_update_diff() -> None:
    label = "Ops\u001b]0;pwned\u0007\u001b[2J"
    text = emitted(render_plan_text(hostile_plan(label)))
    assert "          + int-b (Ops\\x1b]0;pwned\\x07\\x1b[2J)" in text
    assert "\x1b" not in text and "\x07" not in text


@pytest.mark.parametrize("kind", KINDS)
def test_console_lines_show_no_control_and_no_workflow_command(kind: str) -> None:
    for to_err in (False, True):
        text = emitted(f"prefix {HOSTILE[kind]} suffix", to_err)
        assert terminal_controls(text) == [] and runner_commands(text) == [], text
    line = emitted(HOSTILE[kind], to_err=True)
    assert line.count("\n") == 1  # a diagnostic is one line, whatever it holds


def test_console_keeps_its_own_colours_but_not_others() -> None:
    out = io.StringIO()
    console = Console(out, io.StringIO(), color=True)
    console.print(console.paint("+", "32") + " " + shown("\x1b[2J") + "\x1b]0;t\x07")
    assert out.getvalue() == "\x1b[32m+\x1b[0m \\x1b[2J\\x1b]0;t\\x07\n"


@pytest.mark.parametrize("kind", KINDS)
def test_annotations_are_one_command_with_githubs_escaping(kind: str) -> None:
    text = HOSTILE[kind]
    line = annotation(Problem(f"reports/{text}.yaml", 3, 1, text))
    commands = runner_commands(line)
    assert len(commands) == 1 and commands[0].startswith("::error file=reports/")
    assert terminal_controls(line) == [] and "\n" not in line


@pytest.mark.parametrize("kind", KINDS)
def test_markdown_shows_every_cell_literally(kind: str) -> None:
    text = HOSTILE[kind]
    for markdown, rows in (
        (render_plan_markdown(hostile_plan(text)), 3),
        (render_result_markdown(hostile_result(text)), 3),
    ):
        html = gfm(markdown)
        assert set(html.tags) <= OUR_TAGS, (set(html.tags) - OUR_TAGS, markdown)
        assert html.tags.count("strong") == 1 and html.tags.count("tr") == rows
        assert html.tags.count("details") <= 1 and html.tags.count("code") >= 2
        assert all(len(row) == len(html.cells[0]) for row in html.cells)  # no cell split or merged
        assert any(shown(text) in row for row in html.cells for row in row), html.cells
        assert "@" not in "".join(html.loose)  # a mention outside code would notify
        assert shown(text) in "".join(html.code)


@pytest.mark.parametrize("kind", [*KINDS, "pipe"])
def test_markdown_outside_tables_shows_names_literally(kind: str) -> None:
    """The list of remote reports no file declares is not a table: `|` needs no escape there, and an
    escape would show (`a\\|b`)."""
    text = HOSTILE.get(kind, "Revenue | EU")
    html = gfm(render_plan_markdown(hostile_plan(text)))
    in_lists = [c for c in html.list_code if c not in ("production", "sandbox") and not c.startswith("id-")]
    assert shown(text) in in_lists, in_lists


def test_markdown_names_from_the_issue_render_literally() -> None:
    for name in ("Revenue <EU> daily", "Churn for @finance-team"):
        html = gfm(render_plan_markdown(hostile_plan(name)))
        assert [name] == [c for c in html.cells[1] if c == name]


# -- command paths: the real CLI against the emulator ---------------------------------------------


def channels_clean(
    result: CliResult, summary: Path | None = None, own_annotations: int | None = None
) -> None:
    """What a terminal and the runner see of a run: no control, no workflow command but ours."""
    for stream in (result.out, result.err):
        assert terminal_controls(stream) == [], stream
    commands = runner_commands(result.out + "\n" + result.err)
    assert all(c.startswith("::error file=") for c in commands), commands
    if own_annotations is not None:
        assert len(commands) == own_annotations, commands
    if summary is not None and summary.exists():
        html = gfm(summary.read_text(encoding="utf-8"))
        assert set(html.tags) <= OUR_TAGS and "@" not in "".join(html.loose)


@pytest.fixture
def hostile_emulator() -> Emulator:
    labels = [{"type": "target_integration", "id": "int-wh-01", "label": v} for v in HOSTILE.values()][:1]
    labels += [
        {"type": "target_integration", "id": f"int-{i}", "label": v} for i, v in enumerate(HOSTILE.values())
    ]
    with Emulator(key=KEY, seed=3, destinations=labels) as emu:
        yield emu  # type: ignore[misc]


def ci_env(emu: Emulator, tmp_path: Path) -> dict[str, str]:
    return {
        "QONVERSION_SECRET_KEY": KEY,
        "QONVERSION_API_URL": emu.url,
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }


def test_every_command_shows_hostile_remote_data_as_data(tmp_path: Path, hostile_emulator: Emulator) -> None:
    emu, env = hostile_emulator, ci_env(hostile_emulator, tmp_path)
    for i, text in enumerate(HOSTILE.values()):
        emu.add_report(
            report(
                text, environment="sandbox", destinations=[{"type": "target_integration", "id": f"int-{i}"}]
            )
        )
    emu.add_report(report("Moved"))
    names = list(FILE_SAFE.values())
    files = [report(n, destinations=[{"type": "target_integration", "id": "int-0"}]) for n in names]
    folder = write_reports(
        tmp_path / "reports",
        [*files, report("Moved", destinations=[{"type": "target_integration", "id": "int-1"}])],
    )
    r = str(folder)
    for argv in (
        ("destinations",),
        ("plan", "--reports", r),
        ("plan", "--reports", r, "--format", "markdown"),
        ("import", "--reports", r, "--dry-run"),
        ("apply", "--reports", r, "--auto-approve"),
        ("plan", "--reports", r),
    ):
        result = run_cli(*argv, env=env)
        assert result.code == 0, (argv, result.err)
        channels_clean(result, tmp_path / "summary.md")
    listing = run_cli("destinations", env=env)
    assert "Ops\\x1b]0;pwned\\x07\\x1b[2J" in listing.out
    data = json.loads(run_cli("destinations", "--format", "json", env=env).out)
    assert [d["label"] for d in data][1:] == list(HOSTILE.values())  # JSON stays exact
    plan = json.loads(run_cli("plan", "--reports", r, "--format", "json", env=env).out)
    assert sorted(u["report_name"] for u in plan["unmanaged"]) == sorted(HOSTILE.values())


def test_hostile_api_error_texts_reach_no_channel_raw(tmp_path: Path, emulator: Emulator) -> None:
    env = ci_env(emulator, tmp_path)
    existing = emulator.add_report(report("Daily revenue", send_at="08:00"))
    folder = write_reports(tmp_path / "reports", [report()])
    for kind, text in HOSTILE.items():
        reason = shown(text).encode("latin-1", "replace").decode("latin-1").replace("\\", "\x1b")
        emulator.faults.error_text(text, code=text, details=((text, text),), reason=reason)
        for fmt in ("text", "json"):
            emulator.faults.fail("PUT", f"/scheduled-reports/{existing['id']}", 400)
            result = run_cli("apply", "--reports", str(folder), "--auto-approve", "--format", fmt, env=env)
            assert result.code == 4, (kind, result.err)
            channels_clean(result, tmp_path / "summary.md", own_annotations=1)
            if fmt == "json":
                assert text in json.loads(result.out)["results"][0]["message"]  # exact in JSON
        emulator.faults.error_text(text, reason=reason)
        emulator.faults.fail("GET", "/scheduled-reports/destinations", 500, count=9)
        result = run_cli("plan", "--reports", str(folder), env=env)
        assert result.code == 1 and "GET /scheduled-reports/destinations" in result.err, result.err
        channels_clean(result, own_annotations=0)
        emulator.faults.clear()


def test_hostile_file_names_and_values(tmp_path: Path, emulator: Emulator) -> None:
    env = ci_env(emulator, tmp_path)
    folder = tmp_path / "reports"
    folder.mkdir()
    for i, text in enumerate(FILE_SAFE.values()):
        name = text.replace("/", "_").replace("\x00", "")[:60]
        (folder / f"{i} {name}.yaml").write_text(
            f"report_name: {json.dumps(text)}\nsend_at: {json.dumps(text)}\n", encoding="utf-8"
        )
    for argv in (("validate",), ("plan",), ("plan", "--format", "json")):
        result = run_cli(*argv, "--reports", str(folder), env=env)
        assert result.code == 1, result.err
        channels_clean(result)
        annotations = runner_commands(result.out + result.err)
        assert len(annotations) >= len(FILE_SAFE)  # ours, one per problem; none forged (channels_clean)


# -- no output around the console ------------------------------------------------------------------

SRC = Path(__file__).resolve().parents[1] / "src" / "reportsync"
# the console itself; cli hands it the process streams; argparse prints help and usage (repr-quoted argv)
ALLOWED = {"console.py", "cli.py", "arguments.py"}


def writes_around_the_console(path: Path) -> list[str]:
    """Calls that could put text on a stream without Console._emit: print(), sys.stdout/stderr, and
    .write/.flush on a console's `out`/`err`."""
    import ast

    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
            found.append(f"{path.name}:{node.lineno} print()")
        if isinstance(node, ast.Attribute) and node.attr in ("stdout", "stderr"):
            found.append(f"{path.name}:{node.lineno} sys.{node.attr}")
        owner = node.value if isinstance(node, ast.Attribute) else None
        if isinstance(owner, ast.Name) and owner.id == "console" and node.attr in ("out", "err"):
            found.append(f"{path.name}:{node.lineno} .{node.attr}")
    return found


def test_no_module_prints_around_the_console() -> None:
    """Every later command gets the channel protections for free, because it cannot print around them."""
    modules = [p for p in SRC.rglob("*.py") if p.name not in ALLOWED and "emulator" not in p.parts]
    assert [w for p in modules for w in writes_around_the_console(p)] == []


# -- the command line itself: a usage error quotes argv, which CI may fill from outside -------------


@pytest.mark.parametrize("kind", list(HOSTILE))
@pytest.mark.parametrize("where", ["argument", "choice"])
def test_usage_errors_show_argv_as_data(kind: str, where: str) -> None:
    """`reportsync plan ARG` echoes ARG ("unrecognized arguments: ..."): through the console, like any
    text from outside, never raw on stderr where it could clear a screen or act as a workflow command."""
    text = HOSTILE[kind]
    argv = ("plan", text) if where == "argument" else ("plan", "--format", text)
    result = run_cli(*argv, env={"GITHUB_ACTIONS": "true"})
    assert result.code == 1
    assert "unrecognized arguments" in result.err or "invalid choice" in result.err
    channels_clean(result, own_annotations=0)
    assert not any(line.lstrip().startswith(("Apply complete", "::")) for line in result.err.splitlines())


def test_a_key_pasted_on_the_command_line_is_redacted_from_the_usage_error() -> None:
    for argv in (("plan", KEY), ("plan", "--format", KEY.upper()), ("apply", f"--key={KEY}")):
        result = run_cli(*argv, env={"QONVERSION_SECRET_KEY": KEY})
        assert result.code == 1 and "usage:" in result.err
        assert KEY.lower() not in (result.out + result.err).lower(), result.err


@pytest.mark.parametrize("argv", [("plan", "--bogus"), ("plan", "--target"), ("apply", "--format=json", "x")])
def test_a_usage_error_with_format_json_is_one_json_document(argv: tuple[str, ...]) -> None:
    words = argv if "--format=json" in argv else (*argv, "--format", "json")
    result = run_cli(*words)
    assert result.code == 1
    error = json.loads(result.out)["error"]
    assert error["exit_status"] == 1 and "usage" not in error["message"]
