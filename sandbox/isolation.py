"""Operating-system isolation of workers: probed once by the worker server, applied by each worker.

The worker server is two processes (worker_server.py). The outer one calls `prepare()`: an empty
root directory, then PID, IPC and network namespaces — directly when root with
CAP_SYS_ADMIN, else inside an unprivileged user namespace (namespaces.py). It forks the inner
server, pid 1 of the new PID namespace, which calls `probe()`: a throwaway child tries every
per-worker layer, and what held becomes the `Isolation` every worker must then apply.

`harden_worker()` runs in every forked worker before it sees a program: only its pipe and
/dev/null, a fresh IPC namespace of its own, chroot into the empty directory, rlimits (no
core dumps, no file writes, no children, four descriptors), the drop to `nobody` when real
root, no capabilities, no-new-privs, not dumpable, Landlock (landlock.py). `seal_worker()`
installs the seccomp allow-list (syscall_filter.py) once the job's per-run limits are set
(`apply_run_limits()`), just before the program is compiled. A worker that cannot put in
place a layer the probe found, or whose server lacks a required layer without the operator's
leave, exits (EXIT_UNISOLATED) without running anything.

What "strong" means is `REQUIREMENTS`; `Isolation.missing()` names what is not met and
`Isolation.problem()` says it in one line, with how to fix it.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import functools
import math
import os
import pwd
import resource
import signal
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any, Final

from sandbox import capabilities, landlock, namespaces, syscall_filter
from sandbox.job import EXIT_UNISOLATED
from sandbox.syscall_filter import PR_SET_NO_NEW_PRIVS

PR_SET_PDEATHSIG: Final = 1
PR_GET_DUMPABLE: Final = 3
PR_SET_DUMPABLE: Final = 4
WORKER_FD: Final = 3
UNPRIVILEGED_USER: Final = "nobody"
MAX_FD: Final = 1 << 20

# Tests only: a comma-separated list of LAYERS the sandbox must not set up, to exercise the
# fail-closed path. A skipped layer is reported missing, so setting it can only make the
# sandbox refuse programs (unless weak isolation is explicitly allowed too), never make it
# claim a protection it lacks.
TESTING_SKIP_ENV: Final = "DEALBOT_SANDBOX_TESTING_SKIP"
LAYERS: Final = (
    "user_namespace",
    "pid_namespace",
    "ipc_namespace",
    "network_namespace",
    "chroot",
    "user",
    "capabilities",
    "landlock",
    "seccomp",
    "host_non_dumpable",
)
HOW_TO_FIX: Final = (
    "run the bot where it may create user namespaces (sysctl user.max_user_namespaces > 0; "
    "on Ubuntu kernel.apparmor_restrict_unprivileged_userns=0) or as root with CAP_SYS_ADMIN, "
    "on x86-64 Linux 5.13+ with Landlock; or accept weaker isolation explicitly "
    "(Sandbox(allow_weak_isolation=True))"
)


class IsolationError(Exception):
    """A worker could not put a required restriction in place (it then exits unused)."""


@dataclass(frozen=True)
class Isolation:
    """Which layers hold for every worker of a worker server.

    user_namespace: the server runs in an unprivileged user namespace of its own.
    pid_namespace, network_namespace: the server and its workers have their own (empty).
    ipc_namespace: every worker has a fresh IPC namespace of its own.
    chroot: workers are chroot'ed into `root`, an empty, read-only directory.
    user/uid/gid: the unprivileged user workers drop to (real root only), else None.
    capabilities_dropped: workers hold no capability in any set.
    landlock: the Landlock ABI workers restrict themselves with (no file access), 0 if none.
    seccomp: workers run under the system-call allow-list.
    host_non_dumpable: the bot process is not dumpable (no same-user /proc/<pid>/environ).
    """

    root: str
    user_namespace: bool = False
    pid_namespace: bool = False
    ipc_namespace: bool = False
    network_namespace: bool = False
    chroot: bool = False
    user: str | None = None
    uid: int | None = None
    gid: int | None = None
    capabilities_dropped: bool = False
    landlock: int = 0
    seccomp: bool = False
    host_non_dumpable: bool = False

    def missing(self) -> list[str]:
        """The required protections (REQUIREMENTS) that do not hold; empty when strong."""
        return [name for name, holds in REQUIREMENTS if not holds(self)]

    def problem(self) -> str | None:
        """None when every required protection holds, else one line: what is missing, the fix."""
        missing = self.missing()
        if not missing:
            return None
        return f"sandbox isolation is incomplete, missing: {'; '.join(missing)}. Fix: {HOW_TO_FIX}"

    def summary(self) -> str:
        """The layers that hold, in one line."""
        spaces = [
            name
            for name, held in (
                ("user", self.user_namespace),
                ("PID", self.pid_namespace),
                ("IPC (per worker)", self.ipc_namespace),
                ("network", self.network_namespace),
            )
            if held
        ]
        layers = [f"{', '.join(spaces)} namespaces" if spaces else "no namespaces"]
        layers.append("chroot" if self.chroot else "no chroot")
        layers.append(f"user {self.user}" if self.user else "no user of its own")
        layers.append("no capabilities" if self.capabilities_dropped else "capabilities kept")
        layers.append(f"Landlock ABI {self.landlock}" if self.landlock else "no Landlock")
        layers.append("seccomp allow-list" if self.seccomp else "no seccomp")
        layers.append("bot non-dumpable" if self.host_non_dumpable else "bot dumpable")
        return ", ".join(layers)

    def as_message(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> Isolation:
        return cls(**message)


REQUIREMENTS: Final[tuple[tuple[str, Callable[[Isolation], bool]], ...]] = (
    ("no file access (chroot or Landlock)", lambda i: i.chroot or i.landlock > 0),
    ("the seccomp allow-list (x86-64 only)", lambda i: i.seccomp),
    ("no capabilities", lambda i: i.capabilities_dropped),
    (
        "no other process visible or signalable (a PID namespace, or a user of its own)",
        lambda i: i.pid_namespace or i.user is not None,
    ),
    (
        "no network (a network namespace, or seccomp refusing sockets)",
        lambda i: i.network_namespace or i.seccomp,
    ),
    (
        "no shared IPC (an IPC namespace, or seccomp refusing SysV/POSIX IPC)",
        lambda i: i.ipc_namespace or i.seccomp,
    ),
    ("a non-dumpable bot process", lambda i: i.host_non_dumpable),
)


def skipped_layers(value: str | None) -> frozenset[str]:
    """The layers named in TESTING_SKIP_ENV's value; ValueError for an unknown name."""
    names = frozenset(name.strip() for name in (value or "").split(",") if name.strip())
    unknown = names - set(LAYERS)
    if unknown:
        raise ValueError(f"{TESTING_SKIP_ENV}: unknown layers {sorted(unknown)}")
    return names


@functools.cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _prctl(option: int, value: int) -> int:
    return _libc().prctl(option, ctypes.c_ulong(value), 0, 0, 0)


def _require_prctl(option: int, value: int) -> None:
    if _prctl(option, value) != 0:
        raise IsolationError(f"prctl({option}) failed: {os.strerror(ctypes.get_errno())}")


def make_host_non_dumpable() -> bool:
    """Make the calling (bot) process non-dumpable: no same-user process may then read its
    /proc/<pid>/environ or memory, or ptrace it. Whether it is non-dumpable now."""
    _prctl(PR_SET_DUMPABLE, 0)
    return _prctl(PR_GET_DUMPABLE, 0) == 0


# --- the outer worker server ---------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """What the outer worker server set up before forking the inner one."""

    root: str
    namespaces: namespaces.Namespaces
    skipped: frozenset[str]
    host_non_dumpable: bool


def prepare(skipped: Iterable[str] = (), *, host_non_dumpable: bool = False) -> Prepared:
    """In the outer worker server: the empty root directory, then the namespaces.

    The caller must fork before serving (CLONE_NEWPID applies to children only).
    """
    skipped = frozenset(skipped)
    root = tempfile.mkdtemp(prefix="dealbot-sandbox-")
    os.chmod(root, 0o555)
    # Read now what a chroot'ed worker could not read later.
    capabilities.last_cap()
    landlock.abi()
    if syscall_filter.supported():
        syscall_filter.prepare()
    entered = namespaces.enter(skipped)
    return Prepared(
        root, entered, skipped, host_non_dumpable and "host_non_dumpable" not in skipped
    )


def remove_root(root: str) -> None:
    with contextlib.suppress(OSError):
        os.rmdir(root)


# --- the inner worker server ---------------------------------------------------------------


def follow_parent() -> None:
    """In the inner server: die with the outer one, and lead a session of its own."""
    _require_prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    os.setsid()


def probe(prepared: Prepared) -> Isolation:
    """Try every per-worker layer in a throwaway child; what held is what workers will apply."""
    skipped = prepared.skipped
    if "capabilities" not in skipped:
        # Once, for every worker to inherit (it needs CAP_SETPCAP, which workers give up).
        with contextlib.suppress(OSError):
            capabilities.empty_bounding_and_ambient()
    in_user_namespace = prepared.namespaces.user
    account = None
    if os.geteuid() == 0 and not in_user_namespace and "user" not in skipped:
        account = _unprivileged_account()
    candidate = Isolation(
        root=prepared.root,
        user_namespace=in_user_namespace,
        pid_namespace=prepared.namespaces.pid,
        ipc_namespace="ipc_namespace" not in skipped,
        network_namespace=prepared.namespaces.network,
        chroot="chroot" not in skipped,
        user=account.pw_name if account else None,
        uid=account.pw_uid if account else None,
        gid=account.pw_gid if account else None,
        capabilities_dropped="capabilities" not in skipped,
        landlock=0 if "landlock" in skipped else landlock.abi(),
        seccomp="seccomp" not in skipped and syscall_filter.supported(),
        host_non_dumpable=prepared.host_non_dumpable,
    )
    pid = os.fork()
    if pid == 0:
        held = 0
        with contextlib.suppress(BaseException):
            devnull = os.open(os.devnull, os.O_RDWR)
            _keep_only_pipe(devnull, devnull)  # the descriptors a worker has
            for name in _apply_layers(candidate, strict=False):
                held |= 1 << PROBED.index(name)
        os._exit(held)
    _, status = os.waitpid(pid, 0)
    held = os.WEXITSTATUS(status) if os.WIFEXITED(status) else 0
    return _keep_held(candidate, {name for i, name in enumerate(PROBED) if held & 1 << i})


PROBED: Final = ("ipc_namespace", "chroot", "user", "capabilities", "landlock", "seccomp")


def _keep_held(candidate: Isolation, held: set[str]) -> Isolation:
    changes: dict[str, Any] = {}
    if "ipc_namespace" not in held:
        changes["ipc_namespace"] = False
    if "chroot" not in held:
        changes["chroot"] = False
    if "user" not in held:
        changes.update(user=None, uid=None, gid=None)
    if "capabilities" not in held:
        changes["capabilities_dropped"] = False
    if "landlock" not in held:
        changes["landlock"] = 0
    if "seccomp" not in held:
        changes["seccomp"] = False
    return dataclasses.replace(candidate, **changes)


def _warn(message: str, *args: object) -> None:
    # logging only when there is something to say: it imports threading, whose handler at
    # every fork (os.register_at_fork) would run in each worker
    import logging

    logging.getLogger(__name__).warning(message, *args)


def _unprivileged_account() -> pwd.struct_passwd | None:
    try:
        return pwd.getpwnam(UNPRIVILEGED_USER)
    except KeyError:
        _warn("no %r user: workers stay root", UNPRIVILEGED_USER)
        return None


# --- each worker ---------------------------------------------------------------------------


# In a worker, set by harden_worker: whether seal_worker installs the allow-list (None: the
# worker was not hardened).
_filter_pending: bool | None = None


def harden_worker(
    isolation: Isolation,
    pipe_fd: int,
    devnull_fd: int,
    server_pid: int,
    *,
    allow_weak: bool = False,
) -> int:
    """Restrict the calling (freshly forked) worker; returns the fd of its pipe to the bot.

    IsolationError (or OSError) if a layer does not take: the worker must then exit unused.
    """
    _require_prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != server_pid:
        raise IsolationError("the worker server is gone")
    if isolation.missing() and not allow_weak:
        raise IsolationError(f"weak isolation not allowed: {isolation.problem()}")
    for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)
    _keep_only_pipe(pipe_fd, devnull_fd)
    _apply_layers(isolation, strict=True)
    global _filter_pending
    _filter_pending = isolation.seccomp
    return WORKER_FD


def seal_worker() -> None:
    """The last step before a program runs: the seccomp allow-list, after the run limits.

    Exits the worker (EXIT_UNISOLATED) if it was not hardened or the filter does not take.
    """
    try:
        if _filter_pending is None:
            raise IsolationError("the worker was not hardened")
        if _filter_pending:
            syscall_filter.install()
    except BaseException:
        os._exit(EXIT_UNISOLATED)


def _apply_layers(isolation: Isolation, *, strict: bool) -> list[str]:
    """Apply, in order, the layers `isolation` names; which held.

    Strict (a worker): the first that fails raises. Not strict (the probe): each is tried.
    """
    held: list[str] = []

    def step(name: str, action: Callable[[], object]) -> None:
        try:
            action()
        except (OSError, IsolationError):
            if strict:
                raise
            return
        held.append(name)

    if isolation.ipc_namespace:
        step("ipc_namespace", _unshare_ipc)
    if isolation.chroot:
        step("chroot", lambda: _chroot(isolation.root))
    else:
        os.chdir(isolation.root)
    _limit_resources()
    if isolation.uid is not None and isolation.gid is not None:
        uid, gid = isolation.uid, isolation.gid
        step("user", lambda: _drop_user(uid, gid))
    if isolation.capabilities_dropped:
        step("capabilities", _drop_capabilities)
    _require_prctl(PR_SET_NO_NEW_PRIVS, 1)
    _require_prctl(PR_SET_DUMPABLE, 0)
    if isolation.landlock:
        step("landlock", lambda: landlock.restrict(isolation.landlock))
    if isolation.seccomp and not strict:
        step("seccomp", syscall_filter.install)
    return held


def _unshare_ipc() -> None:
    if not namespaces.unshare(namespaces.CLONE_NEWIPC):
        raise IsolationError(f"unshare(CLONE_NEWIPC): {os.strerror(ctypes.get_errno())}")


def _chroot(root: str) -> None:
    os.chroot(root)
    os.chdir("/")


def _drop_user(uid: int, gid: int) -> None:
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getresuid() != (uid,) * 3 or os.getresgid() != (gid,) * 3:
        raise IsolationError("the privilege drop did not take")


def _drop_capabilities() -> None:
    capabilities.drop_all()
    if not capabilities.none_held():
        raise IsolationError("capabilities remain after dropping them")


def _keep_only_pipe(pipe_fd: int, devnull_fd: int) -> None:
    # /dev/null first: it may itself sit on WORKER_FD, which the pipe then takes over.
    os.dup2(devnull_fd, 1)
    os.dup2(devnull_fd, 2)
    if pipe_fd == WORKER_FD:
        os.set_inheritable(WORKER_FD, False)
    else:
        os.dup2(pipe_fd, WORKER_FD, inheritable=False)
    os.close(0)
    os.closerange(WORKER_FD + 1, MAX_FD)


def _limit_resources() -> None:
    set_limit(resource.RLIMIT_CORE, 0)
    set_limit(resource.RLIMIT_FSIZE, 0)
    set_limit(resource.RLIMIT_NPROC, 0)
    set_limit(resource.RLIMIT_NOFILE, WORKER_FD + 1)
    set_limit(resource.RLIMIT_MEMLOCK, 0)
    set_limit(resource.RLIMIT_MSGQUEUE, 0)


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
