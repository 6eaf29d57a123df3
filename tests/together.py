"""Work started on several threads at the same moment, as processes started together race."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def run_together(action: Callable[[T], object], items: Sequence[T]) -> None:
    """`action(item)` for every item, each on a thread of its own, all released at once by a
    barrier; returns when every one has returned (`action` keeps its own failures)."""
    start = threading.Barrier(len(items))

    def run(item: T) -> None:
        start.wait()
        action(item)

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
