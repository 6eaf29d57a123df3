"""Plain data on the pipe: tagged JSON both ways, never anything that could carry code."""

from __future__ import annotations

import datetime as dt
import socket

import pytest

from sandbox import wire

ROUND_TRIPS = [
    None,
    True,
    0,
    -(2**70),
    1.5,
    float("inf"),
    "text with \ud800 lone surrogate and ünïcode",
    [1, [2, [3]]],
    (1, "a", (2.5,)),
    {"a": 1, "b": [None]},
    {1: "one", (2, 3): "pair", None: 0},
    {"$date": "not a date, just a key"},
    dt.date(2024, 2, 29),
    dt.datetime(2024, 5, 3, 9, 30, 15, 123),
    dt.datetime(2024, 5, 3, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
    [{"starts": dt.date(2024, 5, 1), "ends": dt.date(2024, 5, 7), "ids": (1, 2)}],
]


@pytest.mark.parametrize("value", ROUND_TRIPS, ids=range(len(ROUND_TRIPS)))
def test_plain_data_survives_a_round_trip_with_its_types(value):
    bot, worker = socket.socketpair()
    with bot, worker:
        wire.send_frame(bot, {"value": wire.encode(value)}, limit=wire.REPLY_LIMIT)
        received = wire.decode(wire.recv_frame(worker, limit=wire.REPLY_LIMIT)["value"])

    assert received == value
    assert type(received) is type(value)


@pytest.mark.parametrize("value", [{1, 2}, b"bytes", object(), print, 1j, dt.timedelta(1)])
def test_values_that_are_not_plain_data_are_refused(value):
    with pytest.raises(wire.NotPlainData):
        wire.encode(value)


@pytest.mark.parametrize(
    "wrap",
    [lambda inner: [inner], lambda inner: (inner,), lambda inner: {"k": inner}, lambda i: {1: i}],
    ids=["list", "tuple", "dict", "dict with an int key"],
)
@pytest.mark.parametrize("leaf", [1, "s", None, dt.date(2024, 5, 1), []])
def test_the_depth_limit_is_the_same_for_every_kind_of_item(wrap, leaf):
    def nested(levels: int):
        value = leaf
        for _ in range(levels):
            value = wrap(value)
        return value

    # The leaf sits at depth `levels`: up to MAX_DEPTH it crosses, one deeper it does not.
    assert wire.decode(wire.encode(nested(wire.MAX_DEPTH))) == nested(wire.MAX_DEPTH)
    with pytest.raises(wire.NotPlainData, match="nested too deeply"):
        wire.encode(nested(wire.MAX_DEPTH + 1))


def test_deep_nesting_is_refused_both_ways():
    deep: list = []
    for _ in range(wire.MAX_DEPTH + 5):
        deep = [deep]

    with pytest.raises(wire.NotPlainData, match="nested too deeply"):
        wire.encode(deep)
    with pytest.raises(wire.WireError, match="nested too deeply"):
        wire.decode(deep)


@pytest.mark.parametrize(
    "payload", [{"$date": 5}, {"$datetime": "yesterday"}, {"$dict": [[[1], 2]]}, {"$tuple": 3}]
)
def test_malformed_tagged_value_is_a_wire_error(payload):
    with pytest.raises(wire.WireError):
        wire.decode(payload)


def test_frame_over_the_limit_is_refused_before_its_body_is_read():
    bot, worker = socket.socketpair()
    with bot, worker:
        worker.sendall(wire.HEADER.pack(2**31))
        with pytest.raises(wire.WireError, match="over the 1024-byte limit"):
            wire.recv_frame(bot, limit=1024)


@pytest.mark.parametrize("body", [b"\x80\x04\x95pickle", b"[1, 2]", b"not json"])
def test_frame_that_is_not_a_json_object_is_a_wire_error(body):
    bot, worker = socket.socketpair()
    with bot, worker:
        worker.sendall(wire.HEADER.pack(len(body)) + body)
        with pytest.raises(wire.WireError):
            wire.recv_frame(bot, limit=1024)


def test_receiving_past_the_deadline_times_out():
    bot, worker = socket.socketpair()
    with bot, worker, pytest.raises(TimeoutError):
        wire.recv_frame(bot, limit=1024, deadline=0.0)
