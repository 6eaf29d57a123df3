"""Operating-system isolation of workers: set up once by the worker server, applied by each worker.

`prepare()` runs once in the worker server: an empty root directory, and — when running as
root, as the bot usually does in a container — a network namespace of its own with nothing
in it and the unprivileged user to drop to. `harden_worker()` runs in every forked worker
before it sees a program: no files but its pipe, no core dumps, no file writes, no children,
an empty working directory (chroot'ed into it when root), the drop to `nobody`, then the
system-call filter (`syscall_filter.py`). `apply_run_limits()` adds the per-run CPU and
address-space limits.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import math
import os
import pwd
import resource
import signal
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Final

from sandbox import syscall_filter

logger = logging.getLogger(__name__)

CLONE_NEWNET: Final = 0x40000000
PR_SET_PDEATHSIG: Final = 1
PR_SET_DUMPABLE: Final = 4
PR_SET_NO_NEW_PRIVS: Final = 38
WORKER_FD: Final = 3
UNPRIVILEGED_USER: Final = "nobody"
MAX_FD: Final = 1 << 20


class IsolationError(Exception):
    """A worker could not put a required restriction in place (it then exits unused)."""


@dataclass(frozen=True)
class Isolation:
    """What the worker server set up for its workers."""

    root: str
    chroot: bool
    network_isolated: bool
    user: str | None = None
    uid: int | None = None
    gid: int | None = None
    syscalls_filtered: bool = False

    def as_message(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> Isolation:
        return cls(**message)


@functools.cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def prepare() -> Isolation:
    """Set up, in the worker server, what every worker will share.

    Each step is tried, not assumed: a container may run us as root yet forbid unshare,
    chroot or setuid, and workers then do without that step.
    """
    root = tempfile.mkdtemp(prefix="dealbot-sandbox-")
    os.chmod(root, 0o555)
    privileged = os.geteuid() == 0
    if not privileged:
        logger.info("not root: workers keep this user and the host network namespace")
    network_isolated = privileged and _unshare_network()
    account = _unprivileged_account() if privileged else None
    chroot, drop, filtered = _probe(root, account, privileged)
    dropped_to = account if drop else None
    return Isolation(
        root=root,
        chroot=chroot,
        network_isolated=network_isolated,
        user=dropped_to.pw_name if dropped_to else None,
        uid=dropped_to.pw_uid if dropped_to else None,
        gid=dropped_to.pw_gid if dropped_to else None,
        syscalls_filtered=filtered,
    )


def _unprivileged_account() -> pwd.struct_passwd | None:
    try:
        return pwd.getpwnam(UNPRIVILEGED_USER)
    except KeyError:
        logger.warning("no %r user: workers stay root", UNPRIVILEGED_USER)
        return None


def _probe(
    root: str, account: pwd.struct_passwd | None, privileged: bool
) -> tuple[bool, bool, bool]:
    """Which of chroot, the drop to `account` and the syscall filter work, in a throwaway child."""
    pid = os.fork()
    if pid == 0:
        chrooted = privileged and _attempt(lambda: os.chroot(root))
        dropped = account is not None and _attempt(lambda: _drop_to(account.pw_uid, account.pw_gid))
        filtered = syscall_filter.supported() and _attempt(syscall_filter.install)
        os._exit(int(chrooted) | int(dropped) << 1 | int(filtered) << 2)
    _, status = os.waitpid(pid, 0)
    result = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 0
    chroot, drop, filtered = bool(result & 1), bool(result & 2), bool(result & 4)
    if privileged and not chroot:
        logger.warning("cannot chroot: workers keep the server's file system view")
    if account is not None and not drop:
        logger.warning("cannot drop to %r: workers stay root", account.pw_name)
    if not filtered:
        logger.warning("no system-call filter for workers on this machine")
    return chroot, drop, filtered


def _attempt(action: Callable[[], object]) -> bool:
    try:
        action()
    except OSError:
        return False
    return True


def _unshare_network() -> bool:
    if _libc().unshare(CLONE_NEWNET) == 0:
        return True
    logger.warning("cannot unshare the network namespace: %s", os.strerror(ctypes.get_errno()))
    return False


def _prctl(option: int, value: int) -> None:
    if _libc().prctl(option, ctypes.c_ulong(value), 0, 0, 0) != 0:
        raise IsolationError(f"prctl({option}) failed: {os.strerror(ctypes.get_errno())}")


def harden_worker(isolation: Isolation, pipe_fd: int, devnull_fd: int, server_pid: int) -> int:
    """Restrict the calling (freshly forked) worker; returns the fd of its pipe to the bot."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != server_pid:
        raise IsolationError("the worker server is gone")
    for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)
    _keep_only_pipe(pipe_fd, devnull_fd)
    _enter_root(isolation)
    _limit_resources()
    _drop_privileges(isolation)
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    _prctl(PR_SET_DUMPABLE, 0)
    if isolation.syscalls_filtered:
        syscall_filter.install()
    return WORKER_FD


def _keep_only_pipe(pipe_fd: int, devnull_fd: int) -> None:
    # /dev/null first: it may itself sit on WORKER_FD, which the pipe then takes over.
    os.dup2(devnull_fd, 1)
    os.dup2(devnull_fd, 2)
    os.dup2(pipe_fd, WORKER_FD, inheritable=False)
    os.close(0)
    os.closerange(WORKER_FD + 1, MAX_FD)


def _enter_root(isolation: Isolation) -> None:
    if isolation.chroot:
        os.chroot(isolation.root)
        os.chdir("/")
    else:
        os.chdir(isolation.root)


def _limit_resources() -> None:
    set_limit(resource.RLIMIT_CORE, 0)
    set_limit(resource.RLIMIT_FSIZE, 0)
    set_limit(resource.RLIMIT_NPROC, 0)
    set_limit(resource.RLIMIT_NOFILE, WORKER_FD + 1)
    set_limit(resource.RLIMIT_MEMLOCK, 0)
    set_limit(resource.RLIMIT_MSGQUEUE, 0)


def _drop_privileges(isolation: Isolation) -> None:
    if isolation.uid is None or isolation.gid is None:
        return
    _drop_to(isolation.uid, isolation.gid)
    if os.getresuid() != (isolation.uid,) * 3:
        raise IsolationError("the privilege drop did not take")


def _drop_to(uid: int, gid: int) -> None:
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)


def apply_run_limits(timeout_s: float, memory_mb: int) -> None:
    """CPU seconds (a backstop behind the bot's wall-clock kill) and address space."""
    cpu_s = math.ceil(timeout_s) + 1
    set_limit(resource.RLIMIT_CPU, cpu_s, cpu_s + 1)
    set_limit(resource.RLIMIT_AS, memory_mb * 1024 * 1024)


def set_limit(which: int, soft: int, hard: int | None = None) -> None:
    """Lower a limit (never raise it above the current hard limit)."""
    hard = soft if hard is None else hard
    _, current_hard = resource.getrlimit(which)
    if current_hard != resource.RLIM_INFINITY:
        hard = min(hard, current_hard)
    resource.setrlimit(which, (min(soft, hard), hard))
