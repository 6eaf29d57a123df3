"""Runs untrusted, model-written Python in a restricted, isolated worker process.

    from sandbox import run
    result = run(code, {"today": today, "find_deals": find_deals}, timeout_s=5.0)
    result.ok, result.answer, result.error, result.error_kind

The first `run` starts a worker server in the background; `shutdown()` stops it, as does
interpreter exit. `configure()` sets the shared instance's options; `Sandbox` gives a separately
configured instance (caps, prefork, weak isolation accepted).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from sandbox.job import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S
from sandbox.result import ERROR_KINDS, ErrorKind, RunResult, SandboxError

if TYPE_CHECKING:
    from sandbox.shared import configure, default_sandbox, run, shutdown
    from sandbox.supervisor import Sandbox

__all__ = [
    "DEFAULT_MEMORY_MB",
    "DEFAULT_TIMEOUT_S",
    "ERROR_KINDS",
    "ErrorKind",
    "RunResult",
    "Sandbox",
    "SandboxError",
    "configure",
    "default_sandbox",
    "run",
    "shutdown",
]

# The bot's side, imported on first use (PEP 562). The worker server imports this package
# too, for its own modules, and every module it holds makes each fork of a worker dearer:
# the bot's side alone (threads, subprocesses, hashes, caches) cost ~1 ms of CPU a fork.
_BOT_SIDE = {
    "Sandbox": "sandbox.supervisor",
    **dict.fromkeys(("configure", "default_sandbox", "run", "shutdown"), "sandbox.shared"),
}


def __getattr__(name: str) -> Any:
    if name in _BOT_SIDE:
        return getattr(import_module(_BOT_SIDE[name]), name)
    raise AttributeError(f"module 'sandbox' has no attribute {name!r}")
