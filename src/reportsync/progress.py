"""apply's rows as each change completes: counted, one whole line at a time, projects in config order."""

from __future__ import annotations

import threading

from reportsync.apply import ChangeResult
from reportsync.console import Console
from reportsync.render.result import progress_line, result_row

TYPE_CHECKING = False
if TYPE_CHECKING:
    from argparse import Namespace


class Progress:
    """Each change shown once, as it completes, counted across every project: `[8/40] applied ...`.

    In text, as a row of the result on stdout; with --format json (stdout holds the document), on stderr.
    Projects applied at the same time are shown one after another, in config order, each under its
    heading: a later project's rows wait until the earlier ones are done. Thread-safe.
    """

    def __init__(self, total: int, args: Namespace, console: Console, headings: list[str]) -> None:
        self.total, self.done, self.console = total, 0, console
        self.to_out = args.format == "text"
        self.lock = threading.Lock()
        self.headings = headings
        self.waiting: list[list[str]] = [[] for _ in headings]
        self.finished = [False] * len(headings)
        self.begun = [False] * len(headings)
        self.current = 0
        self.shown: set[int] = set()  # id() of each change whose row was shown or is waiting

    def show(self, index: int, result: ChangeResult) -> None:
        with self.lock:
            self.done += 1
            self.shown.add(id(result.change))
            self._emit(index, progress_line(self.done, self.total, result))

    def show_again(self, index: int, result: ChangeResult) -> None:
        """A row whose outcome changed after it was shown (the closing re-read found otherwise)."""
        with self.lock:
            self._emit(index, result_row(result).strip())

    def finish(self, index: int) -> None:
        """Project `index` is done: the next projects' waiting rows are shown."""
        with self.lock:
            self.finished[index] = True
            while self.current < len(self.finished) and self.finished[self.current]:
                self.current += 1
                if self.current < len(self.waiting) and self.waiting[self.current]:
                    self._begin(self.current)
                    for line in self.waiting[self.current]:
                        self._line(line)
                    self.waiting[self.current] = []

    def _emit(self, index: int, line: str) -> None:
        if index != self.current:
            self.waiting[index].append(line)
            return
        self._begin(index)
        self._line(line)

    def _begin(self, index: int) -> None:
        if not self.begun[index] and self.headings[index]:
            self.console.print()  # the plans end with a blank line, or with the all-projects total
            self.console.print(self.headings[index])
        self.begun[index] = True

    def _line(self, line: str) -> None:
        self.console.print(line) if self.to_out else self.console.info(line)
