"""Landlock for workers: no file access at all, no TCP, no abstract unix sockets, no signals out.

Landlock (Linux 5.13+) lets an unprivileged process take rights away from itself for good. A
worker builds a ruleset that handles every file-system right its kernel's ABI knows and adds
no rule, so nothing may be opened, created, removed, executed, truncated or ioctl'ed on any
path (descriptors it already holds keep working). From ABI 4 TCP bind/connect are handled
with no rule (no TCP); from ABI 6 the worker is scoped: it can neither reach an abstract unix
socket nor signal a process outside its own Landlock domain — the bot, the worker server,
other workers. Needs no privilege, only no-new-privs. Probed, never assumed: `abi()` is 0 on
a kernel without Landlock (or with it disabled).
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
from typing import Final

SYS_LANDLOCK_CREATE_RULESET: Final = 444  # the same number on every architecture
SYS_LANDLOCK_RESTRICT_SELF: Final = 446
LANDLOCK_CREATE_RULESET_VERSION: Final = 1
# ABI 7 adds audit-logging flags, no new right: what ABI 6 handles is everything there is.
HIGHEST_KNOWN_ABI: Final = 7

ACCESS_FS_V1: Final = (1 << 13) - 1  # execute, read/write file, read dir, remove, make_*
ACCESS_FS_REFER: Final = 1 << 13  # ABI 2
ACCESS_FS_TRUNCATE: Final = 1 << 14  # ABI 3
ACCESS_FS_IOCTL_DEV: Final = 1 << 15  # ABI 5
ACCESS_NET_TCP: Final = (1 << 0) | (1 << 1)  # bind, connect; ABI 4
SCOPE_ABSTRACT_UNIX_SOCKET: Final = 1 << 0  # ABI 6
SCOPE_SIGNAL: Final = 1 << 1  # ABI 6


class RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


@functools.cache
def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


@functools.cache
def abi() -> int:
    """The kernel's Landlock ABI version, 0 if it has none (or has it disabled)."""
    version = _libc().syscall(
        ctypes.c_long(SYS_LANDLOCK_CREATE_RULESET),
        None,
        ctypes.c_size_t(0),
        ctypes.c_uint32(LANDLOCK_CREATE_RULESET_VERSION),
    )
    return max(int(version), 0)


def handled_fs(version: int) -> int:
    """Every file-system right ABI `version` knows."""
    rights = ACCESS_FS_V1
    if version >= 2:
        rights |= ACCESS_FS_REFER
    if version >= 3:
        rights |= ACCESS_FS_TRUNCATE
    if version >= 5:
        rights |= ACCESS_FS_IOCTL_DEV
    return rights


def ruleset(version: int) -> tuple[RulesetAttr, int]:
    """The ruleset for ABI `version` and the size of the attribute struct that ABI reads."""
    attr = RulesetAttr(handled_access_fs=handled_fs(version))
    size = 8
    if version >= 4:
        attr.handled_access_net = ACCESS_NET_TCP
        size = 16
    if version >= 6:
        attr.scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL
        size = 24
    return attr, size


def restrict(version: int) -> None:
    """Restrict the calling process for good (no-new-privs must be set); OSError if refused."""
    if version <= 0:
        raise OSError(errno.EOPNOTSUPP, "Landlock is not available")
    attr, size = ruleset(min(version, HIGHEST_KNOWN_ABI))
    libc = _libc()
    fd = libc.syscall(
        ctypes.c_long(SYS_LANDLOCK_CREATE_RULESET),
        ctypes.byref(attr),
        ctypes.c_size_t(size),
        ctypes.c_uint32(0),
    )
    if fd < 0:
        _raise("landlock_create_ruleset")
    try:
        result = libc.syscall(
            ctypes.c_long(SYS_LANDLOCK_RESTRICT_SELF), ctypes.c_int(fd), ctypes.c_uint32(0)
        )
        if result != 0:
            _raise("landlock_restrict_self")
    finally:
        os.close(fd)


def _raise(what: str) -> None:
    error = ctypes.get_errno()
    raise OSError(error, f"{what}: {os.strerror(error)}")
