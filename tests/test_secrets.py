"""The secret key never leaves: no stdout, stderr, plan file, summary or annotation in any command path;
plain http to a remote host is refused before any connection; TLS verification stays on."""

from __future__ import annotations

import re
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import CliResult, report, run_cli, write_reports
from reliability import ROOT, record

from reportsync.emulator import Emulator
from reportsync.transport import new_session

SECRET = "test_sk_SECRET_canary_123"
FRAGMENTS = ("SECRET_canary", "canary_123")  # a truncated or re-cased key is a leak too
Scene = dict[str, Any]


class Leaks:
    """Everything a run produced: outputs, and every file it may have written."""

    def __init__(self, tmp: Path) -> None:
        self.summary = tmp / "summary.md"
        self.texts: list[tuple[str, str]] = []

    def env(self, emu: Emulator | None, **extra: str) -> dict[str, str]:
        base = {"QONVERSION_SECRET_KEY": SECRET, "GITHUB_ACTIONS": "true"}
        base["GITHUB_STEP_SUMMARY"] = str(self.summary)
        if emu is not None:
            base["QONVERSION_API_URL"] = emu.url
        return {**base, **extra}

    def run(self, label: str, *argv: str, env: dict[str, str]) -> CliResult:
        result = run_cli(*argv, env=env)
        assert "Traceback" not in result.err or "--debug" in argv, result.err
        self.texts += [(f"{label} stdout", result.out), (f"{label} stderr", result.err)]
        return result

    def files(self, *paths: Path) -> None:
        for path in paths:
            for item in [path] if path.is_file() else sorted(path.rglob("*")) if path.is_dir() else []:
                if item.is_file():
                    self.texts.append((str(item), item.read_text(encoding="utf-8", errors="replace")))

    def assert_clean(self, secret: str = SECRET) -> None:
        self.files(self.summary)
        for label, text in self.texts:
            for needle in (secret, *FRAGMENTS):
                assert needle not in text, f"{needle!r} leaked in {label}:\n{text}"
        assert any(text for _, text in self.texts)


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(key=SECRET, seed=9) as emulator:
        yield emulator


def seeded(emu: Emulator, tmp_path: Path) -> Path:
    emu.add_report(report("Changed", send_at="08:00"))
    emu.add_report(report("Stranger"))
    return write_reports(tmp_path / "reports", [report("Changed"), report("New")])


def test_every_command_path_keeps_the_key(tmp_path: Path, emu: Emulator) -> None:
    leaks, folder = Leaks(tmp_path), seeded(emu, tmp_path)
    env, r = leaks.env(emu), str(folder)
    plan_file = tmp_path / "plan.json"
    leaks.run("validate", "validate", "--reports", r, env=env)
    leaks.run("validate json", "validate", "--reports", r, "--format", "json", env=env)
    for fmt in ("text", "json", "markdown"):
        assert leaks.run(f"plan {fmt}", "plan", "--reports", r, "--format", fmt, "--debug", env=env).code == 0
    assert leaks.run("plan --out", "plan", "--reports", r, "--out", str(plan_file), env=env).code == 0
    assert (
        leaks.run("apply plan file", "apply", str(plan_file), "--auto-approve", "--debug", env=env).code == 0
    )
    leaks.run("import dry-run", "import", "--reports", r, "--dry-run", "--debug", env=env)
    imported = tmp_path / "imported"
    leaks.run("import", "import", "--reports", str(imported), "--debug", env=env)
    leaks.run("destinations", "destinations", "--reports", r, "--debug", env=env)
    leaks.run("destinations json", "destinations", "--reports", r, "--format", "json", env=env)
    first = leaks.run("send-test", "send-test", "Changed", "--reports", r, "--debug", env=env)
    second = leaks.run("send-test 429", "send-test", "Changed", "--reports", r, "--debug", env=env)
    assert first.code == 0 and second.code != 0, second.err
    leaks.files(plan_file, imported, folder)
    leaks.assert_clean()
    record(
        "secrets",
        "validate, plan (3 formats, --out), apply FILE, import, destinations, send-test + 429",
        "key absent from stdout, stderr, plan file, imported files, summary, annotations",
    )


def test_failing_applies_with_debug_keep_the_key(tmp_path: Path, emu: Emulator) -> None:
    leaks, folder = Leaks(tmp_path), seeded(emu, tmp_path)
    write_reports(folder, [report("Changed"), *[report(f"New {i}") for i in range(8)]])
    changed = next(r for r in emu.reports() if r["report_name"] == "Changed")
    emu.faults.fail("PUT", f"/scheduled-reports/{changed['id']}", 500)
    emu.faults.queue_429(3, "0")
    emu.faults.reset_connections("GET", "/scheduled-reports/destinations")
    emu.faults.fail("POST", "/scheduled-reports", 503)
    emu.faults.ambiguous_creates(2)
    emu.faults.reset_connections("POST", "/scheduled-reports")
    env, r = leaks.env(emu), str(folder)
    failed = leaks.run("apply failing", "apply", "--reports", r, "--auto-approve", "--debug", env=env)
    assert failed.code == 4 and "::error file=" in failed.err, failed.out + failed.err
    emu.faults.fail("POST", "/scheduled-reports", 500, count=4)
    write_reports(folder, [report("Changed"), report("Another")])
    json_run = ("apply", "--reports", r, "--auto-approve", "--debug", "--format", "json")
    assert leaks.run("apply json failing", *json_run, env=env).code == 4
    emu.faults.fail_listing_after(0, 500)
    assert leaks.run("plan listing fails", "plan", "--reports", r, "--debug", env=env).code == 1
    leaks.assert_clean()
    record(
        "secrets",
        "apply with 500/503/429/reset/ambiguous faults, text and json, --debug",
        "key absent from every output, summary and annotation",
    )


@pytest.mark.parametrize(
    ("label", "key", "url"),
    [
        ("wrong key (401)", "test_sk_SECRET_canary_wrong", None),
        ("public key prefix", "pk_SECRET_canary_123", None),
        ("key with a space", "test_sk_SECRET canary_123", None),
        ("unreachable API (DNS fails)", SECRET, "https://api.unreachable.example/v4"),
        ("plain http to a remote host", SECRET, "http://example.com/v4"),
    ],
)
def test_bad_settings_do_not_echo_the_key(
    label: str, key: str, url: str | None, tmp_path: Path, emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """(Connection refused is retried with backoff for ~30 s, so "unreachable" is a failed DNS lookup.)"""

    def no_dns(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    if url and "unreachable" in url:
        monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    leaks, folder = Leaks(tmp_path), seeded(emu, tmp_path)
    env = leaks.env(emu, QONVERSION_SECRET_KEY=key, **({"QONVERSION_API_URL": url} if url else {}))
    for argv in (("plan", "--reports", str(folder)), ("apply", "--reports", str(folder), "--auto-approve")):
        result = leaks.run(label, *argv, "--debug", env=env)
        lines = [ln for ln in result.err.strip().splitlines() if not ln.startswith("debug:")]
        assert result.code == 1 and len(lines) <= 2, result.err
    leaks.assert_clean(key)
    record("secrets", f"bad settings: {label}", "exit 1, one clear line, the key not echoed")


def test_plain_http_to_a_remote_host_is_refused_before_any_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write_reports(tmp_path / "reports", [report("New")])
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    env = {"QONVERSION_SECRET_KEY": SECRET, "QONVERSION_API_URL": "http://example.com/v4"}
    for command in ("plan", "apply", "destinations", "import", "refresh"):
        flags = ("--reports", str(folder)) if command != "destinations" else ()  # it reads no files
        result = run_cli(command, *flags, env=env)
        assert result.code == 1 and "uses http:// for a non-local host" in result.err, result.err
    assert attempts == []
    record(
        "transport",
        "QONVERSION_API_URL=http://example.com/v4",
        "refused with exit 1 before any DNS or connect",
    )


def test_tls_verification_is_on_and_never_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    assert new_session(4).verify is True
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/corp/ca.pem")  # honoured, as requests itself would
    assert new_session(4).verify == "/corp/ca.pem"
    banned = re.compile(r"verify\s*=\s*False|CERT_NONE|check_hostname\s*=\s*False|_create_unverified_context")
    offenders = [p for p in (ROOT / "src").rglob("*.py") if banned.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def test_untrusted_certificate_refused_and_requests_ca_bundle_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil
    import ssl

    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a certificate")
    cert, key = _self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    folder = write_reports(tmp_path / "reports", [report("New")])
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    emu = Emulator(key=SECRET)
    emu.bind()
    assert emu._server is not None
    emu._server.socket = context.wrap_socket(emu._server.socket, server_side=True)
    with emu:
        env = {"QONVERSION_SECRET_KEY": SECRET, "QONVERSION_API_URL": f"https://127.0.0.1:{emu.port}/v4"}
        refused = run_cli("plan", "--reports", str(folder), env=env)
        assert refused.code == 1 and "certificate verification failed" in refused.err, refused.err
        assert "REQUESTS_CA_BUNDLE" in refused.err
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))  # requests reads it from the process env
        trusted = run_cli("plan", "--reports", str(folder), env=env)
        assert trusted.code == 0 and "Plan: 1 to create" in trusted.out, trusted.err
    record(
        "transport", "self-signed HTTPS server", "refused (verification on); trusted via REQUESTS_CA_BUNDLE"
    )
