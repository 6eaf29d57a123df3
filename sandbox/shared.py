"""The shared Sandbox behind `sandbox.run`: created on first use, configured by `configure`."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from sandbox.job import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S
from sandbox.result import RunResult
from sandbox.supervisor import Sandbox

_default: Sandbox | None = None
_default_options: dict[str, Any] = {}
_default_lock = threading.Lock()


def configure(*, allow_weak_isolation: bool = False) -> None:
    """Options of the shared Sandbox behind `run` (see Sandbox); a running one is restarted."""
    global _default
    with _default_lock:
        _default_options.update(allow_weak_isolation=allow_weak_isolation)
        stale = _default
        if stale is not None and stale.allow_weak_isolation != allow_weak_isolation:
            _default = None
        else:
            stale = None
    if stale is not None:
        stale.close()


def default_sandbox() -> Sandbox:
    """The shared Sandbox behind `run`, created on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Sandbox(**_default_options)
        return _default


def run(
    code: str,
    tools: Mapping[str, Callable[..., Any]],
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_mb: int = DEFAULT_MEMORY_MB,
) -> RunResult:
    """Run one program in a fresh worker; see RunResult for what comes back."""
    return default_sandbox().run(code, tools, timeout_s=timeout_s, memory_mb=memory_mb)


def shutdown() -> None:
    """Stop the shared Sandbox's worker server; a later `run` starts a new one."""
    global _default
    with _default_lock:
        sandbox, _default = _default, None
    if sandbox is not None:
        sandbox.close()
