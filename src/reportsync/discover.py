"""Finding report files: which entries under the reports folder are read, and why any other is not.

Rules (README "Promises"): names ending .yaml/.yml in any letter case are report files; names starting
with "." are not read, but a hidden report file, or a hidden folder holding report files, is named as
skipped; links to files and folders inside the repository are followed, each folder and file
read once (the loop guard); a broken link, a link leading outside the repository, and a FIFO, device or
socket with a report name are never opened: each is named, with its reason, as skipped.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass

REPORT_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class Skipped:
    """An entry under the reports folder that was not read, and why (a sentence fragment)."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class Discovery:
    """The report files to read, sorted, and every entry that was not read though it might hold reports."""

    files: tuple[str, ...]
    skipped: tuple[Skipped, ...]


def is_report_name(name: str) -> bool:
    return name.lower().endswith(REPORT_SUFFIXES) and not name.startswith(".")


def inside(path: str, folder: str) -> bool:
    """Whether the resolved `path` lies in the resolved `folder` (both real paths)."""
    try:
        return os.path.commonpath([path, folder]) == folder
    except ValueError:  # another drive on Windows
        return False


def discover(folder: str, root: str | None = None) -> Discovery:
    """Every report file under `folder`; links may lead anywhere inside `root` (default: the folder).

    When `folder` itself is not inside `root` (an explicit --reports elsewhere), the folder is the limit.
    """
    top = os.path.realpath(folder)
    boundary = os.path.realpath(root) if root is not None else top
    if not inside(top, boundary):
        boundary = top
    walk = _Walk(boundary, {top})
    stack = [(folder, top)]
    while stack:
        stack.extend(reversed(walk.folder(*stack.pop())))
    files = sorted(walk.files, key=lambda name: name.split(os.sep))
    return Discovery(tuple(files), tuple(walk.skipped))


class _Walk:
    """The state of one discovery: what was found, skipped, and already visited (real paths).

    Real paths are built from the parent's: only links are resolved, so a large tree costs no more
    system calls than listing it.
    """

    def __init__(self, boundary: str, visited: set[str]) -> None:
        self.boundary = boundary
        self.visited = visited
        self.read: set[str] = set()
        self.files: list[str] = []
        self.skipped: list[Skipped] = []

    def folder(self, path: str, real: str) -> list[tuple[str, str]]:
        """Take in one folder's entries; return its subfolders to walk, as (path, real path)."""
        try:
            entries = sorted(os.scandir(path), key=lambda e: e.name)
        except OSError as exc:
            self.skipped.append(Skipped(path, f"folder cannot be read ({exc.strerror})"))
            return []
        subfolders: list[tuple[str, str]] = []
        for entry in entries:
            if entry.name.startswith("."):
                self._hidden(entry)
            else:
                subfolders += self.entry(entry, os.path.join(real, entry.name))
        return subfolders

    def _hidden(self, entry: os.DirEntry[str]) -> None:
        """A hidden entry is not read; one that may hold reports is named, so that it is never pruned."""
        if is_report_name(entry.name[1:]):
            self.skipped.append(Skipped(entry.path, "hidden (its name starts with '.'), so it was not read"))
            return
        try:
            holds = entry.is_dir(follow_symlinks=False) and any(
                is_report_name(name) for name in os.listdir(entry.path)
            )
        except OSError:
            holds = False
        if holds:
            self.skipped.append(Skipped(entry.path, "hidden folder holding report files; it was not read"))

    def entry(self, entry: os.DirEntry[str], real: str) -> list[tuple[str, str]]:
        try:
            if entry.is_symlink():
                return self._link(entry)
            if entry.is_dir(follow_symlinks=False):
                return self._subfolder(entry.path, real)
            if is_report_name(entry.name):
                regular = entry.is_file(follow_symlinks=False)
                self._file(entry.path, real, stat.S_IFREG if regular else entry.stat().st_mode)
        except OSError as exc:
            self.skipped.append(Skipped(entry.path, f"cannot be examined ({exc.strerror})"))
        return []

    def _link(self, entry: os.DirEntry[str]) -> list[tuple[str, str]]:
        try:
            mode = os.stat(entry.path).st_mode  # follows the link: never opens its target
        except OSError:
            self.skipped.append(Skipped(entry.path, "broken link (its target does not exist)"))
            return []
        real = os.path.realpath(entry.path)
        if not inside(real, self.boundary):
            self.skipped.append(Skipped(entry.path, "link leading outside the repository"))
        elif stat.S_ISDIR(mode):
            return self._subfolder(entry.path, real)
        elif is_report_name(entry.name):
            self._file(entry.path, real, mode)
        return []

    def _subfolder(self, path: str, real: str) -> list[tuple[str, str]]:
        if real in self.visited:  # a link back to a folder already read: a loop, or a second way in
            return []
        self.visited.add(real)
        return [(path, real)]

    def _file(self, path: str, real: str, mode: int) -> None:
        if not stat.S_ISREG(mode):
            self.skipped.append(Skipped(path, f"{_kind(mode)}, not a regular file; it was not opened"))
        elif real not in self.read:
            self.read.add(real)
            self.files.append(path)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"
