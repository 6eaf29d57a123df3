"""A local stand-in for Slack's Socket Mode endpoint, on the `websockets` library's sync server.

`FakeSlack.socket_mode` runs one, and ``apps.connections.open`` hands out single-use
``ws://127.0.0.1:PORT/link/?ticket=...`` URLs to it, so a real `SocketModeHandler` connects
here. Like Slack it refuses a ticket that is unknown or used, greets each connection with
``hello``, delivers envelopes (`push_event`, `push_slash_command`, `push_interactive`), expects
one ack per envelope (``{"envelope_id"}``, with a ``payload`` when the app answers in it) and can
ask the app to reconnect (`request_reconnect`, Slack's ``disconnect`` message). It pings the app
(a reader blocked in ``recv`` wakes, as against Slack), and records the app's pings, acks and
how each connection ended. The library does the handshake, framing and closing.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Literal, Self
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode, Frame, Opcode
from websockets.http11 import Request, Response
from websockets.protocol import Event
from websockets.sync.server import Server, ServerConnection, serve

LINK_PATH = "/link/"
CLOSE_GRACE_SECONDS = 2.0  # how long a server-sent close waits for the app's answer


# --- envelopes as Slack sends them -----------------------------------------------------------


def new_envelope_id() -> str:
    return str(uuid.uuid4())


def events_api_envelope(
    payload: dict[str, Any],
    *,
    retry_attempt: int = 0,
    retry_reason: str = "",
    envelope_id: str | None = None,
) -> dict[str, Any]:
    """An Events API delivery: `payload` is the ``event_callback`` an HTTP app would get."""
    return {
        "envelope_id": envelope_id or new_envelope_id(),
        "payload": payload,
        "type": "events_api",
        "accepts_response_payload": False,
        "retry_attempt": retry_attempt,
        "retry_reason": retry_reason,
    }


def slash_commands_envelope(
    fields: dict[str, str], *, envelope_id: str | None = None
) -> dict[str, Any]:
    """A slash command: the form fields as a JSON object; the ack may carry the reply."""
    return {
        "envelope_id": envelope_id or new_envelope_id(),
        "payload": fields,
        "type": "slash_commands",
        "accepts_response_payload": True,
    }


def interactive_envelope(
    payload: dict[str, Any], *, envelope_id: str | None = None
) -> dict[str, Any]:
    """An interaction (``block_actions``, ``view_submission``…): the decoded ``payload``."""
    return {
        "envelope_id": envelope_id or new_envelope_id(),
        "payload": payload,
        "type": "interactive",
        # Only these interactions are answered in the ack (response_action, options).
        "accepts_response_payload": payload.get("type") in ("view_submission", "block_suggestion"),
    }


@dataclass(frozen=True)
class Ack:
    """The app's answer to one envelope."""

    envelope_id: str
    payload: dict[str, Any] | None
    connection: int  # the serial of the connection it came on
    seconds: float  # from the envelope going out to its ack arriving


# --- one connection ----------------------------------------------------------------------


class _PingSeeingConnection(ServerConnection):
    """The library answers the app's pings itself; this also tells the connection's watcher
    of each. The app pings as soon as the handshake is done, which may be before the handler
    has started: pings seen before the watcher is set are kept and told to it then."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pings_lock = threading.Lock()
        self._early_pings: list[bytes] = []
        self._on_ping: Callable[[bytes], None] | None = None

    def tell_pings_to(self, on_ping: Callable[[bytes], None]) -> None:
        with self._pings_lock:
            early, self._early_pings = self._early_pings, []
            self._on_ping = on_ping
        for data in early:
            on_ping(data)

    def process_event(self, event: Event) -> None:
        super().process_event(event)
        if isinstance(event, Frame) and event.opcode is Opcode.PING:
            with self._pings_lock:
                on_ping = self._on_ping
                if on_ping is None:
                    self._early_pings.append(bytes(event.data))
                    return
            on_ping(bytes(event.data))


class SocketConnection:
    """One accepted WebSocket: what the app sent on it and how it ended."""

    def __init__(
        self, hub: FakeSocketMode, ws: _PingSeeingConnection, serial: int, ticket: str
    ) -> None:
        self.serial = serial
        self.ticket = ticket
        self._hub = hub
        self._ws = ws
        self.pings: list[bytes] = []  # the app's pings (the library answers each with a pong)
        self.pongs: list[bytes] = []  # the fake's pings the app answered
        self.texts: list[str] = []  # every text message the app sent
        self.errors: list[str] = []  # messages that were no ack, and protocol errors
        self.close_code: int | None = None  # from the app's close frame; None if it hung up
        self.close_reason = ""
        self.closed_by: Literal["app", "server"] | None = None
        self.closed = threading.Event()

    @property
    def is_open(self) -> bool:
        return not self.closed.is_set()

    def send_json(self, message: dict[str, Any]) -> None:
        self._ws.send(json.dumps(message))

    def close(self, code: int = CloseCode.GOING_AWAY, reason: str = "") -> None:
        """The closing handshake, waiting at most `CLOSE_GRACE_SECONDS` for the app."""
        self._ws.close(code, reason)

    def wait_closed(self, timeout: float = 5.0) -> None:
        if not self.closed.wait(timeout):
            raise AssertionError(f"socket mode connection {self.serial} still open")

    def serve(self, hello: dict[str, Any], ping_interval: float | None) -> None:
        """Greets the app, then reads until the connection ends (on the library's thread)."""
        self._ws.tell_pings_to(lambda data: self._record(self.pings, data))
        try:
            self.send_json(hello)
            self._hub.opened(self)  # only now may envelopes follow: hello comes first
            if ping_interval:
                threading.Thread(
                    target=self._keep_pinging, args=(ping_interval,), daemon=True
                ).start()
            while True:
                self._on_message(self._ws.recv())
        except ConnectionClosed as ended:
            self._ended(ended)
        finally:
            with self._hub.changed:
                self.closed.set()
                self._hub.changed.notify_all()

    def _keep_pinging(self, interval: float) -> None:
        for count in itertools.count(1):
            if self.closed.wait(interval):
                return
            payload = f"fake-slack:{count}".encode()
            try:
                answered = self._ws.ping(payload)
            except ConnectionClosed:
                return
            if answered.wait(interval):
                self._record(self.pongs, payload)

    def _on_message(self, data: str | bytes) -> None:
        if isinstance(data, bytes):
            self._record(self.errors, f"binary, where Socket Mode speaks text: {data[:200]!r}")
            return
        self._record(self.texts, data)
        try:
            message = json.loads(data)
        except ValueError:
            message = None
        if isinstance(message, dict) and "envelope_id" in message:
            self._hub.record_ack(self, message)
        else:
            self._record(self.errors, f"not an ack: {data[:200]}")

    def _ended(self, ended: ConnectionClosed) -> None:
        """Who closed first, and with what: a frame the fake sent first was its own close."""
        by_server = ended.sent is not None and not ended.rcvd_then_sent
        with self._hub.changed:
            self.closed_by = "server" if by_server else "app"
            if ended.rcvd is not None:
                self.close_code, self.close_reason = ended.rcvd.code, ended.rcvd.reason
            # Going away is the fake stopping; any other code of its own is the library
            # refusing what the app sent (1002 protocol error, 1007 invalid data, 1009 too big).
            if by_server and ended.sent is not None and ended.sent.code != CloseCode.GOING_AWAY:
                self.errors.append(f"{ended.sent.code}: {ended.sent.reason}")

    def _record(self, into: list[Any], item: Any) -> None:
        with self._hub.changed:
            into.append(item)
            self._hub.changed.notify_all()


# --- the endpoint --------------------------------------------------------------------------


class FakeSocketMode:
    """Slack's Socket Mode WebSocket endpoint on 127.0.0.1, used as a context manager.

    `ping_interval` (seconds, None for never) is how often the fake pings each connection.
    """

    def __init__(self, *, app_id: str = "A0DEALBOT", ping_interval: float | None = 0.1) -> None:
        self.app_id = app_id
        self.ping_interval = ping_interval
        self.changed = threading.Condition()
        self.refused: list[str] = []  # upgrades refused, as "status reason"
        self._tickets: set[str] = set()
        self._connections: list[SocketConnection] = []
        self._acks: list[Ack] = []
        self._sent: dict[str, float] = {}
        self._serial = itertools.count(1)
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Where the endpoint listens, e.g. ``ws://127.0.0.1:54321``."""
        if self._server is None:
            raise RuntimeError("FakeSocketMode is not started; use it as a context manager")
        host, port = self._server.socket.getsockname()[:2]
        return f"ws://{host!s}:{port}"

    def start(self) -> Self:
        self._server = serve(
            self._serve,
            "127.0.0.1",
            0,
            process_request=self._admit,
            process_response=self._record_refusal,
            close_timeout=CLOSE_GRACE_SECONDS,
            create_connection=_PingSeeingConnection,
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="FakeSocketMode-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        for connection in self.connections:
            connection.close()
            connection.closed.wait(5)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server, self._thread = None, None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- what apps.connections.open hands out, and who may use it --------------------------

    def issue_url(self) -> str:
        """A fresh single-use WebSocket URL, as ``apps.connections.open`` returns it."""
        ticket = str(uuid.uuid4())
        with self.changed:
            self._tickets.add(ticket)
        return f"{self.url}{LINK_PATH}?ticket={ticket}&app_id={self.app_id}"

    def _admit(self, ws: ServerConnection, request: Request) -> Response | None:
        """Spends the request's ticket; an HTTP error instead when it was never issued or used."""
        if urlsplit(request.path).path != LINK_PATH:
            return ws.respond(HTTPStatus.NOT_FOUND, "Not Found\n")
        with self.changed:
            ticket = _ticket_of(request)
            if ticket not in self._tickets:
                return ws.respond(HTTPStatus.UNAUTHORIZED, "Unauthorized\n")
            self._tickets.discard(ticket)
        return None

    def _record_refusal(
        self, ws: ServerConnection, request: Request, response: Response
    ) -> Response | None:
        """Notes every upgrade not accepted: ours (ticket, path) and the library's (bad upgrade)."""
        if response.status_code != HTTPStatus.SWITCHING_PROTOCOLS:
            with self.changed:
                self.refused.append(f"{response.status_code} {response.reason_phrase}")
                self.changed.notify_all()
        return None

    def _serve(self, ws: ServerConnection) -> None:
        # The library calls this once the handshake is done, on the connection class it was given.
        assert isinstance(ws, _PingSeeingConnection) and ws.request is not None
        with self.changed:
            serial = next(self._serial)
            already_open = sum(1 for c in self._connections if c.is_open)
        connection = SocketConnection(self, ws, serial, _ticket_of(ws.request))
        connection.serve(self._hello(already_open + 1), self.ping_interval)

    def opened(self, connection: SocketConnection) -> None:
        with self.changed:
            self._connections.append(connection)
            self.changed.notify_all()

    def _hello(self, num_connections: int) -> dict[str, Any]:
        return {
            "type": "hello",
            "num_connections": num_connections,
            "debug_info": {
                "host": "applink-fake",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self.app_id},
        }

    # --- what tests look at --------------------------------------------------------------

    @property
    def connections(self) -> list[SocketConnection]:
        with self.changed:
            return list(self._connections)

    @property
    def acks(self) -> list[Ack]:
        with self.changed:
            return list(self._acks)

    def wait_for_connection(self, count: int = 1, timeout: float = 5.0) -> SocketConnection:
        """Blocks until the app has opened (and been greeted on) `count` connections.

        Returns the `count`-th.
        """
        with self.changed:
            if not self.changed.wait_for(lambda: len(self._connections) >= count, timeout):
                raise AssertionError(
                    f"{len(self._connections)}/{count} socket mode connections; "
                    f"refused: {self.refused}"
                )
            return self._connections[count - 1]

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> Ack:
        """Blocks until the app acked `envelope_id`; returns that ack."""
        with self.changed:
            if not self.changed.wait_for(lambda: self._ack_of(envelope_id), timeout):
                raise AssertionError(f"envelope {envelope_id} not acked; acks: {self._acks}")
            return self._ack_of(envelope_id)  # type: ignore[return-value]

    def _ack_of(self, envelope_id: str) -> Ack | None:
        return next((ack for ack in self._acks if ack.envelope_id == envelope_id), None)

    def record_ack(self, connection: SocketConnection, message: dict[str, Any]) -> None:
        envelope_id = str(message["envelope_id"])
        with self.changed:
            sent = self._sent.get(envelope_id)
            seconds = time.monotonic() - sent if sent is not None else float("nan")
            payload = message.get("payload")
            self._acks.append(Ack(envelope_id, payload, connection.serial, seconds))
            self.changed.notify_all()

    # --- what Slack sends ----------------------------------------------------------------

    def current(self, timeout: float = 5.0) -> SocketConnection:
        """The newest open connection, waiting for one."""
        with self.changed:
            found = self.changed.wait_for(self._newest_open, timeout)
        if not found:
            raise AssertionError(f"no open socket mode connection; refused: {self.refused}")
        return found

    def _newest_open(self) -> SocketConnection | None:
        return next((c for c in reversed(self._connections) if c.is_open), None)

    def send(self, envelope: dict[str, Any]) -> str:
        """Delivers `envelope` on the newest open connection; returns its envelope id."""
        connection = self.current()
        with self.changed:
            self._sent[envelope["envelope_id"]] = time.monotonic()
        connection.send_json(envelope)
        return envelope["envelope_id"]

    def push_event(
        self, payload: dict[str, Any], *, retry_attempt: int = 0, retry_reason: str = ""
    ) -> str:
        """Delivers an ``event_callback`` (a redelivery when `retry_attempt` > 0)."""
        envelope = events_api_envelope(
            payload, retry_attempt=retry_attempt, retry_reason=retry_reason
        )
        return self.send(envelope)

    def push_slash_command(self, fields: dict[str, str]) -> str:
        return self.send(slash_commands_envelope(fields))

    def push_interactive(self, payload: dict[str, Any]) -> str:
        return self.send(interactive_envelope(payload))

    def request_reconnect(self, reason: str = "refresh_requested") -> SocketConnection:
        """Slack's ``disconnect`` message: the app should open a new connection and drop this."""
        connection = self.current()
        connection.send_json(
            {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake"}}
        )
        return connection


def _ticket_of(request: Request) -> str:
    return (parse_qs(urlsplit(request.path).query).get("ticket") or [""])[-1]
