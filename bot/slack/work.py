"""A bounded pool for answers, apart from Bolt's listener threads so acks never wait on it."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from bot.ops import metrics

log = logging.getLogger(__name__)


class ShuttingDown(Exception):
    """The bot is stopping and takes no new work."""


class WorkPool:
    """Runs answers on a fixed number of threads; drains work in flight on shutdown."""

    def __init__(self, workers: int) -> None:
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="answer")
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._in_flight = 0
        self._waiting = 0  # of those, waiting on the model: holding none of the machine's cores
        self._job = threading.local()  # whether this thread is running one of the answers
        self._closed = False

    @property
    def closed(self) -> bool:
        with self._lock:
            return self._closed

    @property
    def in_flight(self) -> int:
        with self._lock:
            return self._in_flight

    @property
    def busy(self) -> int:
        """Answers in flight that are not waiting on the model: those using the machine."""
        with self._lock:
            return self._in_flight - self._waiting

    @contextlib.contextmanager
    def waiting(self) -> Iterator[None]:
        """Around an answer's wait on the model (seconds, on another machine's cores); a wait
        outside the pool's answers (a watch's repair) is not counted."""
        if not getattr(self._job, "running", False):
            yield
            return
        with self._lock:
            self._waiting += 1
        try:
            yield
        finally:
            with self._lock:
                self._waiting -= 1

    def submit(self, job: Callable[[], None]) -> Future:
        with self._lock:
            if self._closed:
                raise ShuttingDown
            self._in_flight += 1
        metrics.shared().queue_depth.inc()
        return self._executor.submit(self._run, job)

    def _run(self, job: Callable[[], None]) -> None:
        self._job.running = True
        try:
            job()
        except Exception:
            log.exception("answer job failed")
        finally:
            self._job.running = False
            metrics.shared().queue_depth.dec()
            with self._lock:
                self._in_flight -= 1
                self._idle.notify_all()

    def close(self, timeout_s: float) -> bool:
        """Stop taking work and wait up to `timeout_s` for work in flight; True if all finished."""
        with self._lock:
            self._closed = True
            finished = self._idle.wait_for(lambda: self._in_flight == 0, timeout=timeout_s)
        self._executor.shutdown(wait=False, cancel_futures=False)
        if not finished:
            log.warning(
                "shutdown: %d answers still in flight after %.0fs", self.in_flight, timeout_s
            )
        return finished
