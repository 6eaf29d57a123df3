"""Frames and plain data on the pipe between the bot and a worker.

A frame is a 4-byte big-endian length and a JSON document. Values that JSON cannot say
(dates, datetimes, tuples, dicts with non-string keys) travel as one-key tagged objects such
as {"$date": "2024-05-01"}. Nothing is ever pickled, so what a frame carries is data to the
bot: the one piece of code, a program's compiled form (worker.Session.program), is opaque text
the bot keeps and hands to later workers but never loads.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import struct
import sys
import time
from typing import Any, Final

from sandbox.text import clean_text

HEADER: Final = struct.Struct(">I")
MAX_DEPTH: Final = 40

# Largest frame each way: the job (bot to worker), a tool call or the final report (worker to
# bot), a tool's result (bot to worker). A tool call's arguments are held to far less.
JOB_LIMIT: Final = 1 << 20
WORKER_FRAME_LIMIT: Final = 1 << 20
CALL_LIMIT: Final = 64 << 10
REPLY_LIMIT: Final = 8 << 20

DATE: Final = "$date"
DATETIME: Final = "$datetime"
TUPLE: Final = "$tuple"
DICT: Final = "$dict"
TAGS: Final = frozenset({DATE, DATETIME, TUPLE, DICT})


class WireError(Exception):
    """A frame was malformed, too large, or the peer closed the pipe."""


class PeerClosed(WireError):
    """The other end closed the pipe before a whole frame arrived."""


class NotPlainData(TypeError):
    """A value cannot cross the pipe: only None, bool, int, float, str, list, tuple, dict, date."""


# Exact types that are already JSON: a container's items of these are taken as they are,
# without a call each (a tool's result is mostly such items, hundreds of them).
_AS_IS: Final = frozenset({str, int, float, bool, type(None)})


def encode(value: Any, depth: int = 0) -> Any:
    """Plain data as a JSON-ready structure, with dates and tuples tagged."""
    if depth > MAX_DEPTH:
        raise NotPlainData("data is nested too deeply")
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime):
        return {DATETIME: dt.datetime.isoformat(value)}
    if isinstance(value, dt.date):
        return {DATE: dt.date.isoformat(value)}
    if isinstance(value, list):
        return _encode_items(value, depth)
    if isinstance(value, tuple):
        return {TUPLE: _encode_items(value, depth)}
    if isinstance(value, dict):
        return _encode_dict(value, depth)
    raise NotPlainData(f"a {type(value).__name__} is not plain data")


def _encode_items(items: list | tuple, depth: int) -> list:
    if items and depth >= MAX_DEPTH:  # its items would be nested too deeply, whatever they are
        raise NotPlainData("data is nested too deeply")
    return [item if type(item) in _AS_IS else encode(item, depth + 1) for item in items]


def _encode_dict(value: dict, depth: int) -> Any:
    items = list(dict.items(value))
    if items and depth >= MAX_DEPTH:
        raise NotPlainData("data is nested too deeply")
    plain_keys = _STR.issuperset(map(type, dict.keys(value)))
    if plain_keys and not (len(items) == 1 and items[0][0] in TAGS):
        return {
            key: item if type(item) in _AS_IS else encode(item, depth + 1) for key, item in items
        }
    return {DICT: [[encode(key, depth + 1), encode(item, depth + 1)] for key, item in items]}


_STR: Final = frozenset({str})


def decode(value: Any, depth: int = 0, *, clean: bool = False) -> Any:
    """The inverse of `encode`; raises WireError on anything `encode` would not produce.

    With `clean`, every string is passed through `text.clean_text` (for data from a worker).
    """
    if depth > MAX_DEPTH:
        raise WireError("data is nested too deeply")
    if isinstance(value, str):
        return clean_text(value) if clean else value
    if isinstance(value, list):
        if clean:
            return [decode(item, depth + 1, clean=True) for item in value]
        if value and depth >= MAX_DEPTH:  # its items would be nested too deeply
            raise WireError("data is nested too deeply")
        return [item if type(item) in _AS_IS else decode(item, depth + 1) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((tag, payload),) = value.items()
        if tag in TAGS:
            return _decode_tagged(tag, payload, depth, clean)
    if clean:
        return {
            decode(key, depth + 1, clean=True): decode(item, depth + 1, clean=True)
            for key, item in value.items()
        }
    if value and depth >= MAX_DEPTH:
        raise WireError("data is nested too deeply")
    # Without cleaning, a decoded key is the key itself (JSON's keys are strings), and so is
    # every plain item: only containers are visited (a tool's result is mostly plain items).
    return {
        key: item if type(item) in _AS_IS else decode(item, depth + 1)
        for key, item in value.items()
    }


def _decode_tagged(tag: str, payload: Any, depth: int, clean: bool) -> Any:
    try:
        if tag == DATE:
            return dt.date.fromisoformat(payload)
        if tag == DATETIME:
            return dt.datetime.fromisoformat(payload)
        if tag == TUPLE:
            return tuple(decode(item, depth + 1, clean=clean) for item in payload)
        return {
            decode(k, depth + 1, clean=clean): decode(v, depth + 1, clean=clean) for k, v in payload
        }
    except (TypeError, ValueError) as exc:
        raise WireError(f"bad {tag} value") from exc


def dumps(message: dict[str, Any]) -> bytes:
    """One frame's bytes (ASCII JSON, so lone surrogates in strings survive)."""
    try:
        body = json.dumps(message, separators=(",", ":")).encode("ascii")
    except ValueError as exc:  # int -> str refuses over sys.get_int_max_str_digits() digits
        if "integer string conversion" in str(exc):
            digits = sys.get_int_max_str_digits()
            raise NotPlainData(f"an integer has more than {digits} digits") from exc
        raise NotPlainData(str(exc)) from exc
    except RecursionError as exc:
        raise NotPlainData(str(exc)) from exc
    return HEADER.pack(len(body)) + body


def send_frame(
    sock: socket.socket, message: dict[str, Any], *, limit: int, deadline: float | None = None
) -> None:
    """Send one frame; NotPlainData if it cannot be encoded or is over `limit` bytes."""
    data = dumps(message)
    if len(data) > limit:
        raise NotPlainData(f"the data is {len(data)} bytes; the limit is {limit}")
    _set_timeout(sock, deadline)
    sock.sendall(data)


def recv_frame(sock: socket.socket, *, limit: int, deadline: float | None = None) -> dict[str, Any]:
    """Receive one frame as a dict; TimeoutError past `deadline` (a time.monotonic value)."""
    (size,) = HEADER.unpack(_recv_exactly(sock, HEADER.size, deadline))
    if size > limit:
        raise WireError(f"frame of {size} bytes is over the {limit}-byte limit")
    body = _recv_exactly(sock, size, deadline)
    try:
        message = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise WireError("frame is not JSON") from exc
    if not isinstance(message, dict):
        raise WireError("frame is not a JSON object")
    return message


def _recv_exactly(sock: socket.socket, size: int, deadline: float | None) -> bytes:
    buffer = bytearray(size)
    view = memoryview(buffer)
    received = 0
    while received < size:
        _set_timeout(sock, deadline)
        count = sock.recv_into(view[received:])
        if count == 0:
            raise PeerClosed("the pipe was closed")
        received += count
    return bytes(buffer)


def _set_timeout(sock: socket.socket, deadline: float | None) -> None:
    if deadline is None:
        sock.settimeout(None)
        return
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError("deadline passed")
    sock.settimeout(remaining)
