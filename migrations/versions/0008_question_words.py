"""The program cache's keys: a question's letters and digits alone, spacing and punctuation
counting for nothing ("What's on sale?" is "whats on sale"). Keys made the earlier way split
words at an apostrophe or a hyphen; each cached program is keyed again from its run's question
(bot/program_cache.py's question_key), the newest kept where two now share a key.

Revision ID: 0008_question_words
Revises: 0007_leases
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.program_cache import question_key

revision: str = "0008_question_words"
down_revision: str | None = "0007_leases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CACHED = sa.text(
    "SELECT program_cache.id, program_cache.team_id, program_cache.timezone, runs.question"
    " FROM program_cache LEFT JOIN runs ON runs.run_id = program_cache.run_id"
    " ORDER BY program_cache.created_at DESC, program_cache.id DESC"
)


def upgrade() -> None:
    connection = op.get_bind()
    kept: set[tuple[str, str, str]] = set()
    keys: dict[int, str] = {}
    dropped: list[int] = []
    for row in connection.execute(CACHED):
        key = (row.team_id, row.timezone, question_key(row.question or ""))
        if row.question is None or key in kept:  # its run is gone, or a newer one has its words
            dropped.append(row.id)
        else:
            kept.add(key)
            keys[row.id] = key[2]
    if dropped:
        connection.execute(
            sa.text("DELETE FROM program_cache WHERE id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            ),
            {"ids": dropped},
        )
    # Through a free key first: two rows may swap keys, and the unique constraint holds at
    # every statement.
    rekey = sa.text("UPDATE program_cache SET question_key = :key WHERE id = :id")
    if keys:
        connection.execute(rekey, [{"key": f"rekeying-{pk}", "id": pk} for pk in keys])
        connection.execute(rekey, [{"key": key, "id": pk} for pk, key in keys.items()])


def downgrade() -> None:
    # The earlier keys cannot be told from these; the cache fills again as questions come.
    op.execute("DELETE FROM program_cache")
