"""What one sandboxed run returns: a frozen result and the kinds of failure it can report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

ErrorKind = Literal["syntax", "policy", "runtime", "timeout", "memory", "output_limit", "tool"]

ERROR_KINDS: Final[frozenset[str]] = frozenset(
    {"syntax", "policy", "runtime", "timeout", "memory", "output_limit", "tool"}
)
# The longest `error` a result carries.
MAX_ERROR_CHARS: Final = 2000


@dataclass(frozen=True)
class RunResult:
    """The outcome of running one program.

    `answer` is what the program passed to `final_answer`; `error` is short and written for
    the model to repair the program from (exception, message, program line).
    """

    ok: bool
    answer: str | None
    stdout: str
    error: str | None
    error_kind: ErrorKind | None
    tool_calls: int
    duration_ms: float


class SandboxError(Exception):
    """The sandbox itself could not run a program (the worker server would not start)."""
