"""The worker server: a clean interpreter that forks single-use, hardened workers on request.

The bot starts it (server_handle.py) with an empty environment, no inherited files and its own
session. It imports once everything a program may use, moves into namespaces of its own
(isolation.prepare: PID, IPC and network, inside an unprivileged user namespace unless it is
real root), then forks once: CLONE_NEWPID applies to children, so the inner server — pid 1 of
the new PID namespace, killed if the outer one dies — is the one that serves. The outer one
only waits for it, removes the empty root directory and exits with its status. The inner one
probes which per-worker layers hold (isolation.probe), tells the bot, then keeps a few forked
workers ready, so a run starts in a warm process in well under a millisecond. Neither runs a
program itself or holds a secret. If the inner server dies, the kernel kills every worker of
its PID namespace.

Control protocol, one JSON object per SOCK_SEQPACKET message:
  (hello)                    <- {"pid": N, "isolation": {...}}, N the inner server's pid as
                                the bot sees it
  {"op": "spawn"}            -> {"pid": N}, the worker's pipe attached (SCM_RIGHTS)
  {"op": "reap", "pid": N}   -> {"pid": N, "status": S}  (killed first if still running)
  {"op": "release", "pid": N}   the same without a reply
  end of file                   kill every worker, exit
Worker pids are the inner server's (its PID namespace). Workers are reaped only when the bot
says so, so a pid the bot holds is never reused.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import importlib
import json
import os
import signal
import socket
import sys
import time
import warnings
from typing import Any, Final, NoReturn

from sandbox import isolation, worker
from sandbox.job import EXIT_INTERNAL, EXIT_UNISOLATED, MAX_CONTROL_MESSAGE
from sandbox.modules import module_proxies

# Modules the allowed modules import lazily, inside functions (Counter.most_common imports
# heapq, datetime.strptime _strptime, re's parser unicodedata), and codecs a program may ask
# for: once a worker is chroot'ed into an empty directory it can load nothing from disk.
PRELOADED: Final = (
    *("_strptime", "copy", "heapq", "unicodedata", "warnings"),
    *("encodings.cp1252", "encodings.idna", "encodings.latin_1", "encodings.punycode"),
    "encodings.utf_16",
    "encodings.utf_32",
)


def warm_up() -> None:
    """Import and exercise, once, what every worker will need, before any fork."""
    for name in PRELOADED:
        importlib.import_module(name)
    module_proxies()
    worker.rehearse(run=True)
    worker.prepare_namespace()
    time.localtime()
    warnings.simplefilter("ignore")
    gc.collect()
    gc.freeze()


class WorkerServer:
    """Forks workers ahead of demand and hands them to the bot."""

    def __init__(
        self,
        control: socket.socket,
        setup: isolation.Isolation,
        prefork: int,
        *,
        visible_pid: int,
        allow_weak: bool,
    ):
        self.control = control
        self.setup = setup
        self.prefork = prefork
        self.visible_pid = visible_pid
        self.allow_weak = allow_weak
        self.devnull = os.open(os.devnull, os.O_RDWR)
        self.ready: collections.deque[tuple[int, socket.socket]] = collections.deque()
        self.unreaped: set[int] = set()

    def serve(self) -> None:
        self._fill()
        self._send({"pid": self.visible_pid, "isolation": self.setup.as_message()})
        try:
            while True:
                self._fill()
                message = self._receive()
                if message is None:
                    return
                self._handle(message)
        finally:
            self._stop()

    def _fill(self) -> None:
        while len(self.ready) < self.prefork:
            self.ready.append(self._fork())

    def _fork(self) -> tuple[int, socket.socket]:
        bot_end, worker_end = socket.socketpair()
        server_pid = os.getpid()
        pid = os.fork()
        if pid == 0:
            self._become_worker(bot_end, worker_end, server_pid)
        worker_end.close()
        self.unreaped.add(pid)
        return pid, bot_end

    def _become_worker(
        self, bot_end: socket.socket, worker_end: socket.socket, server_pid: int
    ) -> NoReturn:
        try:
            pipe_fd = worker_end.detach()
            for sock in (bot_end, self.control, *(s for _, s in self.ready)):
                sock.detach()
            fd = isolation.harden_worker(
                self.setup, pipe_fd, self.devnull, server_pid, allow_weak=self.allow_weak
            )
        except BaseException:
            os._exit(EXIT_UNISOLATED)
        try:
            worker.serve(socket.socket(fileno=fd))
        finally:
            os._exit(EXIT_INTERNAL)

    def _receive(self) -> dict[str, Any] | None:
        data = self.control.recv(MAX_CONTROL_MESSAGE)
        return json.loads(data) if data else None

    def _send(self, message: dict[str, Any], fds: list[int] | None = None) -> None:
        data = json.dumps(message).encode()
        if fds:
            socket.send_fds(self.control, [data], fds)
        else:
            self.control.send(data)

    def _handle(self, message: dict[str, Any]) -> None:
        op = message.get("op")
        if op == "spawn":
            pid, bot_end = self.ready.popleft()
            self._send({"pid": pid}, [bot_end.fileno()])
            bot_end.close()
        elif op in ("reap", "release"):
            asked = message.get("pid")
            status = self._reap(asked) if isinstance(asked, int) else None
            if op == "reap":
                self._send({"pid": asked, "status": status})

    def _reap(self, pid: int) -> int | None:
        if pid not in self.unreaped:
            return None
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        self.unreaped.discard(pid)
        return status

    def _stop(self) -> None:
        for pid in list(self.unreaped):
            self._reap(pid)


def main() -> None:
    """Entry point of the worker server process (see server_handle.py for how it is started)."""
    config = json.loads(sys.argv[1])
    control = socket.socket(fileno=config["control_fd"])
    warm_up()
    prepared = isolation.prepare(
        config.get("skip", ()), host_non_dumpable=config.get("host_non_dumpable", False)
    )
    pid_reader, pid_writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(pid_writer)
        status = EXIT_INTERNAL
        try:
            _serve_inner(control, prepared, config, pid_reader)
            status = 0
        finally:
            os._exit(status)
    control.close()
    os.close(pid_reader)
    os.write(pid_writer, str(pid).encode())
    os.close(pid_writer)
    _, status = os.waitpid(pid, 0)
    isolation.remove_root(prepared.root)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else EXIT_INTERNAL)


def _serve_inner(
    control: socket.socket, prepared: isolation.Prepared, config: dict[str, Any], pid_reader: int
) -> None:
    """The inner server: pid 1 of the new PID namespace (when there is one)."""
    isolation.follow_parent()
    # Its pid as the bot sees it, from the outer server; nothing if that one died meanwhile.
    visible_pid = os.read(pid_reader, 32)
    os.close(pid_reader)
    if not visible_pid:
        return
    setup = isolation.probe(prepared)
    WorkerServer(
        control,
        setup,
        config["prefork"],
        visible_pid=int(visible_pid),
        allow_weak=bool(config.get("allow_weak", False)),
    ).serve()
