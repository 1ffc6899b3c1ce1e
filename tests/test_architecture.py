"""The one-way data flow of STYLE.md, enforced: each third-party library has one owner module."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import report, write_reports

SRC = Path(__file__).resolve().parents[1] / "src" / "reportsync"
OWNERS = {
    "yaml": {"loader"},
    "jsonschema": {"validate"},
    "requests": {"client", "envelope", "retry", "transport", "watchdog"},
    "urllib3": {"transport", "watchdog"},
    "deepdiff": {"plan"},
    "ruamel": {"roundtrip"},
    "shtab": {"arguments"},
}


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(SRC).with_suffix("").parts)


MODULES = sorted(SRC.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_third_party_libraries_stay_with_their_owner(path: Path) -> None:
    name = module_name(path)
    for imported in imports_of(path):
        root = imported.split(".")[0]
        if root in OWNERS:
            assert name in OWNERS[root], f"{name} imports {imported}; only {OWNERS[root]} may"


@pytest.mark.parametrize("path", sorted((SRC / "emulator").glob("*.py")), ids=module_name)
def test_emulator_shares_only_the_constants(path: Path) -> None:
    ours = {i for i in imports_of(path) if i.startswith("reportsync")}
    assert ours <= {"reportsync.constants"} | {i for i in ours if i.startswith("reportsync.emulator")}


def test_planner_is_pure() -> None:
    forbidden = {
        "reportsync.client",
        "reportsync.connection",
        "reportsync.console",
        "os",
        "time",
        "random",
        "io",
    }
    for module in ("plan.py", "match.py"):
        assert not imports_of(SRC / module) & forbidden, module


# Start-up time is measured in bench/, never asserted; what a command imports can be: the offline path
# stays off the network stack and the libraries only an invalid file or a remote command needs.
HEAVY_FOR_VALIDATE = {"requests", "deepdiff", "jsonschema", "ruamel", "reportsync.emulator.server"}
LISTING = (
    "import sys; from reportsync.cli import main; rc = main({argv!r}); print(' '.join(sorted(sys.modules)))"
)


def modules_after(argv: list[str], cwd: Path) -> set[str]:
    code = LISTING.format(argv=argv)
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.splitlines()[-1].split())  # the last line; validate's summary comes first


def test_validate_of_valid_files_stays_off_the_heavy_imports(tmp_path: Path) -> None:
    write_reports(tmp_path / "reports", [report()])
    loaded = modules_after(["validate"], tmp_path)
    assert "reportsync.validate" in loaded  # the run happened
    assert not loaded & HEAVY_FOR_VALIDATE


def test_help_imports_neither_yaml_nor_the_network_stack(tmp_path: Path) -> None:
    loaded = modules_after(["--help"], tmp_path)
    assert "argparse" in loaded
    heavy = {"yaml", "requests", "deepdiff", "jsonschema", "ruamel", "shtab", "reportsync.emulator.server"}
    assert not loaded & heavy


@pytest.mark.parametrize("path", [m for m in MODULES if m.name != "__main__.py"], ids=module_name)
def test_every_module_imports_alone_in_a_fresh_interpreter(path: Path) -> None:
    """A circular import shows only when a module is the first one imported; each goes first once."""
    name = "reportsync." + module_name(path).removesuffix(".__init__")
    done = subprocess.run(
        [sys.executable, "-c", f"import {name}"], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
