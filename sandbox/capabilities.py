"""Linux capabilities: none for a worker.

A worker may hold capabilities it must not keep: real root's, or — in the unprivileged set-up —
the full set a process gets in a user namespace it created. The worker server empties its
bounding and ambient sets once (`empty_bounding_and_ambient()`; the bounding set needs
CAP_SETPCAP, which a process that never had capabilities lacks — no-new-privs then keeps
execve from granting any), so every worker inherits them empty; each worker then empties its
effective, permitted and inheritable sets (`drop_all()`) and reads them back (`none_held()`;
the ambient set is always a subset of permitted and inheritable).
"""

from __future__ import annotations

import ctypes
import functools
import os
from typing import Final

PR_CAPBSET_READ: Final = 23
PR_CAPBSET_DROP: Final = 24
PR_CAP_AMBIENT: Final = 47
PR_CAP_AMBIENT_CLEAR_ALL: Final = 4
CAP_SETPCAP: Final = 8
LINUX_CAPABILITY_VERSION_3: Final = 0x20080522


class CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


@functools.cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


@functools.cache
def last_cap() -> int:
    """The highest capability this kernel knows (read once, before any chroot)."""
    try:
        with open("/proc/sys/kernel/cap_last_cap") as file:
            return int(file.read())
    except (OSError, ValueError):
        cap = 0
        while _prctl(PR_CAPBSET_READ, cap + 1) >= 0:
            cap += 1
        return cap


def _prctl(option: int, arg: int, arg2: int = 0) -> int:
    return _libc().prctl(option, ctypes.c_ulong(arg), ctypes.c_ulong(arg2), 0, 0)


def empty_bounding_and_ambient() -> None:
    """Empty the bounding set, if this process may (CAP_SETPCAP), and the ambient set."""
    if _sets()[0] >> CAP_SETPCAP & 1:
        for cap in range(last_cap() + 1):
            if _prctl(PR_CAPBSET_DROP, cap) != 0:
                _raise(f"dropping capability {cap} from the bounding set")
    if _prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL) != 0:
        _raise("clearing the ambient set")


def drop_all() -> None:
    """Empty the effective, permitted and inheritable sets; OSError if the kernel refuses."""
    header = CapHeader(LINUX_CAPABILITY_VERSION_3, 0)
    data = (CapData * 2)()
    if _libc().capset(ctypes.byref(header), data) != 0:
        _raise("capset")


def none_held() -> bool:
    """Whether the calling process holds no capability (ambient ones included)."""
    return not any(_sets())


def _sets() -> tuple[int, int, int]:
    """The effective, permitted and inheritable sets (all set if they cannot be read)."""
    header = CapHeader(LINUX_CAPABILITY_VERSION_3, 0)
    data = (CapData * 2)()
    if _libc().capget(ctypes.byref(header), data) != 0:
        return (-1, -1, -1)
    low, high = data
    return (
        low.effective | high.effective << 32,
        low.permitted | high.permitted << 32,
        low.inheritable | high.inheritable << 32,
    )


def _raise(what: str) -> None:
    error = ctypes.get_errno()
    raise OSError(error, f"{what}: {os.strerror(error)}")
