"""The watches' tables: each watch (its saved program, schedule, target, state) and each
scheduled slot it ran, claimed and recorded under the slot's key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.tables import BotBase


class WatchRow(BotBase):
    __tablename__ = "watches"
    __table_args__ = (
        Index("ix_watches_due", "paused", "next_run_at"),
        Index("ix_watches_team_owner", "team_id", "owner_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    watch_id: Mapped[str] = mapped_column(String(16), unique=True)
    team_id: Mapped[str | None] = mapped_column(String(32))
    owner_id: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(32))
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    question: Mapped[str] = mapped_column(Text)
    code: Mapped[str] = mapped_column(Text)
    source_run_id: Mapped[str] = mapped_column(String(16))
    timezone: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(200))
    only_changes: Mapped[bool]
    paused: Mapped[bool] = mapped_column(default=False)
    pause_reason: Mapped[str | None] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(default=0)
    next_run_at: Mapped[datetime]
    last_answer: Mapped[str | None] = mapped_column(Text)
    last_posted_at: Mapped[datetime | None]
    last_run_id: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime]


class WatchSlotRow(BotBase):
    __tablename__ = "watch_slots"
    __table_args__ = (
        UniqueConstraint("watch_pk", "slot_at"),
        Index("ix_watch_slots_state_lease", "state", "lease_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    watch_pk: Mapped[int] = mapped_column(ForeignKey("watches.id", ondelete="CASCADE"))
    slot_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16))
    claimed_by: Mapped[str] = mapped_column(String(64))
    lease_until: Mapped[datetime]
    run_id: Mapped[str | None] = mapped_column(String(16))
    post_ts: Mapped[str | None] = mapped_column(String(32))
    finished_at: Mapped[datetime | None]
