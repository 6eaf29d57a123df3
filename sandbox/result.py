"""What one sandboxed run returns: a frozen result and the kinds of failure it can report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal

ErrorKind = Literal["syntax", "policy", "runtime", "timeout", "memory", "output_limit", "tool"]

ERROR_KINDS: Final[frozenset[str]] = frozenset(
    {"syntax", "policy", "runtime", "timeout", "memory", "output_limit", "tool"}
)
# The longest `error` a result carries.
MAX_ERROR_CHARS: Final = 2000
# What `final_answer(text, table=..., chart=...)` may carry besides the text: the table's rows
# and columns, one cell's or label's characters, and both together as encoded JSON.
MAX_TABLE_ROWS: Final = 1000
MAX_TABLE_COLUMNS: Final = 30
MAX_STRUCTURED_STRING_CHARS: Final = 1000
MAX_STRUCTURED_BYTES: Final = 256 << 10


@dataclass(frozen=True)
class RunResult:
    """The outcome of running one program.

    `answer` is what the program passed to `final_answer`; `error` is short and written for
    the model to repair the program from (exception, message, program line). `table` (a list
    of rows, each a dict of column -> scalar) and `chart` (a dict) are what it passed as
    `final_answer(text, table=..., chart=...)`: plain data, strings cleaned, sizes capped.
    """

    ok: bool
    answer: str | None
    stdout: str
    error: str | None
    error_kind: ErrorKind | None
    tool_calls: int
    duration_ms: float
    table: list[dict[str, Any]] | None = None
    chart: dict[str, Any] | None = None


class SandboxError(Exception):
    """The sandbox itself could not run a program (the worker server would not start)."""
