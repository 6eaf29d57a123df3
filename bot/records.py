"""One answered question as plain data: what the history stores and Slack renders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from bot.structured import Chart, Table
from sandbox import ErrorKind

# "pending" until it ends "ok" or "failed", or "interrupted" (its CLI process was stopped);
# "recovering" once another process (or a restarted one) took it over (bot/leases.py).
RunStatus = Literal["pending", "ok", "failed", "interrupted", "recovering"]
# Where a question came from ("demo": a saved demo program, stored by `db seed --demo`).
Source = Literal["cli", "slack", "eval", "watch", "demo"]


@dataclass(frozen=True)
class Usage:
    """Model calls and the tokens they took, summed exactly."""

    llm_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0

    @classmethod
    def of_response(cls, usage: Any | None) -> Usage:
        """One model call, from the `usage` of an Anthropic response (None: the call failed)."""
        if usage is None:
            return cls(llm_calls=1)
        return cls(
            llm_calls=1,
            input_tokens=usage.input_tokens or 0,
            output_tokens=usage.output_tokens or 0,
            cache_read_tokens=getattr(usage, "cache_read_input_tokens", None) or 0,
            cache_write_tokens=getattr(usage, "cache_creation_input_tokens", None) or 0,
        )

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            llm_calls=self.llm_calls + other.llm_calls,
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cache_read_tokens=self.cache_read_tokens + other.cache_read_tokens,
            cache_write_tokens=self.cache_write_tokens + other.cache_write_tokens,
        )


@dataclass(frozen=True)
class Attempt:
    """One program the model wrote and how running it went."""

    code: str
    ok: bool
    error: str | None = None
    error_kind: ErrorKind | None = None
    stdout: str = ""
    duration_ms: float = 0.0
    tool_calls: int = 0


@dataclass(frozen=True)
class Origin:
    """Where a question came from: the CLI, or a Slack team/channel/user/thread."""

    source: Source = "cli"
    team_id: str | None = None
    channel_id: str | None = None
    user_id: str | None = None
    thread_ts: str | None = None
    message_ts: str | None = None
    is_dm: bool = False


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """How a run ended and what it cost: what the agent reports and the history stores."""

    status: RunStatus
    answer: str | None = None
    table: Table | None = None  # what the program passed beside its answer text
    chart: Chart | None = None
    code: str | None = None
    error: str | None = None
    attempts: tuple[Attempt, ...] = ()
    usage: Usage = field(default_factory=Usage)
    tool_calls: int = 0
    model_ms: float = 0.0
    sandbox_ms: float = 0.0
    duration_ms: float = 0.0
    reused_from: str | None = None  # the run whose program was re-run, with no model call

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True)
class Progress:
    """One step of an answer as it happens: program `number` (1, then 2 for its first repair,
    ...) was written, and once it ran, how that went (`attempt`)."""

    number: int
    code: str
    attempt: Attempt | None = None


@dataclass(frozen=True, kw_only=True)
class RunRecord(Outcome):
    """One question as recorded: who asked, where and when, with its outcome so far."""

    run_id: str
    question: str
    created_at: datetime
    origin: Origin = field(default_factory=Origin)
    model: str = ""
    feedback: str | None = None
    reply_ts: str | None = None
    progress_ts: str | None = None  # the placeholder or stream showing progress, if any
