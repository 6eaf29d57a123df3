"""A local stand-in for Slack's Socket Mode endpoint: RFC 6455 WebSockets on the standard library.

`FakeSlack.socket_mode` runs one, and ``apps.connections.open`` hands out single-use
``ws://127.0.0.1:PORT/link/?ticket=...`` URLs to it, so a real `SocketModeHandler` connects
here. Like Slack it greets each connection with ``hello``, delivers envelopes (`push_event`,
`push_slash_command`, `push_interactive`), expects one ack per envelope (``{"envelope_id"}``,
with a ``payload`` when the app answers in it) and can ask the app to reconnect
(`request_reconnect`, Slack's ``disconnect`` message). It answers the app's pings and pings it
back (a reader blocked in ``recv`` wakes, as against Slack), insists on masked client frames,
and records acks, control frames, protocol errors and how each connection ended.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import logging
import socket
import socketserver
import struct
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO, Self
from urllib.parse import parse_qs, urlsplit

logger = logging.getLogger(__name__)

WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
LINK_PATH = "/link/"

CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
CONTROL_OPCODES = frozenset({CLOSE, PING, PONG})
NORMAL_CLOSURE, PROTOCOL_ERROR, INVALID_DATA, MESSAGE_TOO_BIG = 1000, 1002, 1007, 1009
NO_STATUS = 1005  # the close frame carried no code (never sent on the wire)
MAX_MESSAGE_BYTES = 1 << 20
MAX_HANDSHAKE_LINES = 100
CLOSE_GRACE_SECONDS = 2.0  # how long a server-sent close waits for the app's answer


class ProtocolError(Exception):
    """A client broke RFC 6455; the connection is closed with `code`."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


# --- frames --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    """One WebSocket frame, its payload unmasked."""

    opcode: int
    payload: bytes = b""
    fin: bool = True
    masked: bool = False
    rsv: int = 0


def encode_frame(
    opcode: int, payload: bytes = b"", *, fin: bool = True, mask: bytes | None = None
) -> bytes:
    """A frame on the wire: servers send unmasked; clients pass a 4-byte `mask`."""
    head = bytes([(0x80 if fin else 0) | opcode])
    mask_bit = 0x80 if mask else 0
    size = len(payload)
    if size < 126:
        head += bytes([mask_bit | size])
    elif size < 1 << 16:
        head += struct.pack("!BH", mask_bit | 126, size)
    else:
        head += struct.pack("!BQ", mask_bit | 127, size)
    return head + mask + apply_mask(payload, mask) if mask else head + payload


def apply_mask(data: bytes, mask: bytes) -> bytes:
    """XORs `data` with the 4-byte `mask` repeated (masking and unmasking are the same)."""
    if not data:
        return data
    key = (mask * (len(data) // 4 + 1))[: len(data)]
    mixed = int.from_bytes(data, "big") ^ int.from_bytes(key, "big")
    return mixed.to_bytes(len(data), "big")


def read_frame(read_exact: Callable[[int], bytes]) -> Frame:
    """Reads one frame; `read_exact(n)` returns n bytes or raises `EOFError`."""
    first, second = read_exact(2)
    size = second & 0x7F
    if size == 126:
        (size,) = struct.unpack("!H", read_exact(2))
    elif size == 127:
        (size,) = struct.unpack("!Q", read_exact(8))
    if size > MAX_MESSAGE_BYTES:
        raise ProtocolError(MESSAGE_TOO_BIG, f"a {size}-byte frame")
    masked = bool(second & 0x80)
    mask = read_exact(4) if masked else b""
    payload = read_exact(size)
    return Frame(
        opcode=first & 0x0F,
        payload=apply_mask(payload, mask) if masked else payload,
        fin=bool(first & 0x80),
        masked=masked,
        rsv=first & 0x70,
    )


def close_payload(code: int | None, reason: str = "") -> bytes:
    return b"" if code is None else struct.pack("!H", code) + reason.encode()


def parse_close(payload: bytes) -> tuple[int | None, str]:
    """The status code and reason of a close frame; (None, "") when it carried none."""
    if not payload:
        return None, ""
    if len(payload) == 1:
        raise ProtocolError(PROTOCOL_ERROR, "a one-byte close payload")
    (code,) = struct.unpack("!H", payload[:2])
    if code < 1000 or code in (1004, NO_STATUS, 1006, 1015) or 1016 <= code < 3000:
        raise ProtocolError(PROTOCOL_ERROR, f"close code {code} may not be sent")
    return code, _utf8(payload[2:])


def _utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError(INVALID_DATA, f"text that is not UTF-8: {error}") from None


def accept_key(key: str) -> str:
    """``Sec-WebSocket-Accept`` for a client's ``Sec-WebSocket-Key``."""
    digest = hashlib.sha1((key + WEBSOCKET_GUID).encode()).digest()
    return base64.b64encode(digest).decode()


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


class SocketConnection:
    """One accepted WebSocket: what the app sent on it and how it ended."""

    def __init__(
        self, hub: FakeSocketMode, sock: socket.socket, rfile: BinaryIO, serial: int, ticket: str
    ) -> None:
        self.serial = serial
        self.ticket = ticket
        self._hub = hub
        self._sock = sock
        self._rfile = rfile
        self._send_lock = threading.Lock()
        self._close_sent = False
        self.pings: list[bytes] = []  # the app's pings, each answered with a pong
        self.pongs: list[bytes] = []  # the app's answers to the fake's pings
        self.texts: list[str] = []  # every text message the app sent
        self.errors: list[str] = []  # protocol errors, and texts that were no ack
        self.close_code: int | None = None  # from the app's close frame; None if it hung up
        self.close_reason = ""
        self.closed_by: str | None = None  # "app" or "server"
        self.closed = threading.Event()

    @property
    def is_open(self) -> bool:
        return not self.closed.is_set() and not self._close_sent

    # --- sending -------------------------------------------------------------------------

    def send_json(self, message: dict[str, Any]) -> None:
        self._send(TEXT, json.dumps(message).encode())

    def ping(self, payload: bytes = b"") -> None:
        self._send(PING, payload)

    def close(self, code: int = NORMAL_CLOSURE, reason: str = "") -> None:
        """Starts the closing handshake; the socket ends when the app answers or hangs up."""
        with self._hub.changed:
            self.closed_by = self.closed_by or "server"
        self._send(CLOSE, close_payload(code, reason))
        timer = threading.Timer(CLOSE_GRACE_SECONDS, self.abort)
        timer.daemon = True
        timer.start()

    def abort(self) -> None:
        """Drops the TCP connection without a closing handshake."""
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)

    def wait_closed(self, timeout: float = 5.0) -> None:
        if not self.closed.wait(timeout):
            raise AssertionError(f"socket mode connection {self.serial} still open")

    def _send(self, opcode: int, payload: bytes) -> None:
        with self._send_lock:
            if self._close_sent:
                raise ConnectionError("the connection is closing")
            self._sock.sendall(encode_frame(opcode, payload))
            if opcode == CLOSE:
                self._close_sent = True

    def _pinger(self, interval: float) -> None:
        for count in itertools.count(1):
            if self.closed.wait(interval):
                return
            with contextlib.suppress(OSError):
                self.ping(f"fake-slack:{count}".encode())

    # --- receiving -----------------------------------------------------------------------

    def serve(self, hello: dict[str, Any], ping_interval: float | None) -> None:
        """Greets the app, then reads until the connection ends (on the handler's thread)."""
        try:
            self.send_json(hello)
            self._hub.opened(self)  # only now may envelopes follow: hello comes first
            if ping_interval:
                threading.Thread(
                    target=self._pinger, args=(ping_interval,), name="socket-ping", daemon=True
                ).start()
            self._read_until_closed()
        except ProtocolError as error:
            self._fail(error)
        except (EOFError, OSError):
            pass  # the app hung up, or the fake stopped
        finally:
            self._finish()

    def _read_until_closed(self) -> None:
        fragments: list[bytes] = []
        opcode: int | None = None
        while True:
            frame = read_frame(self._read_exact)
            _check_client_frame(frame)
            if frame.opcode in CONTROL_OPCODES:
                if self._on_control(frame):
                    return
                continue
            opcode, fragments = _assemble(frame, opcode, fragments)
            if frame.fin:
                self._on_message(opcode, b"".join(fragments))
                opcode, fragments = None, []

    def _read_exact(self, size: int) -> bytes:
        data = self._rfile.read(size)
        if len(data) < size:
            raise EOFError("the connection ended")
        return data

    def _on_control(self, frame: Frame) -> bool:
        """Answers a ping, records a pong; True when the frame closes the connection."""
        if frame.opcode == PING:
            self._record(self.pings, frame.payload)
            with contextlib.suppress(ConnectionError):
                self._send(PONG, frame.payload)
            return False
        if frame.opcode == PONG:
            self._record(self.pongs, frame.payload)
            return False
        code, reason = parse_close(frame.payload)
        with self._hub.changed:
            self.close_code, self.close_reason = code, reason
            self.closed_by = self.closed_by or "app"
        with contextlib.suppress(ConnectionError, OSError):
            self._send(CLOSE, close_payload(code))  # echo it: the closing handshake
        return True

    def _on_message(self, opcode: int | None, data: bytes) -> None:
        if opcode == BINARY:
            raise ProtocolError(INVALID_DATA, "Socket Mode speaks text, not binary")
        text = _utf8(data)
        self._record(self.texts, text)
        try:
            message = json.loads(text)
        except ValueError:
            message = None
        if isinstance(message, dict) and "envelope_id" in message:
            self._hub.record_ack(self, message)
        else:
            self._record(self.errors, f"not an ack: {text[:200]}")

    def _record(self, into: list[Any], item: Any) -> None:
        with self._hub.changed:
            into.append(item)
            self._hub.changed.notify_all()

    def _fail(self, error: ProtocolError) -> None:
        self._record(self.errors, f"{error.code}: {error}")
        with contextlib.suppress(ConnectionError, OSError):
            self._send(CLOSE, close_payload(error.code, str(error)[:120]))

    def _finish(self) -> None:
        with self._hub.changed:
            self.closed_by = self.closed_by or "app"
            self.closed.set()
            self._hub.changed.notify_all()
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()


def _check_client_frame(frame: Frame) -> None:
    if not frame.masked:
        raise ProtocolError(PROTOCOL_ERROR, "a client frame must be masked")
    if frame.rsv:
        raise ProtocolError(PROTOCOL_ERROR, "reserved bits set with no extension agreed")
    if frame.opcode in CONTROL_OPCODES and (not frame.fin or len(frame.payload) > 125):
        raise ProtocolError(PROTOCOL_ERROR, "a control frame fragmented or over 125 bytes")


def _assemble(
    frame: Frame, opcode: int | None, fragments: list[bytes]
) -> tuple[int | None, list[bytes]]:
    """Adds a data frame to the message being received: (its opcode, its fragments so far)."""
    if frame.opcode == CONTINUATION:
        if opcode is None:
            raise ProtocolError(PROTOCOL_ERROR, "a continuation frame outside a message")
        fragments = [*fragments, frame.payload]
    elif frame.opcode in (TEXT, BINARY):
        if opcode is not None:
            raise ProtocolError(PROTOCOL_ERROR, "a new message inside a fragmented one")
        opcode, fragments = frame.opcode, [frame.payload]
    else:
        raise ProtocolError(PROTOCOL_ERROR, f"unknown opcode {frame.opcode:#x}")
    if sum(map(len, fragments)) > MAX_MESSAGE_BYTES:
        raise ProtocolError(MESSAGE_TOO_BIG, "a message over the limit")
    return opcode, fragments


# --- the opening handshake -----------------------------------------------------------------


@dataclass(frozen=True)
class Handshake:
    """A client's upgrade request: request line parts and lower-cased headers."""

    method: str
    target: str
    version: str
    headers: dict[str, str]


class Refusal(Exception):
    """The upgrade is refused with an HTTP status."""

    def __init__(self, status: int, reason: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {reason}")
        self.status = status
        self.reason = reason
        self.headers = headers or {}


def read_handshake(rfile: BinaryIO) -> Handshake:
    request_line = rfile.readline(8192).decode("latin-1").rstrip("\r\n")
    parts = request_line.split(" ")
    if len(parts) != 3:
        raise Refusal(400, "Bad Request")
    headers: dict[str, str] = {}
    for _ in range(MAX_HANDSHAKE_LINES):
        line = rfile.readline(8192).decode("latin-1").rstrip("\r\n")
        if not line:
            return Handshake(parts[0], parts[1], parts[2], headers)
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    raise Refusal(400, "Bad Request")


def check_upgrade(request: Handshake) -> str:
    """The ``Sec-WebSocket-Accept`` value, or `Refusal` when this is no valid upgrade."""
    headers = request.headers
    connection = {token.strip().lower() for token in headers.get("connection", "").split(",")}
    if request.method != "GET" or request.version != "HTTP/1.1":
        raise Refusal(400, "Bad Request")
    if headers.get("upgrade", "").lower() != "websocket" or "upgrade" not in connection:
        raise Refusal(400, "Bad Request")
    if headers.get("sec-websocket-version") != "13":
        raise Refusal(426, "Upgrade Required", {"Sec-WebSocket-Version": "13"})
    key = headers.get("sec-websocket-key", "")
    try:
        valid = len(base64.b64decode(key, validate=True)) == 16
    except ValueError:
        valid = False
    if not valid:
        raise Refusal(400, "Bad Request")
    return accept_key(key)


def _http_response(status: int, reason: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    lines = [f"HTTP/1.1 {status} {reason}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _refusal_response(refusal: Refusal) -> bytes:
    body = refusal.reason.encode()
    headers = {"Content-Type": "text/plain", "Content-Length": str(len(body))}
    headers |= {"Connection": "close", **refusal.headers}
    return _http_response(refusal.status, refusal.reason, headers, body)


class _Handler(socketserver.BaseRequestHandler):
    server: _TCPServer

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with sock.makefile("rb") as rfile:
            try:
                request = read_handshake(rfile)
                accept = check_upgrade(request)
                ticket = self.server.hub.redeem(request.target)
            except Refusal as refusal:
                self.server.hub.record_refusal(str(refusal))
                with contextlib.suppress(OSError):
                    sock.sendall(_refusal_response(refusal))
                return
            upgrade = {"Upgrade": "websocket", "Connection": "Upgrade"}
            upgrade["Sec-WebSocket-Accept"] = accept
            sock.sendall(_http_response(101, "Switching Protocols", upgrade))
            self.server.hub.serve_connection(sock, rfile, ticket)


class _TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, hub: FakeSocketMode) -> None:
        self.hub = hub
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        logger.debug("socket mode: connection from %s failed", client_address, exc_info=True)


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
        self._server: _TCPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Where the endpoint listens, e.g. ``ws://127.0.0.1:54321``."""
        if self._server is None:
            raise RuntimeError("FakeSocketMode is not started; use it as a context manager")
        host, port = self._server.server_address[:2]
        return f"ws://{host!s}:{port}"

    def start(self) -> Self:
        self._server = _TCPServer(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name="FakeSocketMode-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        for connection in self.connections:
            connection.abort()
        for connection in self.connections:
            connection.closed.wait(5)
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server, self._thread = None, None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- what apps.connections.open hands out --------------------------------------------

    def issue_url(self) -> str:
        """A fresh single-use WebSocket URL, as ``apps.connections.open`` returns it."""
        ticket = str(uuid.uuid4())
        with self.changed:
            self._tickets.add(ticket)
        return f"{self.url}{LINK_PATH}?ticket={ticket}&app_id={self.app_id}"

    def redeem(self, target: str) -> str:
        """The ticket of an upgrade request's target; `Refusal` unless issued and unused."""
        parts = urlsplit(target)
        ticket = (parse_qs(parts.query).get("ticket") or [""])[-1]
        if parts.path != LINK_PATH:
            raise Refusal(404, "Not Found")
        with self.changed:
            if ticket not in self._tickets:
                raise Refusal(401, "Unauthorized")
            self._tickets.discard(ticket)
        return ticket

    def record_refusal(self, refusal: str) -> None:
        with self.changed:
            self.refused.append(refusal)
            self.changed.notify_all()

    def serve_connection(self, sock: socket.socket, rfile: BinaryIO, ticket: str) -> None:
        with self.changed:
            serial = next(self._serial)
            already_open = sum(1 for c in self._connections if not c.closed.is_set())
        connection = SocketConnection(self, sock, rfile, serial, ticket)
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
