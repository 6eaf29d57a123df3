"""The bot's side of one run: send the job, answer tool calls, hold the deadline and the caps.

Everything the worker sends is treated as hostile: frames are size-capped JSON, decoded into
plain data only, every string cleaned (`text.clean_text`) before a tool, the database, Slack
or a log sees it, the tool name must be one the caller passed, and every field of the final
report is type- and length-checked. Each tool call runs on a thread of a pool that the run's
deadline does not wait for: a tool that overruns ends the run as a timeout (the worker is
killed) while the tool finishes in the background under its own limits. Tool exceptions go
back as a type name and a message.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import math
import socket
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Final, Literal

from sandbox import wire
from sandbox.job import MAX_COMPILED_CHARS
from sandbox.program_errors import TOOL_EXCEPTION_TYPES
from sandbox.result import (
    ERROR_KINDS,
    MAX_ERROR_CHARS,
    MAX_STRUCTURED_STRING_CHARS,
    MAX_TABLE_COLUMNS,
    MAX_TABLE_ROWS,
)
from sandbox.text import clean_text, loggable

logger = logging.getLogger(__name__)

MAX_TOOL_MESSAGE_CHARS: Final = 1000


class ProtocolViolation(Exception):
    """The worker sent something no well-behaved worker sends."""


EndReason = Literal["done", "timeout", "closed", "protocol", "tool_limit"]


@dataclass(frozen=True)
class Ending:
    """How the conversation ended: `report` is the worker's checked "done" frame, if any."""

    reason: EndReason
    tool_calls: int
    report: dict[str, Any] | None = None
    compiled: str | None = None  # the program's compiled form, when the job asked for it


class Conversation:
    """Drives one worker from job to report."""

    def __init__(
        self,
        sock: socket.socket,
        tools: Mapping[str, Callable[..., Any]],
        *,
        deadline: float,
        max_tool_calls: int,
        max_output_chars: int,
        wants_compiled: bool = False,
    ) -> None:
        self._sock = sock
        self._tools = tools
        self._deadline = deadline
        self._max_tool_calls = max_tool_calls
        self._max_output_chars = max_output_chars
        self._tool_calls = 0
        # Whether the job asked for the compiled program: it may come once, before any call.
        self._wants_compiled = wants_compiled
        self._compiled: str | None = None

    def run(self, job: dict[str, Any]) -> Ending:
        try:
            wire.send_frame(self._sock, job, limit=wire.JOB_LIMIT, deadline=self._deadline)
            return self._serve()
        except TimeoutError:
            return self._end("timeout")
        except (wire.PeerClosed, ConnectionError):
            return self._end("closed")
        except (wire.WireError, ProtocolViolation) as exc:
            logger.warning("worker broke the protocol: %s", loggable(str(exc)))
            return self._end("protocol")
        except OSError:
            return self._end("closed")

    def _end(self, reason: EndReason, report: dict[str, Any] | None = None) -> Ending:
        return Ending(
            reason=reason, tool_calls=self._tool_calls, report=report, compiled=self._compiled
        )

    def _serve(self) -> Ending:
        while True:
            message = wire.recv_frame(
                self._sock, limit=wire.WORKER_FRAME_LIMIT, deadline=self._deadline
            )
            kind = message.get("type")
            if kind == "done":
                return self._end("done", self._checked_report(message))
            if kind == "compiled":
                self._take_compiled(message)
                continue
            if kind != "call":
                raise ProtocolViolation(f"unexpected frame type {kind!r}")
            self._wants_compiled = False  # it comes before the program runs, or not at all
            if self._tool_calls >= self._max_tool_calls:
                return self._end("tool_limit")
            self._tool_calls += 1
            self._reply(self._call(message))
            if time.monotonic() >= self._deadline:
                raise TimeoutError("deadline passed during a tool call")

    def _take_compiled(self, message: dict[str, Any]) -> None:
        """Keep the compiled program, an opaque ASCII text only ever handed to later workers."""
        code = message.get("code")
        if not self._wants_compiled:
            raise ProtocolViolation("a compiled program nobody asked for")
        if not isinstance(code, str) or not code.isascii() or len(code) > MAX_COMPILED_CHARS:
            raise ProtocolViolation("malformed compiled program")
        self._wants_compiled = False
        self._compiled = code

    def _call(self, message: dict[str, Any]) -> dict[str, Any]:
        name, args, kwargs = _checked_call(message)
        tool = self._tools.get(name)
        if tool is None:
            return _raise_reply("ToolError", f"there is no tool named {loggable(name, 60)!r}")
        call = _tool_threads.submit(contextvars.copy_context().run, _call, tool, args, kwargs)
        try:
            value, exc = call.result(timeout=max(0.0, self._deadline - time.monotonic()))
        except TimeoutError:
            logger.warning("tool %s was still running at the run's deadline", name)
            raise TimeoutError("deadline passed during a tool call") from None
        if exc is not None:
            logger.info("tool %s raised %s: %s", name, type(exc).__name__, loggable(str(exc)))
            return _raise_reply(_program_type_name(exc), _message(exc))
        try:
            return {"type": "return", "value": wire.encode(value)}
        except wire.NotPlainData as exc:
            logger.error("tool %s returned data that is not plain: %s", name, loggable(str(exc)))
            return _raise_reply("ToolError", f"{name}() returned data the program cannot use")

    def _reply(self, reply: dict[str, Any]) -> None:
        try:
            wire.send_frame(self._sock, reply, limit=wire.REPLY_LIMIT, deadline=self._deadline)
        except wire.NotPlainData as exc:
            fallback = _raise_reply("ToolError", f"the tool's result is too large ({exc})")
            wire.send_frame(self._sock, fallback, limit=wire.REPLY_LIMIT, deadline=self._deadline)

    def _checked_report(self, message: dict[str, Any]) -> dict[str, Any]:
        ok, answer, stdout = message.get("ok"), message.get("answer"), message.get("stdout")
        error, kind = message.get("error"), message.get("error_kind")
        if not isinstance(ok, bool) or not _text_or_none(answer):
            raise ProtocolViolation("bad ok/answer in report")
        if not isinstance(stdout, str):
            raise ProtocolViolation("bad stdout in report")
        if not _text_or_none(error) or not (kind is None or kind in ERROR_KINDS):
            raise ProtocolViolation("bad error in report")
        if ok == (kind is not None):
            raise ProtocolViolation("ok and error_kind disagree")
        answer = None if answer is None else clean_text(answer)
        stdout = clean_text(stdout)[: self._max_output_chars]
        error = None if error is None else clean_text(error)[:MAX_ERROR_CHARS]
        table, chart = _decoded(message.get("table")), _decoded(message.get("chart"))
        limit = self._max_output_chars
        if answer is not None and len(answer) > limit:
            ok, kind, answer = False, "output_limit", None
            error = f"the answer is over {limit} characters: shorten it"
        elif ok and (problem := _structure_problem(table, chart)) is not None:
            ok, kind, answer, error = False, problem[0], None, problem[1]
        if not ok:
            table = chart = None
        report = {"ok": ok, "answer": answer, "stdout": stdout, "error": error, "error_kind": kind}
        return report | {"table": table, "chart": chart}


# Tool calls run on threads of their own, so the run's deadline need not wait for one, kept
# for the next calls: a new thread per call cost ~0.5 ms of CPU (starting it, and the call
# itself ran a third slower on a fresh thread). A call that outlives its run keeps its thread
# until it returns (the tools' queries have time limits of their own); with every thread busy,
# a call waits for one, within its run's deadline.
TOOL_THREADS: Final = 32
_tool_threads = ThreadPoolExecutor(max_workers=TOOL_THREADS, thread_name_prefix="tool-call")


def _call(
    tool: Callable[..., Any], args: list[Any], kwargs: dict[str, Any]
) -> tuple[Any, Exception | None]:
    """The tool's value, or the exception it raised."""
    try:
        return tool(*args, **kwargs), None
    except Exception as exc:
        return None, exc
    except BaseException as exc:  # SystemExit, say: the tool failed; the bot goes on
        return None, RuntimeError(f"the tool raised {type(exc).__name__}")


def _checked_call(message: dict[str, Any]) -> tuple[str, list[Any], dict[str, Any]]:
    name, args, kwargs = message.get("tool"), message.get("args"), message.get("kwargs")
    if not isinstance(name, str) or not isinstance(args, list) or not isinstance(kwargs, dict):
        raise ProtocolViolation("malformed tool call")
    return (
        name,
        wire.decode(args, clean=True),
        {clean_text(key): wire.decode(value, clean=True) for key, value in kwargs.items()},
    )


def _decoded(value: Any) -> Any:
    """A table or chart from the report as plain data, every string cleaned."""
    if value is None:
        return None
    try:
        return wire.decode(value, clean=True)
    except wire.WireError as exc:
        raise ProtocolViolation(f"bad structured data in report: {exc}") from None


def _structure_problem(table: Any, chart: Any) -> tuple[str, str] | None:
    """(error kind, message for the model) when a table or chart breaks the rules, else None:
    a table is a list of dicts of column -> scalar, a chart a dict, both within the caps."""
    if table is not None:
        problem = _table_problem(table)
        if problem is not None:
            return problem
    if chart is not None and not isinstance(chart, dict):
        return "runtime", f"final_answer(chart=...) takes a dict, not a {type(chart).__name__}"
    for name, value in (("table", table), ("chart", chart)):
        values_problem = _values_problem(value)
        if values_problem is not None:
            return "runtime", f"final_answer({name}=...): {values_problem}"
    return None


def _table_problem(table: Any) -> tuple[str, str] | None:
    if not isinstance(table, list) or not all(isinstance(row, dict) for row in table):
        return "runtime", "final_answer(table=...) takes a list of dicts (one per row)"
    if len(table) > MAX_TABLE_ROWS:
        return "output_limit", (
            f"final_answer(table=...) has {len(table)} rows; the limit is {MAX_TABLE_ROWS}: "
            "pass the rows that matter"
        )
    for number, row in enumerate(table, 1):
        if len(row) > MAX_TABLE_COLUMNS:
            return "output_limit", (
                f"final_answer(table=...): row {number} has {len(row)} columns; the limit is "
                f"{MAX_TABLE_COLUMNS}"
            )
        for key, value in row.items():
            if not isinstance(key, str) or not isinstance(value, _SCALARS):
                return "runtime", (
                    f"final_answer(table=...): row {number} must map column names to a str, "
                    "number, bool, date or None"
                )
    return None


_SCALARS = (str, int, float, bool, dt.date, type(None))


def _values_problem(value: Any) -> str | None:
    """What is wrong with the leaves of decoded plain data: a string too long, a number that
    is not finite."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, str) and len(item) > MAX_STRUCTURED_STRING_CHARS:
            return f"a text is {len(item)} characters; the limit is {MAX_STRUCTURED_STRING_CHARS}"
        elif isinstance(item, float) and not math.isfinite(item):
            return "a number is not finite (NaN or infinity)"
    return None


def _text_or_none(value: Any) -> bool:
    return value is None or isinstance(value, str)


def _program_type_name(exc: Exception) -> str:
    for cls in type(exc).__mro__:
        if TOOL_EXCEPTION_TYPES.get(cls.__name__) is cls:
            return cls.__name__
    return "ToolError"


def _message(exc: Exception) -> str:
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    return clean_text(text[:MAX_TOOL_MESSAGE_CHARS])


def _raise_reply(type_name: str, message: str) -> dict[str, Any]:
    return {"type": "raise", "error": type_name, "message": message}
