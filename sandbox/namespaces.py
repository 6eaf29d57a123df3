"""Linux namespaces for the worker server: its own PID, IPC and network namespaces.

Real root with CAP_SYS_ADMIN unshares them directly. Anyone else first makes an unprivileged
user namespace (no uid is mapped: root-without-capabilities could not map uid 0, and workers
need no file of their own), in which it holds every capability, and unshares them there.
Each namespace is tried, not assumed: a container may forbid some or all of them.

CLONE_NEWPID moves the caller's future children, not the caller: the worker server therefore
forks once after `enter()`, and that child — pid 1 of the new namespace — serves (worker_server.py).
"""

from __future__ import annotations

import ctypes
import functools
import operator
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

CLONE_NEWIPC: Final = 0x08000000
CLONE_NEWUSER: Final = 0x10000000
CLONE_NEWPID: Final = 0x20000000
CLONE_NEWNET: Final = 0x40000000
SERVER_NAMESPACES: Final = {
    "pid_namespace": CLONE_NEWPID,
    "ipc_namespace": CLONE_NEWIPC,
    "network_namespace": CLONE_NEWNET,
}


@dataclass(frozen=True)
class Namespaces:
    """The namespaces the calling process (or, for pid, its children) moved into."""

    user: bool = False
    pid: bool = False
    ipc: bool = False
    network: bool = False


@functools.cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def unshare(flags: int) -> bool:
    """unshare(2); whether it worked."""
    return _libc().unshare(ctypes.c_int(flags)) == 0


def enter(skipped: Iterable[str] = ()) -> Namespaces:
    """Move the calling, single-threaded process into what namespaces the kernel allows.

    `skipped` names namespaces not to try (tests of the fail-closed path only).
    """
    skipped = frozenset(skipped)
    wanted = {name: flag for name, flag in SERVER_NAMESPACES.items() if name not in skipped}
    if not wanted:
        return Namespaces()
    combined = functools.reduce(operator.or_, wanted.values())
    if unshare(combined):
        return Namespaces(**{_FIELDS[name]: True for name in wanted})
    user = "user_namespace" not in skipped and unshare(CLONE_NEWUSER)
    held = {_FIELDS[name]: unshare(flag) for name, flag in wanted.items()}
    return Namespaces(user=user, **held)


_FIELDS: Final = {"pid_namespace": "pid", "ipc_namespace": "ipc", "network_namespace": "network"}
