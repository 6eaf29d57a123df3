"""A program that escaped the language layer: plain Python in a real, fully hardened worker.

`escaped_sandbox()` gives a Sandbox whose worker server is the real one, forking workers
hardened exactly as always (namespaces, chroot, rlimits, no capabilities, Landlock, then the
seccomp allow-list after the run limits); only the program is run by plain `exec` instead of
RestrictedPython, as if it had broken out. `ESCAPE` tries what such a program would.

`python -m tests.sandbox.escaped` prints, as JSON, what a sandbox started by this process
reports and what an escaped program achieves in it: the isolation tests run it as root
without capabilities and as an unprivileged user.
"""

from __future__ import annotations

import builtins
import contextlib
import ctypes
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Any
from unittest import mock

from sandbox import Sandbox, server_handle, wire, worker

BOOTSTRAP = (
    "import sys; sys.path.insert(0, sys.argv[2]); import tests.sandbox.escaped as escaped; "
    "escaped.take_over_the_worker(); from sandbox.worker_server import main; main()"
)
LIBC = ctypes.CDLL(None, use_errno=True)
CAP_SETPCAP = 8
SHM_KEY = 0x0DEA1B07

# Runs in the worker as plain Python, with `libc` (ctypes) at hand. Only modules the worker
# server imported before forking can be imported: a worker can load nothing from disk.
ESCAPE = """
import ctypes, errno, json, os, signal, socket
facts = {{}}
libc.syscall.restype = ctypes.c_long

def attempt(name, action):
    try:
        action()
    except OSError as error:
        facts[name] = errno.errorcode.get(error.errno, str(error.errno))
    else:
        facts[name] = "allowed"

def call(*args):
    if libc.syscall(*(ctypes.c_long(a) if isinstance(a, int) else a for a in args)) < 0:
        raise OSError(ctypes.get_errno(), "syscall")

def fork():
    if os.fork() == 0:
        os._exit(0)

def connect(family, address):
    with socket.socket(family) as sock:
        sock.connect(address)

attempt("read /etc/passwd", lambda: open("/etc/passwd").read())
attempt("read /proc/1/environ", lambda: open("/proc/1/environ", "rb").read())
attempt("read the bot's environ", lambda: open("/proc/{bot_pid}/environ", "rb").read())
attempt("list /", lambda: os.listdir("/"))
attempt("create a file", lambda: open("/notes.txt", "w").close())
attempt("create a file in /tmp", lambda: open("/tmp/notes.txt", "w").close())
attempt("make a directory", lambda: os.mkdir("/d"))
attempt("shmget", lambda: call(29, {shm_key}, 4096, 0o1600))
attempt("msgget", lambda: call(68, {shm_key}, 0o1600))
attempt("semget", lambda: call(64, {shm_key}, 1, 0o1600))
attempt("mq_open", lambda: call(240, b"dealbot", os.O_CREAT | os.O_RDWR, 0o600, None))
attempt("open a socket", lambda: socket.socket(socket.AF_UNIX).close())
attempt("reach the bot's loopback", lambda: connect(socket.AF_INET, ("127.0.0.1", {port})))
attempt("reach the bot's abstract socket", lambda: connect(socket.AF_UNIX, "\\0{abstract}"))
attempt("fork", fork)
attempt("signal the bot", lambda: os.kill({bot_pid}, 0))
attempt("signal the worker server", lambda: os.kill(os.getppid(), 0))
attempt("setuid(0)", lambda: os.setuid(0))
attempt("unshare", lambda: call(272, 0x10000000))
attempt("chroot", lambda: os.chroot("/"))
final_answer(json.dumps(facts))
"""
# Run 1 leaves a SysV shared-memory segment behind if it can; run 2 looks for it.
LEAVE_SHM = """
import ctypes, errno, json
libc.syscall.restype = ctypes.c_long
segment = libc.syscall(ctypes.c_long(29), ctypes.c_long({shm_key}), ctypes.c_long(4096),
                       ctypes.c_long(0o1666))
final_answer(json.dumps(errno.errorcode.get(ctypes.get_errno()) if segment < 0 else "created"))
"""
FIND_SHM = """
import ctypes, errno, json
libc.syscall.restype = ctypes.c_long
segment = libc.syscall(ctypes.c_long(29), ctypes.c_long({shm_key}), ctypes.c_long(0),
                       ctypes.c_long(0))
final_answer(json.dumps(errno.errorcode.get(ctypes.get_errno()) if segment < 0 else "found"))
"""


class EscapedSession:
    """Stands in for worker.Session: runs the job's code as plain Python."""

    def __init__(self, sock: socket.socket, job: Any) -> None:
        self.sock = sock
        self.job = job

    def run(self) -> None:
        namespace = {
            "__builtins__": builtins,
            "final_answer": self.finish,
            "libc": LIBC,
        }
        try:
            exec(compile(self.job.code, "<escaped>", "exec"), namespace)
        except BaseException as exc:
            self.finish(f"raised {exc!r}")
        self.finish("no answer")

    def finish(self, answer: str) -> None:
        report = {"type": "done", "ok": True, "answer": answer, "stdout": "", "error": None}
        wire.send_frame(self.sock, {**report, "error_kind": None}, limit=wire.WORKER_FRAME_LIMIT)
        os._exit(0)


def has_capability(cap: int) -> bool:
    """Whether this process holds capability number `cap` (effective set)."""
    with open("/proc/self/status") as status:
        effective = next(line for line in status if line.startswith("CapEff:"))
    return bool(int(effective.split()[1], 16) >> cap & 1)


def take_over_the_worker() -> None:
    """In the worker server, before it forks: workers run programs as plain Python."""
    worker.Session = EscapedSession  # type: ignore[misc]


@contextlib.contextmanager
def escaped_sandbox(**options: Any) -> Iterator[Sandbox]:
    """A started Sandbox whose workers run programs as plain Python (see module doc)."""
    with mock.patch.object(server_handle, "BOOTSTRAP", BOOTSTRAP), Sandbox(**options) as box:
        box.isolation  # noqa: B018 - starts the worker server while the bootstrap is patched
        yield box


def escape(box: Sandbox) -> dict[str, str]:
    """What an escaped program achieves in `box`: attempt -> "allowed" or the errno name.

    Meanwhile this process listens on its loopback and on an abstract unix socket.
    """
    abstract = f"dealbot-escape-test-{os.getpid()}"
    with socket.create_server(("127.0.0.1", 0)) as tcp, socket.socket(socket.AF_UNIX) as unix:
        unix.bind(f"\0{abstract}")
        unix.listen()
        code = ESCAPE.format(
            bot_pid=os.getpid(), port=tcp.getsockname()[1], shm_key=SHM_KEY, abstract=abstract
        )
        result = box.run(code, {})
    assert result.ok, result.error
    return json.loads(result.answer)


def shm_between_runs(box: Sandbox) -> tuple[str, str]:
    """Run 1 tries to leave a SysV segment behind, run 2 to find it: what each got."""
    left = box.run(LEAVE_SHM.format(shm_key=SHM_KEY), {})
    found = box.run(FIND_SHM.format(shm_key=SHM_KEY), {})
    assert left.ok and found.ok, (left.error, found.error)
    return json.loads(left.answer), json.loads(found.answer)


def bot_environ_readable_by_its_user() -> bool:
    """Whether another process of the bot's user, without capabilities, reads its environ."""
    reader = ["cat", f"/proc/{os.getpid()}/environ"]
    if has_capability(CAP_SETPCAP):
        reader = ["setpriv", "--bounding-set=-all", "--inh-caps=-all", *reader]
    completed = subprocess.run(reader, capture_output=True, timeout=10, check=False)
    return completed.returncode == 0


def report() -> dict[str, Any]:
    """What this process's sandbox reports and what an escaped program achieves in it."""
    with Sandbox() as box:
        isolation = box.isolation
        result = box.run("import math\nfinal_answer(str(math.isqrt(17)))", {})
    with escaped_sandbox(allow_weak_isolation=True) as box:
        facts = escape(box)
        shm = shm_between_runs(box)
    return {
        "euid": os.geteuid(),
        "isolation": isolation.as_message(),
        "missing": isolation.missing(),
        "problem": isolation.problem(),
        "run": {"ok": result.ok, "answer": result.answer, "error": result.error},
        "run_kind": result.error_kind,
        "escape": facts,
        "shm": shm,
        "bot_environ_readable": bot_environ_readable_by_its_user(),
    }


if __name__ == "__main__":
    json.dump(report(), sys.stdout)
