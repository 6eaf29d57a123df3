"""One answered question as plain data: what the history stores and Slack renders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Attempt:
    """One program the model wrote and how running it went."""

    code: str
    ok: bool
    error: str | None = None
    error_kind: str | None = None
    stdout: str = ""
    duration_ms: float = 0.0
    tool_calls: int = 0


@dataclass(frozen=True)
class Origin:
    """Where a question came from: the CLI, or a Slack team/channel/user/thread."""

    source: str = "cli"  # "cli" | "slack" | "eval" | "watch"
    team_id: str | None = None
    channel_id: str | None = None
    user_id: str | None = None
    thread_ts: str | None = None
    message_ts: str | None = None
    is_dm: bool = False


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """How a run ended and what it cost: what the agent reports and the history stores."""

    # "pending" | "ok" | "failed" | "interrupted" (its CLI process was stopped), and
    # "recovering" while a restart claims it
    status: str
    answer: str | None = None
    code: str | None = None
    error: str | None = None
    attempts: tuple[Attempt, ...] = ()
    llm_calls: int = 0
    tool_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    model_ms: float = 0.0
    sandbox_ms: float = 0.0
    duration_ms: float = 0.0
    reused_from: str | None = None  # the run whose program was re-run, with no model call

    @property
    def ok(self) -> bool:
        return self.status == "ok"


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
