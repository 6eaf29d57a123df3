"""The bot's side of the pipe against a misbehaving worker: it checks everything and survives."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sandbox import wire
from sandbox.conversation import Conversation, Ending
from sandbox.job import MAX_COMPILED_CHARS

JOB = {"type": "job", "code": "pass"}
DONE = {
    "type": "done",
    "ok": True,
    "answer": "fine",
    "stdout": "",
    "error": None,
    "error_kind": None,
}


@contextmanager
def fake_worker(script: Callable[[socket.socket], None]) -> Iterator[socket.socket]:
    """The bot's end of a pipe whose other end runs `script` in a thread."""
    bot, worker = socket.socketpair()

    def play() -> None:
        try:
            wire.recv_frame(worker, limit=wire.JOB_LIMIT)
            script(worker)
        except (OSError, wire.WireError):
            pass

    thread = threading.Thread(target=play, daemon=True)
    thread.start()
    try:
        yield bot
    finally:
        bot.close()
        thread.join(2)
        worker.close()


def converse(
    script: Callable[[socket.socket], None],
    tools: dict[str, Any] | None = None,
    *,
    timeout_s: float = 2.0,
    max_tool_calls: int = 5,
    wants_compiled: bool = False,
) -> Ending:
    with fake_worker(script) as bot:
        conversation = Conversation(
            bot,
            tools or {},
            deadline=time.monotonic() + timeout_s,
            max_tool_calls=max_tool_calls,
            max_output_chars=100,
            wants_compiled=wants_compiled,
        )
        return conversation.run(JOB)


def send(sock: socket.socket, message: dict[str, Any]) -> None:
    wire.send_frame(sock, message, limit=wire.REPLY_LIMIT)


def call(sock: socket.socket, tool: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    send(
        sock,
        {
            "type": "call",
            "tool": tool,
            "args": wire.encode(list(args)),
            "kwargs": {k: wire.encode(v) for k, v in kwargs.items()},
        },
    )
    return wire.recv_frame(sock, limit=wire.REPLY_LIMIT)


def test_well_behaved_worker_gets_tool_results_and_reports():
    replies = []

    def script(sock):
        replies.append(call(sock, "add_days", dt.date(2024, 5, 3), days=2))
        send(sock, DONE)

    outcome = converse(script, {"add_days": lambda d, days: d + dt.timedelta(days=days)})

    assert replies == [{"type": "return", "value": {"$date": "2024-05-05"}}]
    assert (outcome.reason, outcome.tool_calls, outcome.report["answer"]) == ("done", 1, "fine")


def test_unknown_tool_is_answered_with_an_error_and_nothing_runs():
    replies, ran = [], []

    def script(sock):
        replies.append(call(sock, "os_system", "rm -rf /"))
        send(sock, DONE)

    outcome = converse(script, {"today": lambda: ran.append(1)})

    assert replies == [
        {"type": "raise", "error": "ToolError", "message": "there is no tool named 'os_system'"}
    ]
    assert (outcome.reason, ran) == ("done", [])


def test_tool_calls_past_the_cap_end_the_conversation():
    def script(sock):
        while True:
            call(sock, "today")

    outcome = converse(script, {"today": lambda: 1}, max_tool_calls=3)

    assert (outcome.reason, outcome.tool_calls) == ("tool_limit", 3)


def test_garbage_frame_is_a_protocol_violation():
    def script(sock):
        sock.sendall(wire.HEADER.pack(8) + b"\x80\x04garbag")

    assert converse(script).reason == "protocol"


def test_oversized_frame_is_a_protocol_violation():
    def script(sock):
        sock.sendall(wire.HEADER.pack(wire.WORKER_FRAME_LIMIT + 1))

    assert converse(script).reason == "protocol"


def test_malformed_tool_call_is_a_protocol_violation():
    def script(sock):
        send(sock, {"type": "call", "tool": ["list"], "args": {}, "kwargs": []})

    assert converse(script).reason == "protocol"


def test_badly_tagged_argument_is_a_protocol_violation():
    def script(sock):
        send(sock, {"type": "call", "tool": "today", "args": [{"$date": 20240503}], "kwargs": {}})

    assert converse(script, {"today": lambda *a: 1}).reason == "protocol"


def test_unknown_frame_type_is_a_protocol_violation():
    def script(sock):
        send(sock, {"type": "exec", "code": "import os"})

    assert converse(script).reason == "protocol"


COMPILED = {"type": "compiled", "code": "4wAAAAAAAAAA"}


def test_the_compiled_program_asked_for_is_kept_as_it_came():
    def script(sock):
        send(sock, COMPILED)
        send(sock, DONE)

    outcome = converse(script, wants_compiled=True)

    assert (outcome.reason, outcome.compiled) == ("done", COMPILED["code"])


def test_a_compiled_program_not_asked_for_is_a_protocol_violation():
    def script(sock):
        send(sock, COMPILED)
        send(sock, DONE)

    outcome = converse(script)

    assert (outcome.reason, outcome.compiled) == ("protocol", None)


def test_a_compiled_program_sent_twice_or_after_a_call_is_a_protocol_violation():
    def twice(sock):
        send(sock, COMPILED)
        send(sock, COMPILED)
        send(sock, DONE)

    def after_a_call(sock):
        call(sock, "today")
        send(sock, COMPILED)
        send(sock, DONE)

    assert converse(twice, wants_compiled=True).reason == "protocol"
    tools = {"today": lambda: dt.date(2024, 5, 3)}
    assert converse(after_a_call, tools, wants_compiled=True).reason == "protocol"


def test_a_malformed_compiled_program_is_a_protocol_violation():
    for code in (None, 42, "caf\u00e9", "A" * (MAX_COMPILED_CHARS + 1)):

        def script(sock, code=code):
            send(sock, {"type": "compiled", "code": code})
            send(sock, DONE)

        assert converse(script, wants_compiled=True).reason == "protocol", code


def test_report_with_wrong_types_is_a_protocol_violation():
    bad_reports = [
        {**DONE, "ok": "yes"},
        {**DONE, "answer": 42},
        {**DONE, "stdout": None},
        {**DONE, "ok": False, "error_kind": "escaped"},
        {**DONE, "ok": True, "error_kind": "runtime", "error": "inconsistent"},
    ]
    for report in bad_reports:
        assert converse(lambda sock, r=report: send(sock, r)).reason == "protocol", report


def test_report_over_the_caps_is_cut_or_refused_by_the_bot_whatever_the_worker_counted():
    long_answer = converse(lambda sock: send(sock, {**DONE, "answer": "x" * 101}))
    long_output = converse(lambda sock: send(sock, {**DONE, "stdout": "y" * 500}))

    assert long_answer.report["ok"] is False
    assert long_answer.report["error_kind"] == "output_limit"
    assert long_answer.report["answer"] is None
    assert long_output.report["stdout"] == "y" * 100


def test_strings_from_the_worker_are_cleaned_before_anyone_sees_them():
    dirty = "a\ud800b\x00c\x1b[2Jd\u009be\nf\tg"
    seen = []

    def script(sock):
        send(sock, {"type": "call", "tool": "echo", "args": [dirty], "kwargs": {dirty: [dirty]}})
        wire.recv_frame(sock, limit=wire.REPLY_LIMIT)
        send(
            sock,
            {
                **DONE,
                "answer": dirty,
                "stdout": dirty,
                "ok": False,
                "error": dirty,
                "error_kind": "runtime",
            },
        )

    def echo(*args, **kwargs):
        seen.append((args, kwargs))
        return "ok"

    outcome = converse(script, {"echo": echo})

    clean = "a\ufffdbc[2Jde\nf\tg"
    assert seen == [((clean,), {clean: [clean]})]
    assert outcome.report["answer"] == outcome.report["stdout"] == clean
    assert outcome.report["error"] == clean
    for text in (clean, outcome.report["answer"]):
        text.encode("utf-8")  # no lone surrogate left: this would raise


def test_tool_that_overruns_the_deadline_ends_the_run_at_the_deadline():
    release = threading.Event()

    def stuck_tool():
        release.wait(10)
        return 1

    def script(sock):
        send(sock, {"type": "call", "tool": "stuck", "args": [], "kwargs": {}})
        sock.recv(1)  # until the bot hangs up

    started = time.monotonic()
    outcome = converse(script, {"stuck": stuck_tool}, timeout_s=0.3)
    elapsed = time.monotonic() - started
    release.set()

    assert outcome.reason == "timeout"
    assert elapsed < 2.0


def test_worker_that_closes_the_pipe_ends_the_conversation():
    assert converse(lambda sock: sock.close()).reason == "closed"


def test_silent_worker_runs_into_the_deadline():
    started = time.monotonic()

    outcome = converse(lambda sock: time.sleep(1), timeout_s=0.2)

    assert outcome.reason == "timeout"
    assert time.monotonic() - started < 1.5
