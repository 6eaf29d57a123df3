"""The Slack agent surface: tables and charts kept with each answer, and what each workspace
refused (status, streaming) and whom dealbot has greeted, shared by every bot process.

Revision ID: 0005_slack_agent
Revises: 0004_tools_api
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_slack_agent"
down_revision = "0004_tools_api"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as runs:
        runs.add_column(sa.Column("answer_table", sa.JSON(), nullable=True))
        runs.add_column(sa.Column("answer_chart", sa.JSON(), nullable=True))
    op.create_table(
        "slack_refusals",
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("feature", sa.String(32), nullable=False),
        sa.Column("error", sa.String(100), nullable=False),
        sa.Column("refused_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "feature"),
    )
    op.create_table(
        "slack_greetings",
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("greeted_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "user_id"),
    )


def downgrade() -> None:
    op.drop_table("slack_greetings")
    op.drop_table("slack_refusals")
    with op.batch_alter_table("runs") as runs:
        runs.drop_column("answer_chart")
        runs.drop_column("answer_table")
