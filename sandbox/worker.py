"""The worker's side of one run: read the job, compile and run the program, proxy tool calls.

Runs in a forked, hardened, single-use child of the worker server. Every path ends in
os._exit: after one "done" frame, or without one if the bot has gone. `final_answer` and
going over the output cap end the run on the spot, so no try/except in the program can
swallow them.

What the program holds — its tools, `print`, `final_answer` — are plain module functions
that close over nothing but a tool's name; the run's state (job, pipe, output) lives in this
module, reachable only through "_" names. Once the program has ended, those functions
refuse to work, and the report is built without calling any program code (no `str()` of the
program's objects, no garbage collection of them), so nothing the program left behind can
change, delay or forge its report.
"""

from __future__ import annotations

import base64
import binascii
import gc
import marshal
import os
import select
import socket
import sys
import types
from typing import Any, Final, NoReturn

from sandbox import wire
from sandbox.diagnosis import error_report, is_memory_error
from sandbox.isolation import apply_run_limits, seal_worker
from sandbox.job import (
    EXIT_INTERNAL,
    EXIT_NO_JOB,
    EXIT_OK,
    EXIT_OUT_OF_MEMORY,
    MAX_COMPILED_CHARS,
    Job,
)
from sandbox.modules import seal_library
from sandbox.namespace import program_globals
from sandbox.policy import PROGRAM_FILENAME, CompileFailure, compile_program
from sandbox.program_errors import TOOL_EXCEPTION_TYPES, PolicyError, ToolError
from sandbox.result import MAX_ERROR_CHARS, MAX_STRUCTURED_BYTES

RECURSION_LIMIT: Final = sys.getrecursionlimit()
REPORTING_DEPTH: Final = 200
# Memory set aside while the program runs and given back for its report, so a program that
# filled its address space (RLIMIT_AS) can still be told what went wrong. Address space is what
# the limit counts, so the reserve is bytes(): fresh zeroed pages, mapped but never touched (a
# bytearray would write all 1 MB, and fault in every page, on every run).
REPORT_RESERVE_BYTES: Final = 1 << 20
# A worker whose job has not come this long after it was forked rehearses while it waits (see
# rehearse); one whose job is already there, as under a stream of runs, goes straight to it.
REHEARSE_AFTER_S: Final = 0.02
REHEARSAL: Final = """
import datetime, json, re, statistics
rows = [{"price": p, "when": datetime.date(2024, 5, 1)} for p in (1.5, 2.25)]
best = min(rows, key=lambda row: row["price"])
text = f"{best['price']:.2f} {best['when'].strftime('%a %d %b')}" + "{:>4}".format(1)
final_answer(json.dumps({"t": text, "m": statistics.mean([1, 2])}) + re.sub("a", "b", "a"))
"""


class Session:
    """One program's run: its output, its tool calls, and its end."""

    def __init__(self, sock: socket.socket, job: Job) -> None:
        self.sock = sock
        self.job = job
        self.output: list[str] = []
        self.output_chars = 0
        self.tool_failures: list[tuple[BaseException, str]] = []
        self.ended = False

    def run(self) -> NoReturn:
        try:
            code = self.program()
        except CompileFailure as failure:
            self.finish(error=failure.message, error_kind=failure.kind)
        namespace = _fresh_namespace()
        namespace.update((name, _tool_function(name)) for name in self.job.tools)
        reserve = bytes(REPORT_RESERVE_BYTES)
        try:
            exec(code, namespace)
        except BaseException as exc:
            self.end()
            del reserve
            self.fail(exc)
        self.end()
        self.finish(ok=True)

    def program(self) -> types.CodeType:
        """The program's code: the compiled form the job brings, else compiled here.

        Compiling costs a fresh worker more than anything else in a short run (its pages of
        the compiler are all copied on write), so the bot keeps each program's compiled form
        and sends it with later runs of the same source. The form comes from a worker like
        this one, sent right after compiling and before the program runs: no program can
        shape it, and the bot only keeps and forwards it, never loads it. One that does not
        load as a program's code is ignored, and the program compiled again.
        """
        if self.job.compiled is not None:
            try:
                code = marshal.loads(base64.b64decode(self.job.compiled, validate=True))
            except (binascii.Error, ValueError, EOFError, TypeError):
                code = None
            if isinstance(code, types.CodeType) and code.co_filename == PROGRAM_FILENAME:
                return code
        code = compile_program(self.job.code, max_chars=self.job.max_source_chars)
        if self.job.send_compiled:
            compiled = base64.b64encode(marshal.dumps(code)).decode("ascii")
            if len(compiled) <= MAX_COMPILED_CHARS:
                try:
                    message = {"type": "compiled", "code": compiled}
                    wire.send_frame(self.sock, message, limit=wire.WORKER_FRAME_LIMIT)
                except (wire.WireError, OSError):
                    os._exit(EXIT_INTERNAL)
        return code

    def end(self) -> None:
        """The program is over: nothing it left behind runs again while the report is made."""
        self.ended = True
        gc.disable()
        _allow_reporting_depth()

    def print(self, args: tuple[Any, ...], sep: Any, end: Any, file: Any) -> None:
        if file is not None:
            raise PolicyError("print(file=...) is not available: print() writes to the output")
        sep = " " if sep is None else sep
        end = "\n" if end is None else end
        if not isinstance(sep, str) or not isinstance(end, str):
            raise TypeError("sep and end must be None or strings")
        # Exact str throughout: a str subclass could report a length of its choosing.
        text = str.join(str.__str__(sep), [str(arg) for arg in args]) + str.__str__(end)
        self.output.append(text)
        self.output_chars += len(text)
        if self.output_chars > self.job.max_output_chars:
            self.end()
            self.finish(
                error=f"the program printed more than {self.job.max_output_chars} characters; "
                "print only what the answer needs",
                error_kind="output_limit",
            )

    def final_answer(self, answer: Any, table: Any, chart: Any) -> NoReturn:
        text = str.__str__(answer if isinstance(answer, str) else str(answer))
        # Encoded while the program still runs (a bad value is its TypeError to see), checked
        # for shape and size by the bot.
        structured = {"table": _encoded("table", table), "chart": _encoded("chart", chart)}
        try:
            size = len(wire.dumps(structured))
        except wire.NotPlainData as exc:
            raise TypeError(f"final_answer's table or chart cannot be sent: {exc}") from None
        self.end()
        limit = self.job.max_output_chars
        if len(text) > limit:
            self.finish(
                error=f"the answer is {len(text)} characters; the limit is {limit}: shorten it",
                error_kind="output_limit",
            )
        if size > MAX_STRUCTURED_BYTES:
            self.finish(
                error=f"the table and chart are {size} bytes of data; the limit is "
                f"{MAX_STRUCTURED_BYTES}: pass fewer rows or shorter values",
                error_kind="output_limit",
            )
        self.finish(ok=True, answer=text, **structured)

    def call_tool(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        try:
            data = wire.dumps(
                {
                    "type": "call",
                    "tool": name,
                    "args": wire.encode(list(args)),
                    "kwargs": {str.__str__(key): wire.encode(v) for key, v in kwargs.items()},
                }
            )
        except wire.NotPlainData as exc:
            raise self._tool_exception(
                name,
                "TypeError",
                f"{name}() arguments must be plain data (str, int, float, bool, None, list, "
                f"tuple, dict, date): {exc}",
            ) from None
        if len(data) > wire.CALL_LIMIT:
            raise self._tool_exception(
                name,
                "ValueError",
                f"{name}() arguments are {len(data)} bytes; a tool call may carry "
                f"{wire.CALL_LIMIT}: pass shorter arguments",
            )
        try:
            self.sock.sendall(data)
            reply = wire.recv_frame(self.sock, limit=wire.REPLY_LIMIT)
            if reply.get("type") == "return":
                return wire.decode(reply.get("value"))
        except (wire.WireError, OSError):
            os._exit(EXIT_INTERNAL)
        raise self._tool_exception(name, reply.get("error"), reply.get("message"))

    def _tool_exception(self, name: str, type_name: Any, message: Any) -> BaseException:
        cls = TOOL_EXCEPTION_TYPES.get(type_name if isinstance(type_name, str) else "", ToolError)
        exc = cls(message if isinstance(message, str) else f"{name}() failed")
        self.tool_failures.append((exc, name))
        return exc

    def fail(self, exc: BaseException) -> NoReturn:
        tool = next((name for failure, name in self.tool_failures if failure is exc), None)
        kind = _error_kind(exc, tool)
        try:
            error = error_report(
                exc, self.job.code, self.job.tools, tool=tool, memory_mb=self.job.memory_mb
            )
        except MemoryError:
            error = f"MemoryError: the program needs more than {self.job.memory_mb} MB"
        except BaseException:
            error = type(exc).__name__
        self.finish(error=error, error_kind=kind)

    def finish(
        self,
        *,
        ok: bool = False,
        answer: str | None = None,
        error: str | None = None,
        error_kind: str | None = None,
        table: Any = None,
        chart: Any = None,
    ) -> NoReturn:
        try:
            stdout = "".join(self.output)[: self.job.max_output_chars]
            message = {
                "type": "done",
                "ok": ok,
                "answer": answer,
                "stdout": stdout,
                "error": None if error is None else error[:MAX_ERROR_CHARS],
                "error_kind": error_kind,
                "table": table,
                "chart": chart,
            }
            wire.send_frame(self.sock, message, limit=wire.WORKER_FRAME_LIMIT)
        except MemoryError:
            os._exit(EXIT_OUT_OF_MEMORY)
        except BaseException:
            os._exit(EXIT_INTERNAL)
        os._exit(EXIT_OK)


# The one run of this worker; the program reaches it only through the functions below.
_session: Session | None = None


def _active() -> Session:
    session = _session
    if session is None or session.ended:
        raise PolicyError("the program has ended")
    return session


def _program_print(
    *args: Any, sep: Any = " ", end: Any = "\n", file: Any = None, flush: bool = False
) -> None:
    _active().print(args, sep, end, file)


def _program_final_answer(answer: Any, table: Any = None, chart: Any = None) -> NoReturn:
    sys.setrecursionlimit(RECURSION_LIMIT + REPORTING_DEPTH)  # called at the edge, too
    _active().final_answer(answer, table, chart)


_program_print.__name__ = _program_print.__qualname__ = "print"
_program_final_answer.__name__ = _program_final_answer.__qualname__ = "final_answer"


def _tool_function(name: str) -> Any:
    """What a program calls for tool `name`: forwards the call to the bot, which runs it."""

    def tool(*args: Any, **kwargs: Any) -> Any:
        return _active().call_tool(name, args, kwargs)

    tool.__name__ = tool.__qualname__ = name
    return tool


def _encoded(name: str, value: Any) -> Any:
    """`final_answer`'s table or chart as wire data (None when not given)."""
    if value is None:
        return None
    try:
        return wire.encode(value)
    except wire.NotPlainData as exc:
        raise TypeError(
            f"final_answer({name}=...) takes plain data (lists, dicts, str, numbers, dates): {exc}"
        ) from None


def _allow_reporting_depth() -> None:
    """Room to report from a program that ended at the edge of the recursion limit."""
    sys.setrecursionlimit(RECURSION_LIMIT + REPORTING_DEPTH)


def _error_kind(exc: BaseException, tool: str | None) -> str:
    if is_memory_error(exc):
        return "memory"
    if tool is not None:
        return "tool"
    if issubclass(type(exc), PolicyError):
        return "policy"
    return "runtime"


def rehearse(*, run: bool = False) -> None:
    """Compile a sample program and build a namespace once, then drop both; with `run`, also
    run the program.

    The worker server does this, running it, before forking: what a first run fills (the
    import machinery's and the types' caches, the interpreter's specialised bytecode) is then
    filled once and shared, instead of written — and so copied — by every worker, which halves
    a worker's CPU. A worker that waits for its job compiles it again meanwhile, so the memory
    pages a run touches are already its own and the run does not pay for the copying (a
    lone run starts about 0.8 ms sooner); one whose job is already waiting skips it, as the
    rehearsal costs about 1 ms of CPU that a stream of runs would pay on every run.
    """
    seal_library()
    code = compile_program(REHEARSAL, max_chars=len(REHEARSAL))
    namespace = program_globals(print_function=print, final_answer=_rehearsed, tools={})
    if run:
        exec(code, namespace)


# A program's namespace (builtins, guards, print and final_answer; the tools go in per job),
# built in the worker server before it forks. Each worker is a copy of the server, runs one
# program and exits, so what its program does to the namespace dies with it: taking this one
# instead of building a new one spares each run the copy of the builtins: 140 names and their
# values, whose reference counts it writes, ~60 pages copied on write (perf stat: page faults
# per trivial run ~830 -> ~770).
_prepared_namespace: dict[str, Any] | None = None


def prepare_namespace() -> None:
    """In the worker server, before forking: the namespace its next workers start with."""
    global _prepared_namespace
    _prepared_namespace = _new_namespace()


def _fresh_namespace() -> dict[str, Any]:
    """A namespace no program has used: the prepared one, taken once, else a new one."""
    global _prepared_namespace
    namespace, _prepared_namespace = _prepared_namespace, None
    return namespace if namespace is not None else _new_namespace()


def _new_namespace() -> dict[str, Any]:
    return program_globals(
        print_function=_program_print, final_answer=_program_final_answer, tools={}
    )


def _rehearsed(*args: object, **kwargs: object) -> None:
    """The rehearsal's final_answer: its answer goes nowhere."""


def _job_waiting(sock: socket.socket, within_s: float) -> bool:
    """Whether the bot has written to `sock` (the job, or its end) within `within_s`."""
    readable, _, _ = select.select([sock], [], [], within_s)
    return bool(readable)


def serve(sock: socket.socket) -> NoReturn:
    """Wait for one job on `sock`, run it, report, exit.

    The seccomp allow-list goes on after the run limits (so it need not allow setrlimit) and
    before the program is compiled; a worker it does not take on exits unused.
    """
    if not _job_waiting(sock, REHEARSE_AFTER_S):
        rehearse()
    try:
        job = Job.from_message(wire.recv_frame(sock, limit=wire.JOB_LIMIT))
    except (wire.WireError, OSError, KeyError, TypeError, ValueError):
        os._exit(EXIT_NO_JOB)
    apply_run_limits(job.timeout_s, job.memory_mb)
    seal_worker()
    global _session
    _session = Session(sock, job)
    _session.run()
