"""A seccomp allow-list for workers: the system calls a running program needs, nothing else.

A worker installs it after the per-run limits, just before it compiles the program, and from
then on it may only: talk to the bot over the socket it holds (recvfrom/sendto, the FIONBIO
ioctl that socket timeouts use, poll), manage its own memory, handle its own signals, read
clocks, get random bytes, yield, and exit. Every other call gets EPERM — among them opening
any file, new sockets, SysV and POSIX IPC, fork/clone/exec, ptrace and reading other
processes, signalling anyone (kill/tkill/tgkill), namespaces, mount, chroot, the setuid
family, setrlimit, prctl, BPF, io_uring, userfaultfd, perf, keyrings. A call from another
architecture, or an x32 call, kills the worker.

The set was found by tracing (`strace -f`) workers running the whole sandbox test suite
(everyday programs, limits, tools, failures) and is covered by tests/sandbox/test_everyday.py.
Needs no privilege (only no-new-privs); x86-64 only: elsewhere `supported()` is False and the
sandbox reports the layer missing. `prepare()` builds the BPF program once, in the worker
server, so a worker installs it with a single prctl.
"""

from __future__ import annotations

import ctypes
import errno
import functools
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
FIONBIO: Final = 0x5421

BPF_LOAD_WORD: Final = 0x20  # BPF_LD | BPF_W | BPF_ABS
BPF_JUMP_EQUAL: Final = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
BPF_JUMP_AT_LEAST: Final = 0x35  # BPF_JMP | BPF_JGE | BPF_K
BPF_RETURN: Final = 0x06  # BPF_RET | BPF_K
SECCOMP_DATA_NR: Final = 0
SECCOMP_DATA_ARCH: Final = 4
SECCOMP_DATA_ARG1_LOW: Final = 24  # args[1], low 32 bits (little-endian); ioctl's `cmd`

IOCTL_X86_64: Final = 16
ALLOWED_X86_64: Final = {
    # The pipe to the bot (fd 3) and /dev/null on stdout/stderr: the only descriptors it has.
    "read": 0,
    "write": 1,
    "close": 3,
    "poll": 7,
    "sendto": 44,
    "recvfrom": 45,
    "ppoll": 271,
    # ioctl: FIONBIO only (socket.settimeout); any other request is refused.
    "ioctl": IOCTL_X86_64,
    # Memory: the allocator, and running out of it within RLIMIT_AS.
    "mmap": 9,
    "mprotect": 10,
    "munmap": 11,
    "brk": 12,
    "mremap": 25,
    "madvise": 28,
    "futex": 202,
    # Its own signal handling, and the kernel resuming an interrupted call.
    "rt_sigaction": 13,
    "rt_sigprocmask": 14,
    "rt_sigreturn": 15,
    "sigaltstack": 131,
    "restart_syscall": 219,
    # Clocks (normally served by the vDSO), its own identity and usage, randomness.
    "gettimeofday": 96,
    "time": 201,
    "clock_gettime": 228,
    "clock_getres": 229,
    "getpid": 39,
    "gettid": 186,
    "getrusage": 98,
    "times": 100,
    "getrandom": 318,
    "sched_yield": 24,
    # The end.
    "exit": 60,
    "exit_group": 231,
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
    """Whether this machine's architecture has an allow-list here."""
    return platform.machine() == "x86_64"


def program(allowed: list[int]) -> list[tuple[int, int, int, int]]:
    """The BPF program: wrong architecture or x32 kills, `allowed` pass, the rest get EPERM.

    ioctl (if in `allowed`) passes only with request FIONBIO.
    """
    others = [nr for nr in allowed if nr != IOCTL_X86_64]
    refuse_at = 7 + len(others)
    allow_at, kill_at = refuse_at + 1, refuse_at + 2
    ioctl_nr = IOCTL_X86_64 if IOCTL_X86_64 in allowed else 0xFFFFFFFF
    return [
        (BPF_LOAD_WORD, 0, 0, SECCOMP_DATA_ARCH),
        (BPF_JUMP_EQUAL, 0, kill_at - 2, AUDIT_ARCH_X86_64),
        (BPF_LOAD_WORD, 0, 0, SECCOMP_DATA_NR),
        (BPF_JUMP_AT_LEAST, kill_at - 4, 0, X32_SYSCALL_BIT),
        (BPF_JUMP_EQUAL, 0, 2, ioctl_nr),
        (BPF_LOAD_WORD, 0, 0, SECCOMP_DATA_ARG1_LOW),
        (BPF_JUMP_EQUAL, allow_at - 7, refuse_at - 7, FIONBIO),
        *((BPF_JUMP_EQUAL, allow_at - (8 + i), 0, nr) for i, nr in enumerate(others)),
        (BPF_RETURN, 0, 0, SECCOMP_RET_ERRNO | errno.EPERM),
        (BPF_RETURN, 0, 0, SECCOMP_RET_ALLOW),
        (BPF_RETURN, 0, 0, SECCOMP_RET_KILL_PROCESS),
    ]


@functools.cache
def prepare() -> tuple[ctypes.CDLL, SockFprog, ctypes.Array[SockFilter]]:
    """Build the filter once (in the worker server, before it forks workers).

    The instruction array is returned (and so cached) with the struct that points at it.
    """
    instructions = program(sorted(ALLOWED_X86_64.values()))
    filters = (SockFilter * len(instructions))(*(SockFilter(*i) for i in instructions))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl  # noqa: B018 - looked up now, not in every worker
    return libc, SockFprog(len(instructions), filters), filters


def install() -> None:
    """Install the filter on the calling process, for good; OSError if the kernel refuses."""
    if not supported():
        raise OSError(errno.ENOSYS, "no seccomp allow-list for this architecture")
    libc, fprog, _filters = prepare()
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, ctypes.c_ulong(1), 0, 0, 0), "no_new_privs")
    mode = ctypes.c_ulong(SECCOMP_MODE_FILTER)
    _check(libc.prctl(PR_SET_SECCOMP, mode, ctypes.byref(fprog), 0, 0), "seccomp")


def _check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")
