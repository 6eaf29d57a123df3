"""The bot's own tables: every run (question, programs tried, answer, cost) and its attempts, and
what the Slack app remembers per workspace."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Float,
    ForeignKey,
    Index,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class BotBase(DeclarativeBase):
    pass


class RunRow(BotBase):
    __tablename__ = "runs"
    __table_args__ = (
        Index("ix_runs_team_user_created", "team_id", "user_id", "created_at"),
        Index("ix_runs_thread", "team_id", "channel_id", "thread_ts", "created_at"),
        Index("ix_runs_status_created", "status", "created_at"),
        Index("ix_runs_status_lease", "status", "lease_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[str] = mapped_column(String(16), unique=True)
    event_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[str | None] = mapped_column(String(32))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    user_id: Mapped[str | None] = mapped_column(String(32))
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    reply_ts: Mapped[str | None] = mapped_column(String(32))
    is_dm: Mapped[bool] = mapped_column(default=False)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    table: Mapped[dict[str, Any] | None] = mapped_column("answer_table", JSON)
    chart: Mapped[dict[str, Any] | None] = mapped_column("answer_chart", JSON)
    code: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    model: Mapped[str] = mapped_column(String(100))
    llm_calls: Mapped[int] = mapped_column(default=0)
    tool_calls: Mapped[int] = mapped_column(default=0)
    input_tokens: Mapped[int] = mapped_column(default=0)
    output_tokens: Mapped[int] = mapped_column(default=0)
    cache_read_tokens: Mapped[int] = mapped_column(default=0)
    cache_write_tokens: Mapped[int] = mapped_column(default=0)
    model_ms: Mapped[float] = mapped_column(Float, default=0.0)
    sandbox_ms: Mapped[float] = mapped_column(Float, default=0.0)
    duration_ms: Mapped[float] = mapped_column(Float, default=0.0)
    feedback: Mapped[str | None] = mapped_column(String(8))
    feedback_user: Mapped[str | None] = mapped_column(String(32))
    # The run whose program this run re-ran instead of asking the model (the program cache).
    reused_from: Mapped[str | None] = mapped_column(String(16))
    # The instance working on the run and until when its lease holds (bot/leases.py), and the
    # message showing progress (placeholder or stream) that the answer replaces.
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    progress_ts: Mapped[str | None] = mapped_column(String(32))

    attempts: Mapped[list[AttemptRow]] = relationship(
        back_populates="run", order_by="AttemptRow.seq", cascade="all, delete-orphan"
    )


class AttemptRow(BotBase):
    __tablename__ = "run_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_pk: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int]
    code: Mapped[str] = mapped_column(Text)
    ok: Mapped[bool]
    error: Mapped[str | None] = mapped_column(Text)
    error_kind: Mapped[str | None] = mapped_column(String(16))
    stdout: Mapped[str] = mapped_column(Text, default="")
    duration_ms: Mapped[float] = mapped_column(Float, default=0.0)
    tool_calls: Mapped[int] = mapped_column(default=0)

    run: Mapped[RunRow] = relationship(back_populates="attempts")


class SlackRefusalRow(BotBase):
    """A workspace refused a Slack feature (the status, streaming) with this error: it is not
    asked again for a while, by any process."""

    __tablename__ = "slack_refusals"
    __table_args__ = (PrimaryKeyConstraint("team_id", "feature"),)

    team_id: Mapped[str] = mapped_column(String(32))
    feature: Mapped[str] = mapped_column(String(32))
    error: Mapped[str] = mapped_column(String(100))
    refused_at: Mapped[datetime]


class SlackGreetingRow(BotBase):
    """A user dealbot has greeted in its DM: each is greeted once, whichever process sees them."""

    __tablename__ = "slack_greetings"
    __table_args__ = (PrimaryKeyConstraint("team_id", "user_id"),)

    team_id: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(String(32))
    greeted_at: Mapped[datetime]


class CachedProgramRow(BotBase):
    """The program cache: a question's words (normalised) in a workspace and time zone, and
    the successful run whose program answers them again."""

    __tablename__ = "program_cache"
    __table_args__ = (UniqueConstraint("team_id", "timezone", "question_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(String(32))  # "" for the command line
    timezone: Mapped[str] = mapped_column(String(64))
    question_key: Mapped[str] = mapped_column(String(64))
    run_id: Mapped[str] = mapped_column(String(16), index=True)
    code: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class InstanceRow(BotBase):
    """A running dealbot process and its heartbeat: proof of life for the leases it holds."""

    __tablename__ = "instances"

    instance_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    host: Mapped[str] = mapped_column(String(64))
    pid: Mapped[int]
    started_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime] = mapped_column(index=True)
    stopped: Mapped[bool] = mapped_column(default=False)
