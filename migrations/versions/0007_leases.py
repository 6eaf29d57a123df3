"""Leases: the instance working on each run and until when, instances with their heartbeat,
and the progress message an answer replaces.

Revision ID: 0007_leases
Revises: 0006_watches
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_leases"
down_revision = "0006_watches"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "instances",
        sa.Column("instance_id", sa.String(64), primary_key=True),
        sa.Column("host", sa.String(64), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=False),
        sa.Column("stopped", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_instances_heartbeat_at", "instances", ["heartbeat_at"])
    with op.batch_alter_table("runs") as runs:
        runs.add_column(sa.Column("lease_owner", sa.String(64), nullable=True))
        runs.add_column(sa.Column("lease_until", sa.DateTime(), nullable=True))
        runs.add_column(sa.Column("progress_ts", sa.String(32), nullable=True))
    op.create_index("ix_runs_status_lease", "runs", ["status", "lease_until"])


def downgrade() -> None:
    op.drop_index("ix_runs_status_lease", "runs")
    with op.batch_alter_table("runs") as runs:
        runs.drop_column("progress_ts")
        runs.drop_column("lease_until")
        runs.drop_column("lease_owner")
    op.drop_index("ix_instances_heartbeat_at", "instances")
    op.drop_table("instances")
