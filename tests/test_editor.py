"""In the editor: the files reportsync ships and writes validate fully through the YAML language server.

The language-server tests run yaml-language-server (npm) when it is installed (on PATH, or its path in
$YAML_LANGUAGE_SERVER) and are skipped otherwise; the checks below them run everywhere.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import REPORT_YAML, report, run_cli
from lsp import YamlServer

from reportsync.emulator import Emulator
from reportsync.loader import parse_documents
from reportsync.schema import load_schema

ROOT = Path(__file__).resolve().parents[1]
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$", re.M)
SERVER = os.environ.get("YAML_LANGUAGE_SERVER") or shutil.which("yaml-language-server")
needs_server = pytest.mark.skipif(not SERVER, reason="yaml-language-server is not installed")


def repo(tmp_path: Path) -> Path:
    """A copy of what the repository ships for editors: schema/, reports/, .vscode/settings.json."""
    for folder in ("schema", "reports", ".vscode"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


def vscode_settings(root: Path) -> dict[str, Any]:
    """The `yaml` section VS Code sends the server from the workspace's settings.json."""
    shipped = json.loads((root / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    section = {key.removeprefix("yaml."): value for key, value in shipped.items() if key.startswith("yaml.")}
    return {"yaml": {"validate": True, **section}}


@pytest.fixture
def modelines_only(tmp_path: Path) -> Iterator[tuple[YamlServer, Path]]:
    """An editor with no `yaml.schemas` setting: only the files' modelines pick the schema."""
    root = repo(tmp_path)
    server = YamlServer([str(SERVER), "--stdio"], root, {"yaml": {"validate": True, "schemas": {}}})
    yield server, root
    server.close()


@pytest.fixture
def with_settings(tmp_path: Path) -> Iterator[tuple[YamlServer, Path]]:
    """VS Code opening the repository: the shipped .vscode/settings.json is in effect."""
    root = repo(tmp_path)
    server = YamlServer([str(SERVER), "--stdio"], root, vscode_settings(root))
    yield server, root
    server.close()


@needs_server
def test_shipped_reports_are_clean_and_every_document_is_checked(
    modelines_only: tuple[YamlServer, Path],
) -> None:
    server, root = modelines_only
    for path in sorted((root / "reports").glob("*.yaml")):
        assert server.diagnose(path) == [], path.name
    path = root / "reports" / "release-health.yaml"
    text = path.read_text(encoding="utf-8")
    second = text.index("---")
    path.write_text(
        text[:second] + text[second:].replace("status: active", "status: Active"), encoding="utf-8"
    )
    found = server.diagnose(path)
    line = path.read_text(encoding="utf-8").splitlines().index("status: Active")
    assert found == [(line, 'status is "draft" or "active" (unquoted on/off/yes/no read as true/false).')]


@needs_server
def test_editor_messages_are_reportsyncs(modelines_only: tuple[YamlServer, Path]) -> None:
    server, root = modelines_only
    path = root / "reports" / "daily-revenue.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace('"06:00"', '"06:10"').replace("id: int-wh-02", "id: int wh"), encoding="utf-8"
    )
    messages = [m for _, m in server.diagnose(path)]
    assert 'send_at is a quoted UTC time on a 30-minute slot, "00:00" to "23:30", e.g. "09:00".' in messages
    assert any(m.startswith("A destination id is 1-256 letters") for m in messages)
    assert not any('"00:30"' in m for m in messages)  # not the 48 slots


@needs_server
def test_files_in_subfolders_and_without_modeline_are_checked_with_the_shipped_settings(
    with_settings: tuple[YamlServer, Path],
) -> None:
    server, root = with_settings
    (root / "reports" / "team").mkdir()
    path = root / "reports" / "team" / "nested.yml"
    path.write_text(REPORT_YAML.replace("status: active", "status: on"), encoding="utf-8")
    assert [line for line, _ in server.diagnose(path)] == [3]
    multi = root / "reports" / "team" / "both.yaml"
    multi.write_text(
        REPORT_YAML + "---\n" + REPORT_YAML.replace("included_range_days: 1", "included_range_days: 2")
    )
    assert [line for line, _ in server.diagnose(multi)] == [11]


@needs_server
@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("key_env: sk_live_abcdef123\n", 0, "key_env looks like a secret key"),
        (
            "reports: r\nprojects:\n  main:\n    reports: a\n",
            0,
            "reports: with `projects:`, settings go inside",
        ),
        ("projects:\n  my project:\n    reports: a\n", 1, "A project name is 1-64 letters"),
        ("projects:\n  main:\n    reports: a\n", None, ""),
    ],
)
def test_the_config_schema_holds_the_rules_checked_in_code(
    with_settings: tuple[YamlServer, Path], text: str, line: int | None, message: str
) -> None:
    server, root = with_settings
    shutil.copytree(root / "reports", root / "a")
    (root / "reportsync.yaml").write_text(text, encoding="utf-8")
    found = server.diagnose(root / "reportsync.yaml")
    assert [(n, m[: len(message)]) for n, m in found] == ([] if line is None else [(line, message)])
    cli = run_cli("validate", cwd=root)
    assert (cli.code == 0) is (line is None)


@needs_server
def test_files_import_writes_validate_in_the_editor(
    modelines_only: tuple[YamlServer, Path], emulator: Emulator, env: Any
) -> None:
    server, root = modelines_only
    emulator.add_report(report("Made in the dashboard"))
    assert run_cli("import", env=env, cwd=root).code == 0
    written = root / "reports" / "made-in-the-dashboard.yaml"
    assert server.diagnose(written) == []
    written.write_text(written.read_text(encoding="utf-8").replace("status: active", "status: paused"))
    assert len(server.diagnose(written)) == 1


# -- without the language server -----------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted((ROOT / "reports").glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_document_has_a_modeline_that_resolves(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    documents = parse_documents(text, str(path))
    chunks = re.split(r"^---$", text, flags=re.M)
    assert len(chunks) == len(documents)
    for chunk in chunks:
        found = MODELINE.search(chunk)
        assert found, f"a document of {path.name} has no modeline: editors would not check it"
        assert (path.parent / found.group(1)).resolve().is_file()


def test_vscode_settings_map_every_report_and_the_config_to_existing_schemas() -> None:
    schemas = json.loads((ROOT / ".vscode" / "settings.json").read_text())["yaml.schemas"]
    for schema, pattern in schemas.items():
        assert (ROOT / schema).is_file()
        assert pattern in ("reports/**/*.{yaml,yml}", "reportsync.yaml")


def test_every_constrained_report_field_has_an_editor_message() -> None:
    schema = load_schema()
    nodes = [*schema["properties"].values(), *schema["$defs"]["destination"]["properties"].values()]
    for node in nodes:
        if "enum" in node or "minLength" in node or "minItems" in node:
            assert "errorMessage" in node, node["description"]
        if "pattern" in node:
            assert "patternErrorMessage" in node or "errorMessage" in node, node["description"]
