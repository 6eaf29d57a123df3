"""The worker's side of one run: read the job, compile and run the program, proxy tool calls.

Runs in a forked, hardened, single-use child of the worker server. Every path ends in
os._exit: after one "done" frame, or without one if the bot has gone. `final_answer` and
going over the output cap end the run on the spot, so no try/except in the program can
swallow them.
"""

from __future__ import annotations

import os
import socket
import sys
from typing import Any, Final, NoReturn

from sandbox import wire
from sandbox.diagnosis import describe
from sandbox.isolation import apply_run_limits
from sandbox.job import EXIT_INTERNAL, EXIT_NO_JOB, EXIT_OK, EXIT_OUT_OF_MEMORY, Job
from sandbox.namespace import program_globals
from sandbox.policy import CompileFailure, compile_program
from sandbox.program_errors import TOOL_EXCEPTION_TYPES, PolicyError, ToolError

MAX_ERROR_CHARS: Final = 2000
RECURSION_LIMIT: Final = sys.getrecursionlimit()
REPORTING_DEPTH: Final = 200
REHEARSAL: Final = """
import datetime, json, re, statistics
rows = [{"price": p, "when": datetime.date(2024, 5, 1)} for p in (1.5, 2.25)]
best = min(rows, key=lambda row: row["price"])
text = f"{best['price']:.2f} {best['when'].strftime('%a %d %b')}" + "{:>4}".format(1)
final_answer(json.dumps({"t": text, "m": statistics.mean([1, 2])}) + re.sub("a", "b", "a"))
"""


class Tool:
    """What a program calls: forwards the call to the bot, which runs the real tool."""

    __slots__ = ("_name", "_session")

    def __init__(self, name: str, session: Session) -> None:
        self._name = name
        self._session = session

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._session.call_tool(self._name, args, kwargs)

    def __repr__(self) -> str:
        return f"<tool {self._name}>"


class Session:
    """One program's run: its output, its tool calls, and its end."""

    def __init__(self, sock: socket.socket, job: Job) -> None:
        self._sock = sock
        self._job = job
        self._output: list[str] = []
        self._output_chars = 0
        self._tool_failures: list[tuple[BaseException, str]] = []

    def run(self) -> NoReturn:
        try:
            code = compile_program(self._job.code, max_chars=self._job.max_source_chars)
        except CompileFailure as failure:
            self.finish(error=failure.message, error_kind=failure.kind)
        tools = {name: Tool(name, self) for name in self._job.tools}
        namespace = program_globals(
            print_function=self.print, final_answer=self.final_answer, tools=tools
        )
        try:
            exec(code, namespace)
        except BaseException as exc:
            self._fail(exc, namespace)
        self.finish(ok=True)

    def print(
        self,
        *args: Any,
        sep: str | None = " ",
        end: str | None = "\n",
        file: Any = None,
        flush: bool = False,
    ) -> None:
        if file is not None:
            raise PolicyError("print(file=...) is not available: print() writes to the output")
        sep = " " if sep is None else sep
        end = "\n" if end is None else end
        if not isinstance(sep, str) or not isinstance(end, str):
            raise TypeError("sep and end must be None or strings")
        text = sep.join([str(arg) for arg in args]) + end
        self._output.append(text)
        self._output_chars += len(text)
        if self._output_chars > self._job.max_output_chars:
            self.finish(
                error=f"the program printed more than {self._job.max_output_chars} characters; "
                "print only what the answer needs",
                error_kind="output_limit",
            )

    def final_answer(self, answer: Any) -> NoReturn:
        text = answer if isinstance(answer, str) else str(answer)
        limit = self._job.max_output_chars
        if len(text) > limit:
            self.finish(
                error=f"the answer is {len(text)} characters; the limit is {limit}: shorten it",
                error_kind="output_limit",
            )
        self.finish(ok=True, answer=text)

    def call_tool(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        try:
            message = {
                "type": "call",
                "tool": name,
                "args": wire.encode(list(args)),
                "kwargs": {key: wire.encode(value) for key, value in kwargs.items()},
            }
            wire.send_frame(self._sock, message, limit=wire.WORKER_FRAME_LIMIT)
        except wire.NotPlainData as exc:
            raise self._tool_exception(
                name,
                "TypeError",
                f"{name}() arguments must be plain data (str, int, float, bool, None, list, "
                f"tuple, dict, date): {exc}",
            ) from None
        except OSError:
            os._exit(EXIT_INTERNAL)
        return self._tool_reply(name)

    def _tool_reply(self, name: str) -> Any:
        try:
            reply = wire.recv_frame(self._sock, limit=wire.REPLY_LIMIT)
            if reply.get("type") == "return":
                return wire.decode(reply.get("value"))
        except (wire.WireError, OSError):
            os._exit(EXIT_INTERNAL)
        raise self._tool_exception(name, reply.get("error"), reply.get("message"))

    def _tool_exception(self, name: str, type_name: Any, message: Any) -> BaseException:
        cls = TOOL_EXCEPTION_TYPES.get(type_name if isinstance(type_name, str) else "", ToolError)
        exc = cls(message if isinstance(message, str) else f"{name}() failed")
        self._tool_failures.append((exc, name))
        return exc

    def _fail(self, exc: BaseException, namespace: dict[str, Any]) -> NoReturn:
        _allow_reporting_depth()
        tool = next((name for failure, name in self._tool_failures if failure is exc), None)
        kind = _error_kind(exc, tool)
        try:
            error = describe(
                exc, self._job.code, self._job.tools, tool=tool, memory_mb=self._job.memory_mb
            )
        except MemoryError:
            error = f"MemoryError: the program needs more than {self._job.memory_mb} MB"
        except Exception:
            error = type(exc).__name__
        # Drop what the program built (frames hold it too) before reporting needs memory.
        del exc
        self._tool_failures.clear()
        namespace.clear()
        self.finish(error=error, error_kind=kind)

    def finish(
        self,
        *,
        ok: bool = False,
        answer: str | None = None,
        error: str | None = None,
        error_kind: str | None = None,
    ) -> NoReturn:
        _allow_reporting_depth()
        try:
            stdout = "".join(self._output)[: self._job.max_output_chars]
            message = {
                "type": "done",
                "ok": ok,
                "answer": answer,
                "stdout": stdout,
                "error": None if error is None else error[:MAX_ERROR_CHARS],
                "error_kind": error_kind,
            }
            wire.send_frame(self._sock, message, limit=wire.WORKER_FRAME_LIMIT)
        except MemoryError:
            os._exit(EXIT_OUT_OF_MEMORY)
        except BaseException:
            os._exit(EXIT_INTERNAL)
        os._exit(EXIT_OK)


def _allow_reporting_depth() -> None:
    """Room to report from a program that ended at the edge of the recursion limit."""
    sys.setrecursionlimit(RECURSION_LIMIT + REPORTING_DEPTH)


def _error_kind(exc: BaseException, tool: str | None) -> str:
    if isinstance(exc, MemoryError):
        return "memory"
    if tool is not None:
        return "tool"
    if isinstance(exc, PolicyError):
        return "policy"
    return "runtime"


def rehearse() -> None:
    """Compile a sample program and build a namespace once, then drop both.

    The worker server does this before forking, so caches are filled once; each worker does
    it again while it waits for its job, so the memory pages a run touches are already its
    own (copied on write) and the run itself does not pay for the copying.
    """
    compile_program(REHEARSAL, max_chars=len(REHEARSAL))
    program_globals(print_function=print, final_answer=print, tools={})


def serve(sock: socket.socket) -> NoReturn:
    """Wait for one job on `sock`, run it, report, exit."""
    rehearse()
    try:
        job = Job.from_message(wire.recv_frame(sock, limit=wire.JOB_LIMIT))
    except (wire.WireError, OSError, KeyError, TypeError, ValueError):
        os._exit(EXIT_NO_JOB)
    apply_run_limits(job.timeout_s, job.memory_mb)
    Session(sock, job).run()
