"""A minimal LSP client: drive yaml-language-server over stdio, open documents, collect diagnostics.

Every wait is bounded (select with a deadline); nothing sleeps.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import time
from pathlib import Path
from typing import Any

SEPARATOR = b"\r\n\r\n"


class YamlServer:
    """One yaml-language-server process; `settings` are what VS Code would send (`{"yaml": {...}}`)."""

    def __init__(self, command: list[str], root: Path, settings: dict[str, Any]) -> None:
        self.proc = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        self.settings, self.next_id, self.buffer = settings, 0, b""
        self.diagnostics: dict[str, list[dict[str, Any]]] = {}
        self.published: dict[str, int] = {}
        capabilities = {"workspace": {"configuration": True}, "textDocument": {"publishDiagnostics": {}}}
        folder = {"uri": root.as_uri(), "name": "repo"}
        params = {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": capabilities}
        self.request("initialize", {**params, "workspaceFolders": [folder]})
        self.notify("initialized", {})
        self.notify("workspace/didChangeConfiguration", {"settings": settings})

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: Any, timeout: float = 60) -> Any:
        self.next_id += 1
        wanted = self.next_id
        self.send({"id": wanted, "method": method, "params": params})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = self.receive(deadline)
            if message is not None and message.get("id") == wanted and "method" not in message:
                return message.get("result")
        raise TimeoutError(method)

    def receive(self, deadline: float) -> dict[str, Any] | None:
        """The next message (handled on the way), or None when the deadline passes first."""
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while self._needed() is None or len(self.buffer) < (self._needed() or 0):
            ready, _, _ = select.select([fd], [], [], max(deadline - time.monotonic(), 0))
            if not ready:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                raise EOFError("yaml-language-server exited")
            self.buffer += chunk
        size = self._needed() or 0
        head = self.buffer.index(SEPARATOR) + len(SEPARATOR)
        message: dict[str, Any] = json.loads(self.buffer[head:size])
        self.buffer = self.buffer[size:]
        self.handle(message)
        return message

    def _needed(self) -> int | None:
        """Bytes the first message takes in the buffer, once its header is complete."""
        if SEPARATOR not in self.buffer:
            return None
        head = self.buffer[: self.buffer.index(SEPARATOR)]
        length = int(head.split(b"Content-Length:")[1].split(b"\r\n")[0])
        return len(head) + len(SEPARATOR) + length

    def handle(self, message: dict[str, Any]) -> None:
        method = message.get("method")
        if method == "textDocument/publishDiagnostics":
            uri = message["params"]["uri"]
            self.diagnostics[uri] = message["params"]["diagnostics"]
            self.published[uri] = self.published.get(uri, 0) + 1
        elif method == "workspace/configuration":
            items = message["params"]["items"]
            answer = [self.settings.get(i["section"]) if i.get("section") else self.settings for i in items]
            self.send({"id": message["id"], "result": answer})
        elif "id" in message and method:
            self.send({"id": message["id"], "result": None})

    def diagnose(self, path: Path, timeout: float = 60) -> list[tuple[int, str]]:
        """(0-based line, message) of every diagnostic the server publishes for the file."""
        uri = path.as_uri()
        self.diagnostics.pop(uri, None)
        self.next_id += 1  # a fresh version: the server keeps closed documents and skips a known version
        text = path.read_text(encoding="utf-8")
        document = {"uri": uri, "languageId": "yaml", "version": self.next_id, "text": text}
        self.notify("textDocument/didOpen", {"textDocument": document})
        deadline = time.monotonic() + timeout
        while uri not in self.diagnostics and time.monotonic() < deadline:
            self.receive(deadline)
        assert uri in self.diagnostics, f"no diagnostics for {path} in {timeout}s"
        found = [(d["range"]["start"]["line"], d["message"]) for d in self.diagnostics[uri]]
        # closing clears the file's diagnostics: wait for that, so a reopen never reads the stale empty list
        count = self.published[uri]
        self.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
        deadline = time.monotonic() + 10
        while self.published[uri] == count and time.monotonic() < deadline:
            self.receive(deadline)
        return found

    def close(self) -> None:
        try:
            self.request("shutdown", None, 10)
            self.notify("exit", None)
        finally:
            self.proc.kill()
            self.proc.wait()
            for stream in (self.proc.stdin, self.proc.stdout):
                if stream is not None:
                    stream.close()
