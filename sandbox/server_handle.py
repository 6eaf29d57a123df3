"""The bot's handle on the worker server: start it clean, get workers from it, stop it.

The server is a fresh interpreter (`python -I`), started with an empty environment (no keys,
no tokens), no inherited files but its control socket, `/` as working directory and a session
of its own, so nothing of the bot's process reaches a worker. See worker_server.py for its side.
Before starting it, the bot makes itself non-dumpable, so no process of its user — a worker
that shares it, in the unprivileged set-up — may read its /proc/<pid>/environ or memory.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from sandbox.isolation import (
    TESTING_SKIP_ENV,
    Isolation,
    make_host_non_dumpable,
    remove_root,
    skipped_layers,
)
from sandbox.job import MAX_CONTROL_MESSAGE

logger = logging.getLogger(__name__)

PROJECT_ROOT: Final = str(Path(__file__).resolve().parent.parent)
BOOTSTRAP: Final = (
    "import sys; sys.path.insert(0, sys.argv[2]); from sandbox.worker_server import main; main()"
)
START_TIMEOUT_S: Final = 30.0
CONTROL_TIMEOUT_S: Final = 10.0
STOP_TIMEOUT_S: Final = 5.0


class WorkerServerGone(Exception):
    """The worker server is not running (it failed to start, died, or was closed)."""


@dataclass(frozen=True)
class Worker:
    """One forked worker, ready for one job: its pid and the bot's end of its pipe."""

    pid: int
    sock: socket.socket


def server_environment() -> dict[str, str]:
    """The whole environment of the worker server: nothing of the bot's but the time zone."""
    environment = {"PATH": os.defpath}
    if "TZ" in os.environ:
        environment["TZ"] = os.environ["TZ"]
    return environment


class WorkerServerHandle:
    """A running worker server; thread-safe."""

    def __init__(self, *, prefork: int, allow_weak_isolation: bool = False) -> None:
        self._lock = threading.Lock()
        self._closed = False
        self._root: str | None = None
        skip = skipped_layers(os.environ.get(TESTING_SKIP_ENV))
        non_dumpable = "host_non_dumpable" not in skip and make_host_non_dumpable()
        bot_end, server_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        config = json.dumps(
            {
                "control_fd": server_end.fileno(),
                "prefork": prefork,
                "allow_weak": allow_weak_isolation,
                "host_non_dumpable": non_dumpable,
                "skip": sorted(skip),
            }
        )
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-I", "-B", "-X", "utf8", "-c", BOOTSTRAP, config, PROJECT_ROOT],
                env=server_environment(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                pass_fds=[server_end.fileno()],
                cwd="/",
                start_new_session=True,
            )
        except BaseException:
            bot_end.close()
            raise
        finally:
            server_end.close()
        self._control = bot_end
        self._control.settimeout(START_TIMEOUT_S)
        try:
            hello = self._receive()
        except WorkerServerGone:
            self.close()
            raise
        self._control.settimeout(CONTROL_TIMEOUT_S)
        self.pid: int = hello["pid"]
        self.isolation = Isolation.from_message(hello["isolation"])
        self._root = self.isolation.root
        # DEBUG only: the host says it its own way (the bot in its ready line, or in one line
        # refusing to start; `run` in each refused result).
        problem = self.isolation.problem()
        if problem is None:
            logger.debug("sandbox worker server %d: %s", self.pid, self.isolation.summary())
        elif allow_weak_isolation:
            logger.debug("sandbox worker server %d runs with weak isolation: %s", self.pid, problem)
        else:
            logger.debug("sandbox worker server %d refuses to run programs: %s", self.pid, problem)

    def alive(self) -> bool:
        return not self._closed and self._process.poll() is None

    def spawn(self) -> Worker:
        """A fresh worker, already forked and hardened, waiting for its job."""
        with self._lock:
            self._send({"op": "spawn"})
            try:
                data, fds, _flags, _address = socket.recv_fds(
                    self._control, MAX_CONTROL_MESSAGE, 1, socket.MSG_CMSG_CLOEXEC
                )
            except OSError as exc:
                raise WorkerServerGone(f"worker server did not answer: {exc}") from exc
        if not data or len(fds) != 1:
            for fd in fds:
                os.close(fd)
            raise WorkerServerGone("worker server closed the control socket")
        return Worker(pid=json.loads(data)["pid"], sock=socket.socket(fileno=fds[0]))

    def reap(self, worker: Worker) -> int | None:
        """Kill the worker if it still runs; its wait status (None if unknown)."""
        worker.sock.close()
        with self._lock:
            try:
                self._send({"op": "reap", "pid": worker.pid})
                reply = self._receive()
            except WorkerServerGone:
                return None
        status = reply.get("status")
        return status if isinstance(status, int) else None

    def release(self, worker: Worker) -> None:
        """Kill the worker if it still runs and let the server reap it."""
        worker.sock.close()
        with self._lock:
            try:
                self._send({"op": "release", "pid": worker.pid})
            except WorkerServerGone:
                logger.debug("worker %d released after its server stopped", worker.pid)

    def close(self) -> None:
        """Stop the server; it kills its workers on the way out."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._control.close()
        try:
            self._process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            logger.warning("worker server %d did not stop; killing it", self._process.pid)
            self._process.kill()
            self._process.wait()
        # The server removes its empty root directory on the way out; not if it was killed.
        root = self._root
        if root and os.path.dirname(root) == tempfile.gettempdir():
            remove_root(root)

    def _send(self, message: dict[str, Any]) -> None:
        if self._closed:
            raise WorkerServerGone("worker server is closed")
        try:
            self._control.send(json.dumps(message).encode())
        except OSError as exc:
            raise WorkerServerGone(f"worker server is gone: {exc}") from exc

    def _receive(self) -> dict[str, Any]:
        try:
            data = self._control.recv(MAX_CONTROL_MESSAGE)
        except OSError as exc:
            raise WorkerServerGone(f"worker server did not answer: {exc}") from exc
        if not data:
            raise WorkerServerGone("worker server closed the control socket")
        return json.loads(data)
