"""The HTTP server of `dealbot serve`: waitress, in this process, on a thread of its own.

Bound first (so a bad or busy port fails at once, in one line), served once the app is built,
and stopped gracefully: no new connections, requests in flight finish (bounded), then close.
"""

from __future__ import annotations

import errno
import logging
import threading
import time
from collections.abc import Callable, Iterable

from waitress.server import create_server

from bot.settings import SettingsError

log = logging.getLogger(__name__)

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
THREADS = 16  # requests handled at once: acks are quick, the answers run on the work pool
MAX_BODY_BYTES = 4 * 1024 * 1024  # Slack's payloads are kilobytes
MAX_PORT = 65535
IDLE_CONNECTION_S = 75  # longer than the usual load balancer keep-alive (60 s)


class PortError(SettingsError):
    """The port cannot be served: out of range, in use, or not ours to bind."""


class Server:
    """`app` served on host:port; `port` is the bound one (useful with port 0)."""

    def __init__(self, host: str, port: int) -> None:
        self._app: WSGIApp | None = None
        self._waitress = _bind(self._dispatch, host, port)
        self.host = host
        self.port = int(self._waitress.effective_port)  # waitress keeps it as text
        self._thread: threading.Thread | None = None
        self._closed = threading.Event()

    def start(self, app: WSGIApp) -> None:
        self._app = app
        self._thread = threading.Thread(target=self._waitress.run, name="http", daemon=True)
        self._thread.start()

    def _dispatch(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        assert self._app is not None, "requests are served only after start()"
        return self._app(environ, start_response)

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop accepting; let requests in flight finish for up to `timeout_s`; close.
        Closing again does nothing."""
        if self._closed.is_set():
            return
        self._closed.set()
        server = self._waitress
        if self._thread is None:  # never served: only the socket to close
            server.close()
            server.task_dispatcher.shutdown(timeout=1)
            return
        self._in_loop(_stop_accepting(server))
        deadline = time.monotonic() + timeout_s
        while not _idle(server) and time.monotonic() < deadline:
            time.sleep(0.02)
        self._in_loop(_close_everything(server))
        self._thread.join(timeout=2 + server.adj.asyncore_loop_timeout)
        server.task_dispatcher.shutdown(timeout=1)

    def _in_loop(self, thunk: Callable[[], None]) -> None:
        """Run `thunk` on the server's own loop thread (waitress's map is not shared safely)."""
        done = threading.Event()

        def run() -> None:
            try:
                thunk()
            finally:
                done.set()

        self._waitress.trigger.pull_trigger(run)
        done.wait(2)


def _bind(app: WSGIApp, host: str, port: int):
    if not 0 <= port <= MAX_PORT:  # the socket layer would quietly take it modulo 65,536
        raise PortError(f"--port {port}: not a port number (use 1–{MAX_PORT})")
    try:
        return create_server(
            app,
            host=host,
            port=port,
            threads=THREADS,
            ident="dealbot",
            channel_timeout=IDLE_CONNECTION_S,
            max_request_body_size=MAX_BODY_BYTES,
            asyncore_use_poll=True,  # select() stops at 1,024 descriptors
        )
    except OSError as exc:
        raise PortError(f"--port {port}: {_bind_problem(exc)}") from None


def _bind_problem(exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return "already in use (is another dealbot serve running?); choose another with --port"
    if exc.errno == errno.EACCES:
        return "not allowed (ports below 1024 need privileges); choose one above 1024"
    return f"cannot listen there ({exc.strerror or exc})"


def _stop_accepting(server) -> Callable[[], None]:
    def stop() -> None:
        server.accepting = False
        server.del_channel()
        server.socket.close()

    return stop


def _idle(server) -> bool:
    dispatcher = server.task_dispatcher
    if dispatcher.queue or dispatcher.active_count:
        return False
    return not any(
        channel.requests or channel.total_outbufs_len
        for channel in list(server.active_channels.values())
    )


def _close_everything(server) -> Callable[[], None]:
    def close() -> None:
        for channel in list(server._map.values()):
            if channel is not server.trigger:
                channel.handle_close()
        server.trigger.close()

    return close
