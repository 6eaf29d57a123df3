"""What the bot and a worker agree on: the job message, the worker's exit codes, tool names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

# A run's limits when the caller names none.
DEFAULT_TIMEOUT_S: Final = 5.0
DEFAULT_MEMORY_MB: Final = 256
# The largest message of the control protocol between the bot and the worker server.
MAX_CONTROL_MESSAGE: Final = 4096

EXIT_OK: Final = 0
EXIT_NO_JOB: Final = 2
EXIT_OUT_OF_MEMORY: Final = 3
EXIT_INTERNAL: Final = 4
EXIT_UNISOLATED: Final = 5

# Names a tool may not take: the program's own built-ins for finishing and printing.
RESERVED_NAMES: Final = frozenset({"print", "final_answer"})
# The largest compiled form of a program (base64 of its marshalled code) a worker sends back
# for the bot to keep; a larger one is compiled again each run.
MAX_COMPILED_CHARS: Final = 256 << 10


@dataclass(frozen=True)
class Job:
    """One program to run, with the names of the tools it may call and its limits."""

    code: str
    tools: tuple[str, ...]
    timeout_s: float
    memory_mb: int
    max_output_chars: int
    max_source_chars: int
    # The program's compiled form, as a worker sent it for an earlier run of the same source
    # (see worker.Session.program); None: compile it, and send the compiled form back when
    # `send_compiled`.
    compiled: str | None = None
    send_compiled: bool = False

    def as_message(self) -> dict[str, Any]:
        # vars(), not dataclasses.asdict: the fields are flat, and asdict deep-copies each.
        return {"type": "job", **vars(self), "tools": list(self.tools)}

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> Job:
        """The job in a frame; ValueError, KeyError or TypeError if it is not one."""
        if message.get("type") != "job":
            raise ValueError("not a job")
        job = cls(
            code=message["code"],
            tools=tuple(message["tools"]),
            timeout_s=float(message["timeout_s"]),
            memory_mb=int(message["memory_mb"]),
            max_output_chars=int(message["max_output_chars"]),
            max_source_chars=int(message["max_source_chars"]),
            compiled=message.get("compiled"),
            send_compiled=message.get("send_compiled") is True,
        )
        if not isinstance(job.code, str) or not all(isinstance(t, str) for t in job.tools):
            raise ValueError("malformed job")
        if job.compiled is not None and not isinstance(job.compiled, str):
            raise ValueError("malformed job")
        return job
