"""A seccomp filter for workers: system calls no program needs are refused with EPERM.

A worker talks to the bot over the one socket it inherited, so it never needs a new socket:
refusing `socket`/`socketpair` (and io_uring, which can open sockets) takes the network
away even where no network namespace could be made. Tracing or reading another process
(`ptrace`, `process_vm_readv`, `pidfd_getfd`), signalling one (`kill` and friends), and
namespace, mount, BPF, perf and keyring calls are refused too — they matter most when the
worker shares the bot's user. Needs no privilege (only no-new-privs); x86-64 only, where
other architectures get no filter.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
from typing import Final

PR_SET_NO_NEW_PRIVS: Final = 38
PR_SET_SECCOMP: Final = 22
SECCOMP_MODE_FILTER: Final = 2
SECCOMP_RET_ALLOW: Final = 0x7FFF0000
SECCOMP_RET_ERRNO: Final = 0x00050000
SECCOMP_RET_KILL_PROCESS: Final = 0x80000000
AUDIT_ARCH_X86_64: Final = 0xC000003E
X32_SYSCALL_BIT: Final = 0x40000000

BPF_LOAD_WORD: Final = 0x20  # BPF_LD | BPF_W | BPF_ABS
BPF_JUMP_EQUAL: Final = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
BPF_JUMP_AT_LEAST: Final = 0x35  # BPF_JMP | BPF_JGE | BPF_K
BPF_RETURN: Final = 0x06  # BPF_RET | BPF_K
SECCOMP_DATA_NR: Final = 0
SECCOMP_DATA_ARCH: Final = 4

REFUSED_X86_64: Final = {
    "socket": 41,
    "socketpair": 53,
    "kill": 62,
    "ptrace": 101,
    "rt_sigqueueinfo": 129,
    "mount": 165,
    "tkill": 200,
    "tgkill": 234,
    "add_key": 248,
    "request_key": 249,
    "keyctl": 250,
    "unshare": 272,
    "rt_tgsigqueueinfo": 297,
    "perf_event_open": 298,
    "setns": 308,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "bpf": 321,
    "userfaultfd": 323,
    "pidfd_send_signal": 424,
    "io_uring_setup": 425,
    "pidfd_open": 434,
    "pidfd_getfd": 438,
}


class SockFilter(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_ushort),
        ("jt", ctypes.c_ubyte),
        ("jf", ctypes.c_ubyte),
        ("k", ctypes.c_uint),
    ]


class SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(SockFilter))]


def supported() -> bool:
    """Whether this machine's architecture has a filter here."""
    return platform.machine() == "x86_64"


def program(refused: list[int]) -> list[tuple[int, int, int, int]]:
    """The BPF program: wrong architecture or x32 calls kill, refused calls get EPERM."""
    count = len(refused)
    kill_at, refuse_at = 6 + count, 5 + count
    return [
        (BPF_LOAD_WORD, 0, 0, SECCOMP_DATA_ARCH),
        (BPF_JUMP_EQUAL, 0, kill_at - 2, AUDIT_ARCH_X86_64),
        (BPF_LOAD_WORD, 0, 0, SECCOMP_DATA_NR),
        (BPF_JUMP_AT_LEAST, kill_at - 4, 0, X32_SYSCALL_BIT),
        *((BPF_JUMP_EQUAL, refuse_at - (5 + i), 0, nr) for i, nr in enumerate(refused)),
        (BPF_RETURN, 0, 0, SECCOMP_RET_ALLOW),
        (BPF_RETURN, 0, 0, SECCOMP_RET_ERRNO | errno.EPERM),
        (BPF_RETURN, 0, 0, SECCOMP_RET_KILL_PROCESS),
    ]


def install() -> None:
    """Install the filter on the calling process, for good; OSError if the kernel refuses."""
    instructions = program(sorted(REFUSED_X86_64.values()))
    filters = (SockFilter * len(instructions))(*(SockFilter(*i) for i in instructions))
    fprog = SockFprog(len(instructions), filters)
    libc = ctypes.CDLL(None, use_errno=True)
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, ctypes.c_ulong(1), 0, 0, 0), "no_new_privs")
    mode = ctypes.c_ulong(SECCOMP_MODE_FILTER)
    _check(libc.prctl(PR_SET_SECCOMP, mode, ctypes.byref(fprog), 0, 0), "seccomp")


def _check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")
