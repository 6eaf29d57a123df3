"""Readiness: the database answers and the sandbox runs a program, each within a deadline."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, text

CHECK_TIMEOUT_S = 3.0
# A load balancer polls every few seconds; a burst of probes shares one check.
REUSE_FOR_S = 1.0
PROBE_PROGRAM = "final_answer('ok')"


class NotReady(Exception):
    """A check's own finding, already in words for the operator."""


@dataclass(frozen=True)
class Verdict:
    ready: bool
    reason: str  # "ready", or what failed, in one short line


def database_check(engine: Engine) -> Callable[[], None]:
    def check() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    return check


def sandbox_check(run_program: Callable[..., Any]) -> Callable[[], None]:
    def check() -> None:
        result = run_program(PROBE_PROGRAM, {}, timeout_s=CHECK_TIMEOUT_S)
        if not result.ok or result.answer != "ok":
            raise NotReady(f"a trivial program failed ({result.error_kind}: {result.error})")

    return check


class Readiness:
    """Runs named checks, each on a thread of its own so a hung one costs a deadline, not the
    caller; a check still hung from an earlier probe is waited on again, never started twice."""

    def __init__(
        self,
        checks: Mapping[str, Callable[[], None]],
        *,
        timeout_s: float = CHECK_TIMEOUT_S,
        reuse_for_s: float = REUSE_FOR_S,
    ) -> None:
        self.checks = dict(checks)
        self.timeout_s = timeout_s
        self.reuse_for_s = reuse_for_s
        self._lock = threading.Lock()
        self._running: dict[str, Future] = {}
        self._last: tuple[float, Verdict] | None = None
        self._stopping = False

    def stopping(self) -> None:
        """From now on: not ready (the process is draining before it exits)."""
        self._stopping = True

    @property
    def is_stopping(self) -> bool:
        return self._stopping

    def __call__(self) -> Verdict:
        if self._stopping:
            return Verdict(False, "stopping")
        with self._lock:
            if self._last and time.monotonic() - self._last[0] < self.reuse_for_s:
                return self._last[1]
            futures = {name: self._start(name) for name in self.checks}
            verdict = self._wait(futures)
            self._last = (time.monotonic(), verdict)
            return verdict

    def _start(self, name: str) -> Future:
        future = self._running.get(name)
        if future is not None and not future.done():
            return future
        future = Future()
        check = self.checks[name]

        def run() -> None:
            try:
                check()
            except BaseException as exc:
                future.set_exception(exc)
            else:
                future.set_result(None)

        threading.Thread(target=run, name=f"readyz-{name}", daemon=True).start()
        self._running[name] = future
        return future

    def _wait(self, futures: Mapping[str, Future]) -> Verdict:
        deadline = time.monotonic() + self.timeout_s
        for name, future in futures.items():
            try:
                future.result(timeout=max(0.0, deadline - time.monotonic()))
            except FutureTimeout:
                return Verdict(False, f"{name}: no answer within {self.timeout_s:g}s")
            except Exception as exc:
                return Verdict(False, f"{name}: {one_line_error(exc)}")
        return Verdict(True, "ready")


def one_line_error(exc: BaseException) -> str:
    """The first line of what went wrong (the driver's own words for a database error)."""
    if isinstance(exc, NotReady):
        return str(exc)[:200]
    cause = getattr(exc, "orig", None) or exc
    first = (str(cause).strip().splitlines() or [""])[0]
    return f"{type(cause).__name__}: {first}"[:200]
