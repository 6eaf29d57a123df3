"""Watches and the program cache: watches, their slots, cached programs, and runs.reused_from.

Revision ID: 0006_watches
Revises: 0005_slack_agent
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_watches"
down_revision = "0005_slack_agent"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watches",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("watch_id", sa.String(16), nullable=False, unique=True),
        sa.Column("team_id", sa.String(32), nullable=True),
        sa.Column("owner_id", sa.String(32), nullable=False),
        sa.Column("target", sa.String(16), nullable=False),
        sa.Column("channel_id", sa.String(32), nullable=False),
        sa.Column("thread_ts", sa.String(32), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("source_run_id", sa.String(16), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("rule", sa.String(200), nullable=False),
        sa.Column("only_changes", sa.Boolean(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("pause_reason", sa.Text(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_run_at", sa.DateTime(), nullable=False),
        sa.Column("last_answer", sa.Text(), nullable=True),
        sa.Column("last_posted_at", sa.DateTime(), nullable=True),
        sa.Column("last_run_id", sa.String(16), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_watches_due", "watches", ["paused", "next_run_at"])
    op.create_index("ix_watches_team_owner", "watches", ["team_id", "owner_id"])
    op.create_table(
        "watch_slots",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "watch_pk",
            sa.Integer(),
            sa.ForeignKey("watches.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("slot_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("claimed_by", sa.String(64), nullable=False),
        sa.Column("lease_until", sa.DateTime(), nullable=False),
        sa.Column("run_id", sa.String(16), nullable=True),
        sa.Column("post_ts", sa.String(32), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("watch_pk", "slot_at"),
    )
    op.create_index("ix_watch_slots_state_lease", "watch_slots", ["state", "lease_until"])
    op.create_table(
        "program_cache",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("question_key", sa.String(64), nullable=False),
        sa.Column("run_id", sa.String(16), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("team_id", "timezone", "question_key"),
    )
    op.create_index("ix_program_cache_run_id", "program_cache", ["run_id"])
    with op.batch_alter_table("runs") as runs:
        runs.add_column(sa.Column("reused_from", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runs") as runs:
        runs.drop_column("reused_from")
    op.drop_table("program_cache")
    op.drop_table("watch_slots")
    op.drop_table("watches")
