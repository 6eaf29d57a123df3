"""The Sandbox: runs each program in a fresh worker and turns what happened into a RunResult.

The worker server starts on the first run, not before (no work at import time), and again
if it ever dies; `close()` stops it, and so does interpreter exit. Thread-safe: any number of
threads may call `run()` at once, each run getting its own single-use worker.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import keyword
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Final

from cachetools import LRUCache

from sandbox.conversation import Conversation, Ending
from sandbox.isolation import Isolation
from sandbox.job import (
    DEFAULT_MEMORY_MB,
    DEFAULT_TIMEOUT_S,
    EXIT_OUT_OF_MEMORY,
    EXIT_UNISOLATED,
    RESERVED_NAMES,
    Job,
)
from sandbox.result import RunResult, SandboxError
from sandbox.server_handle import Worker, WorkerServerGone, WorkerServerHandle

logger = logging.getLogger(__name__)

DEFAULT_PREFORK: Final = 2
DEFAULT_MAX_TOOL_CALLS: Final = 100
DEFAULT_MAX_OUTPUT_CHARS: Final = 32_000
DEFAULT_MAX_SOURCE_CHARS: Final = 50_000
MIN_MEMORY_MB: Final = 64
MAX_TIMEOUT_S: Final = 600.0
MEMORY_SIGNALS: Final = frozenset({signal.SIGKILL, signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT})
# How much of programs' compiled forms a Sandbox keeps (about 1.5 KB each for a short one).
DEFAULT_COMPILED_CACHE_BYTES: Final = 32 << 20


class Sandbox:
    """Runs model-written programs in restricted, isolated, single-use worker processes."""

    def __init__(
        self,
        *,
        prefork: int = DEFAULT_PREFORK,
        max_tool_calls: int = DEFAULT_MAX_TOOL_CALLS,
        max_output_chars: int = DEFAULT_MAX_OUTPUT_CHARS,
        max_source_chars: int = DEFAULT_MAX_SOURCE_CHARS,
        allow_weak_isolation: bool = False,
        compiled_cache_bytes: int = DEFAULT_COMPILED_CACHE_BYTES,
    ) -> None:
        self.prefork = prefork
        # Run programs even when the process layer lacks a required protection (see
        # Isolation.missing); by default such a sandbox refuses every program.
        self.allow_weak_isolation = allow_weak_isolation
        self.max_tool_calls = max_tool_calls
        self.max_output_chars = max_output_chars
        self.max_source_chars = max_source_chars
        self._lock = threading.Lock()
        self._server: WorkerServerHandle | None = None
        self._owner_pid = os.getpid()
        self._closed = False
        # Each program's compiled form by its source's digest, as a worker sent it: a program
        # run again (a watch, a cached answer) is not compiled again (worker.Session.program).
        self._compiled: LRUCache[bytes, str] = LRUCache(compiled_cache_bytes, getsizeof=len)
        self._compiled_lock = threading.Lock()

    def run(
        self,
        code: str,
        tools: Mapping[str, Callable[..., Any]],
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        memory_mb: int = DEFAULT_MEMORY_MB,
    ) -> RunResult:
        """Run `code` with `tools` (called here, in this process) and report how it went."""
        started = time.perf_counter()
        _check_arguments(code, tools, timeout_s, memory_mb)
        isolation = self.isolation
        if isolation.missing() and not self.allow_weak_isolation:
            return _failure(started, f"the sandbox refuses to run: {isolation.problem()}", "policy")
        if len(code) > self.max_source_chars:
            error = f"the program is {len(code)} characters; the limit is {self.max_source_chars}"
            return _failure(started, error, "policy")
        source_key = hashlib.sha256(code.encode("utf-8", "surrogatepass")).digest()
        with self._compiled_lock:
            compiled = self._compiled.get(source_key)
        job = Job(
            code=code,
            tools=tuple(tools),
            timeout_s=timeout_s,
            memory_mb=memory_mb,
            max_output_chars=self.max_output_chars,
            max_source_chars=self.max_source_chars,
            compiled=compiled,
            send_compiled=compiled is None and self._compiled.maxsize > 0,
        )
        server, worker = self._spawn()
        ending, status = self._converse(server, worker, job, tools)
        if ending.compiled is not None and ending.reason == "done":
            with self._compiled_lock, contextlib.suppress(ValueError):  # larger than the cache
                self._compiled[source_key] = ending.compiled
        result = self._result(ending, status, job, started)
        logger.debug(
            "worker %d: %s, %s, %d tool calls, %.1f ms",
            worker.pid,
            ending.reason,
            result.error_kind or "ok",
            result.tool_calls,
            result.duration_ms,
        )
        return result

    @property
    def isolation(self) -> Isolation:
        """What the operating system layer could set up (starts the worker server)."""
        return self._running_server().isolation

    @property
    def server_pid(self) -> int | None:
        """The worker server's pid, if it is running."""
        server = self._server
        return server.pid if server is not None and server.alive() else None

    def close(self) -> None:
        """Stop the worker server and its workers; later runs raise SandboxError."""
        with self._lock:
            self._closed = True
            server, self._server = self._server, None
        if server is not None and self._owner_pid == os.getpid():
            server.close()
        atexit.unregister(self.close)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _running_server(self) -> WorkerServerHandle:
        with self._lock:
            if self._closed:
                raise SandboxError("the sandbox is closed")
            if self._owner_pid != os.getpid():
                self._server, self._owner_pid = None, os.getpid()
            if self._server is None or not self._server.alive():
                self._server = self._start_server()
            return self._server

    def _start_server(self) -> WorkerServerHandle:
        if self._server is not None:
            self._server.close()
        try:
            server = WorkerServerHandle(
                prefork=self.prefork, allow_weak_isolation=self.allow_weak_isolation
            )
        except (WorkerServerGone, OSError) as exc:
            raise SandboxError(f"the sandbox's worker server did not start: {exc}") from exc
        atexit.register(self.close)
        return server

    def _spawn(self) -> tuple[WorkerServerHandle, Worker]:
        for _attempt in range(2):
            server = self._running_server()
            try:
                return server, server.spawn()
            except WorkerServerGone as exc:
                logger.warning("worker server %d failed (%s); restarting it", server.pid, exc)
                server.close()
        raise SandboxError("the sandbox's worker server keeps failing")

    def _converse(
        self,
        server: WorkerServerHandle,
        worker: Worker,
        job: Job,
        tools: Mapping[str, Callable[..., Any]],
    ) -> tuple[Ending, int | None]:
        conversation = Conversation(
            worker.sock,
            tools,
            deadline=time.monotonic() + job.timeout_s,
            max_tool_calls=self.max_tool_calls,
            max_output_chars=self.max_output_chars,
            wants_compiled=job.send_compiled,
        )
        ending: Ending | None = None
        try:
            ending = conversation.run(job.as_message())
        finally:
            if ending is not None and ending.reason == "closed":
                status = server.reap(worker)
            else:
                server.release(worker)
                status = None
        return ending, status

    def _result(self, ending: Ending, status: int | None, job: Job, started: float) -> RunResult:
        if ending.report is not None:
            return RunResult(
                **ending.report,
                tool_calls=ending.tool_calls,
                duration_ms=_elapsed_ms(started),
            )
        error, kind = self._failure_of(ending.reason, status, job)
        return _failure(started, error, kind, tool_calls=ending.tool_calls)

    def _failure_of(self, reason: str, status: int | None, job: Job) -> tuple[str, str]:
        if reason == "timeout":
            return (
                f"the program did not finish within {job.timeout_s:g} s; "
                "look for a loop that never ends or do less work",
                "timeout",
            )
        if reason == "tool_limit":
            return (
                f"too many tool calls: a program may make {self.max_tool_calls}; "
                "fetch more per call instead of calling in a loop",
                "tool",
            )
        if reason == "protocol":
            return "the worker broke the sandbox protocol and was stopped", "policy"
        return _death(status, job)


def _death(status: int | None, job: Job) -> tuple[str, str]:
    """Why a worker that sent no report died, from its wait status."""
    if status is not None and os.WIFSIGNALED(status):
        signum = os.WTERMSIG(status)
        if signum == signal.SIGXCPU:
            return f"the program used more than {job.timeout_s:g} s of CPU time", "timeout"
        if signum in (signal.SIGSEGV, signal.SIGBUS):  # its stack, or the heap at the limit
            return (
                f"the program ran out of memory (limit {job.memory_mb} MB) or of stack: "
                "objects nested too deeply, such as thousands of map(), zip() or filter() "
                "wrapped around each other",
                "memory",
            )
        if signum in MEMORY_SIGNALS:
            return f"the program ran out of memory (limit {job.memory_mb} MB)", "memory"
    exit_code = os.WEXITSTATUS(status) if status is not None and os.WIFEXITED(status) else None
    if exit_code == EXIT_OUT_OF_MEMORY:
        return f"the program ran out of memory (limit {job.memory_mb} MB)", "memory"
    if exit_code == EXIT_UNISOLATED:
        logger.error("a worker could not put its isolation in place and ran nothing")
        return "the sandbox could not isolate a worker, so the program did not run", "policy"
    logger.warning("worker stopped without a report (wait status %s)", status)
    return f"the program's worker stopped unexpectedly (wait status {status})", "runtime"


def _check_arguments(
    code: Any, tools: Mapping[str, Callable[..., Any]], timeout_s: float, memory_mb: int
) -> None:
    if not isinstance(code, str):
        raise TypeError(f"code must be a str, not {type(code).__name__}")
    for name, tool in tools.items():
        if not _valid_tool_name(name):
            raise ValueError(f"{name!r} cannot be a tool name")
        if not callable(tool):
            raise TypeError(f"tool {name!r} is not callable")
    if not 0 < timeout_s <= MAX_TIMEOUT_S:
        raise ValueError(f"timeout_s must be in (0, {MAX_TIMEOUT_S:g}]")
    if memory_mb < MIN_MEMORY_MB:
        raise ValueError(f"memory_mb must be at least {MIN_MEMORY_MB}")


def _valid_tool_name(name: Any) -> bool:
    return (
        isinstance(name, str)
        and name.isidentifier()
        and not keyword.iskeyword(name)
        and not name.startswith("_")
        and name not in RESERVED_NAMES
    )


def _elapsed_ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _failure(started: float, error: str, kind: Any, *, tool_calls: int = 0) -> RunResult:
    return RunResult(
        ok=False,
        answer=None,
        stdout="",
        error=error,
        error_kind=kind,
        tool_calls=tool_calls,
        duration_ms=_elapsed_ms(started),
    )
