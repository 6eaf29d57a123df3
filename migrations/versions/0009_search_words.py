"""PostgreSQL's text index reads words as the shopper's words are read (tools/text_search.py's
words(): accents folded, then runs of letters and digits), so both databases find the same
products.

Revision ID: 0009_search_words
Revises: 0008_question_words

0004 folded only Latin-1's accents ("Mānuka", "Phở", "Żywiec" kept theirs, and "manuka"
found nothing), and PostgreSQL's parser kept "Gluten/Dairy" and "x@y.com" as one word each,
where SQLite's tokenizer, like the query, reads two or three. Now every letter of the Latin
ranges that decomposes into an ASCII letter and accents is folded, and any run of
characters that are not letters or digits separates words. SQLite is unchanged (its
unicode61 tokenizer already reads words so).
"""

from __future__ import annotations

import importlib
import unicodedata
from collections.abc import Sequence

from alembic import op

revision: str = "0009_search_words"
down_revision: str | None = "0008_question_words"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Latin-1 Supplement, Latin Extended-A and -B, Latin Extended Additional (Vietnamese).
LATIN = [*range(0x00C0, 0x0250), *range(0x1E00, 0x1F00)]


def _folds() -> tuple[str, str]:
    """(accented, plain) for translate(): each letter whose decomposition is one ASCII letter
    and combining marks, as words() folds it."""
    accented, plain = [], []
    for code in LATIN:
        letter = chr(code)
        parts = unicodedata.normalize("NFKD", letter)
        base, marks = parts[0], parts[1:]
        if base.isascii() and base.isalpha() and marks and all(map(unicodedata.combining, marks)):
            accented.append(letter)
            plain.append(base)
    return "".join(accented), "".join(plain)


ACCENTED, PLAIN = _folds()
# 0004 made the index; its fields and weights stay, only how words are read changes.
_EARLIER = importlib.import_module("migrations.versions.0004_tools_api")
# What separates words: ASCII but letters and digits, and Unicode's spaces and punctuation
# (Latin-1's, general punctuation, CJK's); a letter of any script is part of its word.
# Named by code in PostgreSQL's regular expressions (\x.., \u....), not as characters.
SEPARATORS = (
    r"[\x01-\x2F\x3A-\x40\x5B-\x60\x7B-\x7F\u00A0-\u00BF\u00D7\u00F7"
    r"\u2000-\u206F\u3000-\u303F]+"
)


def _words(value: str, weight: str) -> str:
    without_apostrophes = f"replace(replace({value}, '''', ''), '’', '')"
    folded = f"translate({without_apostrophes}, '{ACCENTED}', '{PLAIN}')"
    spaced = f"regexp_replace({folded}, '{SEPARATORS}', ' ', 'g')"
    return f"setweight(to_tsvector('simple', {spaced}), '{weight}')"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _EARLIER.postgres_search(_words):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _EARLIER.POSTGRES_SEARCH:
            op.execute(statement)
