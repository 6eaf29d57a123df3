"""The program cache: a top-level question asked again in the same words (case, spacing and
punctuation aside), workspace and time zone re-runs the earlier successful program instead of
asking the model. Programs are kept, never answers: each reuse runs on today's data."""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, and_, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.history import utcnow
from bot.records import Origin
from bot.tables import CachedProgramRow

log = logging.getLogger(__name__)

# Where a question may be answered from the cache: people asking, not evals or watches.
CACHED_SOURCES = frozenset({"cli", "slack"})
# What a question's key is made of (see question_key): its words, a number keeping what
# joins its digits ("1.99", "1/2", "12:30"), and the symbols that say something, each on its
# own: currency ("$"), mathematics ("<", "+", "½"'s slash), others (emoji), and "%".
_JOINS_DIGITS = frozenset(".,/:⁄")
_DROPPED = frozenset("'’\ufe0e\ufe0f")  # apostrophes ("what's"), emoji variation selectors
# The time zone of the demo's saved programs: they answer in every workspace and time zone,
# and never expire (`dealbot db seed --demo` replaces them).
ANY_TIMEZONE = "*"


def question_key(question: str) -> str:
    """The question's words in order, case folded, hashed: how many spaces and which
    punctuation stand between them count for nothing, so "What's on sale?", "whats on sale"
    and "WHAT'S ON-SALE" are the same words (written the Unicode-compatible way: fullwidth
    letters are plain). What changes the meaning counts: "$1.99" is not "$199", "< $2" not
    "> $2", "2 12-packs" not "21 2-packs"."""
    folded = unicodedata.normalize("NFKC", question).casefold()
    tokens: list[str] = []
    word: list[str] = []
    for at, char in enumerate(folded):
        if char in _DROPPED:
            continue
        kind = unicodedata.category(char)
        joins = (
            char in _JOINS_DIGITS
            and bool(word)
            and word[-1].isdigit()
            and folded[at + 1 : at + 2].isdigit()
        )
        if kind[0] in "LMN" or joins:
            word.append(char)
            continue
        if word:
            tokens.append("".join(word))
            word = []
        if kind in ("Sc", "Sm", "So") or char == "%":
            tokens.append(char)
    if word:
        tokens.append("".join(word))
    return hashlib.sha256(" ".join(tokens).encode()).hexdigest()


@dataclass(frozen=True)
class CacheHit:
    run_id: str
    code: str


class ProgramCache:
    """Successful programs by (workspace, time zone, question words), for `window`."""

    def __init__(self, engine: Engine, *, window: timedelta) -> None:
        self._session = sessionmaker(engine)
        self.window = window

    @staticmethod
    def serves(origin: Origin) -> bool:
        return origin.source in CACHED_SOURCES

    def lookup(self, origin: Origin, timezone: str, question: str) -> CacheHit | None:
        """The program that answered these words here within the window, if any."""
        here = and_(
            CachedProgramRow.team_id == (origin.team_id or ""),
            CachedProgramRow.timezone == timezone,
            CachedProgramRow.created_at >= utcnow() - self.window,
        )
        query = (
            select(CachedProgramRow.run_id, CachedProgramRow.code)
            .where(
                CachedProgramRow.question_key == question_key(question),
                or_(here, CachedProgramRow.timezone == ANY_TIMEZONE),
            )
            .order_by(CachedProgramRow.timezone == ANY_TIMEZONE)  # the asker's own program first
        )
        with self._session() as session:
            row = session.execute(query).first()
        return CacheHit(run_id=row.run_id, code=row.code) if row else None

    def remember(
        self, origin: Origin, timezone: str, question: str, run_id: str, code: str
    ) -> None:
        """Keep a model-written program that answered a top-level question (the newest wins)."""
        team_id, key = origin.team_id or "", question_key(question)
        same = (
            CachedProgramRow.team_id == team_id,
            CachedProgramRow.timezone == timezone,
            CachedProgramRow.question_key == key,
        )
        entry = CachedProgramRow(
            team_id=team_id,
            timezone=timezone,
            question_key=key,
            run_id=run_id,
            code=code,
            created_at=utcnow(),
        )
        try:
            with self._session() as session, session.begin():
                session.execute(delete(CachedProgramRow).where(*same))
                session.add(entry)
        except IntegrityError:
            log.info("run %s: another process cached these words at the same moment", run_id)

    def remember_demo(self, question: str, run_id: str, code: str) -> None:
        """Keep a demo program for every workspace and time zone (see ANY_TIMEZONE)."""
        with self._session() as session, session.begin():
            session.add(
                CachedProgramRow(
                    team_id="",
                    timezone=ANY_TIMEZONE,
                    question_key=question_key(question),
                    run_id=run_id,
                    code=code,
                    created_at=utcnow(),
                )
            )

    def forget_demo(self) -> None:
        """Drop every demo program (before the demo's are stored again)."""
        with self._session() as session, session.begin():
            session.execute(
                delete(CachedProgramRow).where(CachedProgramRow.timezone == ANY_TIMEZONE)
            )

    def forget(self, *run_ids: str | None) -> int:
        """Drop the programs of these runs (one failed when reused, or got a 👎)."""
        wanted = [run_id for run_id in run_ids if run_id]
        if not wanted:
            return 0
        with self._session() as session, session.begin():
            statement = delete(CachedProgramRow).where(CachedProgramRow.run_id.in_(wanted))
            return cast("CursorResult[Any]", session.execute(statement)).rowcount
