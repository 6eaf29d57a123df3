"""The worker server: a clean interpreter that forks single-use, hardened workers on request.

The bot starts it (forkserver.py) with an empty environment, no inherited files and its own
session. It imports once everything a program may use, isolates itself from the network when
root, then keeps a few forked workers ready, so a run starts in a warm process in well under
a millisecond. It never runs a program itself and holds no secrets.

Control protocol, one JSON object per SOCK_SEQPACKET message:
  {"op": "spawn"}            -> {"pid": N}, the worker's pipe attached (SCM_RIGHTS)
  {"op": "reap", "pid": N}   -> {"pid": N, "status": S}  (killed first if still running)
  {"op": "release", "pid": N}   the same without a reply
  end of file                   kill every worker, remove the empty root, exit
Workers are reaped only when the bot says so, so a pid the bot holds is never reused.
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
from sandbox.job import EXIT_INTERNAL, EXIT_UNISOLATED
from sandbox.modules import module_proxies

MAX_CONTROL_MESSAGE: Final = 4096
# Modules the allowed modules import lazily, inside functions (Counter.most_common imports
# heapq, datetime.strptime _strptime, re's parser unicodedata), and codecs a program may ask
# for: once a worker is chroot'ed into an empty directory it can load nothing from disk.
PRELOADED: Final = (
    *("_strptime", "copy", "heapq", "unicodedata", "warnings"),
    *("encodings.cp1252", "encodings.idna", "encodings.latin_1", "encodings.utf_16"),
    "encodings.utf_32",
)


def warm_up() -> None:
    """Import and exercise, once, what every worker will need, before any fork."""
    for name in PRELOADED:
        importlib.import_module(name)
    module_proxies()
    worker.rehearse()
    time.localtime()
    warnings.simplefilter("ignore")
    gc.collect()
    gc.freeze()


class WorkerServer:
    """Forks workers ahead of demand and hands them to the bot."""

    def __init__(self, control: socket.socket, setup: isolation.Isolation, prefork: int):
        self.control = control
        self.setup = setup
        self.prefork = prefork
        self.devnull = os.open(os.devnull, os.O_RDWR)
        self.ready: collections.deque[tuple[int, socket.socket]] = collections.deque()
        self.unreaped: set[int] = set()

    def serve(self) -> None:
        self._fill()
        self._send({"pid": os.getpid(), "isolation": self.setup.as_message()})
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
            fd = isolation.harden_worker(self.setup, pipe_fd, self.devnull, server_pid)
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
            pid = message.get("pid")
            status = self._reap(pid) if isinstance(pid, int) else None
            if op == "reap":
                self._send({"pid": pid, "status": status})

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
        with contextlib.suppress(OSError):
            os.rmdir(self.setup.root)


def main() -> None:
    """Entry point of the worker server process (see forkserver.py for how it is started)."""
    config = json.loads(sys.argv[1])
    control = socket.socket(fileno=config["control_fd"])
    warm_up()
    setup = isolation.prepare()
    WorkerServer(control, setup, config["prefork"]).serve()
