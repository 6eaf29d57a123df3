"""The program cache's keys keep what changes a question's meaning: words stay apart ("a 1 2"
is not "a 12"), a number keeps its point ("$1.99" is not "$199"), and "$", "<", "+", "%"
and emoji count (bot/program_cache.py's question_key). Each cached program is keyed again
from its run's question, as 0008 did.

Revision ID: 0010_question_tokens
Revises: 0009_search_words
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

revision: str = "0010_question_tokens"
down_revision: str | None = "0009_search_words"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 0008's steps with today's question_key: keys made again, the newest program kept where two
# questions now share a key, one whose run is gone dropped; the downgrade empties the cache.
_REKEY = importlib.import_module("migrations.versions.0008_question_words")


def upgrade() -> None:
    _REKEY.upgrade()


def downgrade() -> None:
    _REKEY.downgrade()
