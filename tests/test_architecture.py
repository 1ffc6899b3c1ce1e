"""The one-way data flow of STYLE.md, enforced: each third-party library has one owner module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "reportsync"
OWNERS = {
    "yaml": {"loader"},
    "jsonschema": {"validate"},
    "requests": {"client", "transport"},
    "urllib3": {"transport"},
    "deepdiff": {"plan"},
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
        "reportsync.session",
        "reportsync.console",
        "os",
        "time",
        "random",
        "io",
    }
    assert not imports_of(SRC / "plan.py") & forbidden
