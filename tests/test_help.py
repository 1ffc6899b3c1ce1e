"""Help that suffices without the README, only the flags a command uses, and shell completion."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from helpers import run_cli

from reportsync.arguments import COMMANDS


def help_of(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """What argparse printed (it writes help to sys.stdout, not the console)."""
    capsys.readouterr()
    assert run_cli(*argv).code == 0
    return capsys.readouterr().out


REMOTE = ("plan", "apply", "import", "destinations", "send-test", "refresh", "show", "doctor")


def test_top_level_help_names_environment_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    out = help_of(capsys, "--help")
    for text in ("QONVERSION_SECRET_KEY", "QONVERSION_API_URL", "QONVERSION_TIMEOUT", "exit codes:", "130"):
        assert text in out
    for command in COMMANDS:
        assert command in out


@pytest.mark.parametrize("command", list(COMMANDS))
def test_each_command_help_has_a_description_and_its_exit_codes(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = help_of(capsys, command, "--help")
    description = out.split("\n\n")[1]
    assert description.endswith(".") and description[0].isupper()
    assert "exit codes:\n  0    success" in out
    assert ("QONVERSION_SECRET_KEY" in out) is (command in REMOTE)


@pytest.mark.parametrize(
    ("command", "absent"),
    [
        (
            "destinations",
            ("--prune", "--force", "--max-change-percent", "--min-existing", "--reports", "--target"),
        ),
        ("import", ("--prune", "--force", "--max-change-percent", "--no-summary")),
        ("send-test", ("--prune", "--force", "--target")),
        ("refresh", ("--prune", "--force", "--auto-approve")),
        ("show", ("--prune", "--force", "--target")),
    ],
)
def test_commands_offer_and_accept_only_their_flags(
    command: str, absent: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    help_text = help_of(capsys, command, "--help")
    for flag in absent:
        assert flag not in help_text
        named = ("x",) if command in ("send-test",) else ()
        result = run_cli(command, *named, "--emulator", flag)
        assert result.code == 1
        assert f"unrecognized arguments: {flag}" in result.err


def test_plan_keeps_its_safety_flags(capsys: pytest.CaptureFixture[str]) -> None:
    out = help_of(capsys, "plan", "--help")
    for flag in ("--prune", "--force", "--max-change-percent", "--detailed-exitcode", "--target"):
        assert flag in out


def test_bash_completion_completes_commands_and_their_flags(tmp_path: Path) -> None:
    script = run_cli("completion", "bash").out
    (tmp_path / "c.bash").write_text(script, encoding="utf-8")

    def complete(*words: str) -> list[str]:
        line = " ".join(("reportsync", *words))
        probe = (
            f"source {tmp_path / 'c.bash'}; COMP_WORDS=({line}); COMP_CWORD={len(words)}; "
            f"COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}; _shtab_reportsync; "
            "printf '%s\\n' \"${COMPREPLY[@]}\""
        )
        done = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=False, timeout=30)
        assert done.returncode == 0, done.stderr
        return sorted(done.stdout.split())

    assert "refresh" in complete("re") and "show" not in complete("re")
    assert complete("refresh", "--d") == ["--debug", "--dry-run"]
    assert "--prune" not in complete("destinations", "--")
    assert complete("completion", "") == ["bash", "zsh"]


def test_zsh_completion_is_generated_from_the_same_parser() -> None:
    script = run_cli("completion", "zsh").out
    assert script.startswith("#compdef reportsync")
    assert "--dry-run" in script and "refresh" in script
    assert run_cli("completion", "fish").code == 1
