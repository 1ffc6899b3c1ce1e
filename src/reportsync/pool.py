"""Running independent calls at the same time on a bounded number of threads, results in call order."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
A = TypeVar("A")
B = TypeVar("B")
MAX_WORKERS = 8


def in_order(calls: Sequence[Callable[[], T]], workers: int = MAX_WORKERS) -> list[T]:
    """Every call's result, in the order given; at most `workers` run at once.

    If calls raise, every started call still ends, and the first failure in the given order is raised: a
    run's output and exit status stay those of a sequential run. Ctrl-C starts no further call and is
    raised first. Plain threads (not concurrent.futures), so that plan's start-up stays lean.
    """
    results: list[T | None] = [None] * len(calls)
    errors: list[BaseException | None] = [None] * len(calls)
    lock = threading.Lock()
    todo = iter(range(len(calls)))
    stop = threading.Event()  # Ctrl-C (only this thread receives it): start no further call

    def work() -> None:
        while not stop.is_set():
            with lock:
                index = next(todo, None)
            if index is None:
                return
            try:
                results[index] = calls[index]()
            except BaseException as exc:  # re-raised below, in order, on the calling thread
                errors[index] = exc
                if not isinstance(exc, Exception):
                    stop.set()

    extra = max(1, min(workers, len(calls))) - 1
    threads = [threading.Thread(target=work, daemon=True) for _ in range(extra)]
    for thread in threads:
        thread.start()
    work()  # the calling thread works too: one call needs no extra thread
    for thread in threads:
        thread.join()
    for error in sorted((e for e in errors if e), key=lambda e: isinstance(e, Exception)):
        raise error  # an interrupt first, else the first failure in the given order
    return results  # type: ignore[return-value]  # every slot is filled when nothing raised


def both(first: Callable[[], A], second: Callable[[], B]) -> tuple[A, B]:
    """Two calls at the same time: (first's result, second's result); raises as `in_order`."""
    got: list[object] = in_order([first, second], 2)
    return got[0], got[1]  # type: ignore[return-value]  # in the order given, so the types hold
