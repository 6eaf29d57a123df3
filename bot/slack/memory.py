"""What the Slack app remembers in the database, for every bot process and across restarts:
the features a workspace refused (Slack's status, streaming), and whom it has greeted."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Literal

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from bot.history import utcnow
from bot.tables import SlackGreetingRow, SlackRefusalRow

log = logging.getLogger(__name__)

Feature = Literal["status", "streaming"]
# Slack's answers meaning the workspace (not this one conversation) does not allow a method.
REFUSALS = frozenset(
    {
        "access_denied",
        "deprecated_endpoint",
        "enterprise_is_restricted",
        "feature_not_enabled",
        "method_deprecated",
        "missing_scope",
        "no_permission",
        "not_allowed_token_type",
        "unknown_method",
    }
)
# A workspace's admins may turn a feature on later: ask again after this long.
ASK_AGAIN_AFTER = timedelta(days=1)


class SlackMemory:
    """Per-workspace refusals and per-user greetings. A database problem never stops an
    answer: the feature is then tried, and the greeting skipped."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def allows(self, team_id: str | None, feature: Feature) -> bool:
        """False while the workspace's refusal of `feature` is recent."""
        if team_id is None:
            return True
        query = select(SlackRefusalRow.refused_at).where(
            SlackRefusalRow.team_id == team_id, SlackRefusalRow.feature == feature
        )
        try:
            with Session(self.engine) as session:
                refused_at = session.scalar(query)
        except SQLAlchemyError:
            log.exception("could not read %s's refusals; trying %s", team_id, feature)
            return True
        return refused_at is None or utcnow() - refused_at > ASK_AGAIN_AFTER

    def refused(self, team_id: str | None, feature: Feature, error: str) -> bool:
        """Note that the workspace refused `feature` with `error` when that error means it does
        not allow it; True if so (else it was this once: nothing is remembered)."""
        if team_id is None or error not in REFUSALS:
            return False
        log.warning(
            "workspace %s refused %s (%s): not asking again for a day", team_id, feature, error
        )
        try:
            with Session(self.engine) as session, session.begin():
                session.execute(
                    delete(SlackRefusalRow).where(
                        SlackRefusalRow.team_id == team_id, SlackRefusalRow.feature == feature
                    )
                )
                session.add(
                    SlackRefusalRow(
                        team_id=team_id, feature=feature, error=error[:100], refused_at=utcnow()
                    )
                )
        except SQLAlchemyError:  # another process noted it first, or the database is away
            log.info("could not note %s's refusal of %s", team_id, feature)
        return True

    def first_greeting(self, team_id: str | None, user_id: str) -> bool:
        """True exactly once per user and workspace, whichever process asks first."""
        greeting = SlackGreetingRow(team_id=team_id or "", user_id=user_id, greeted_at=utcnow())
        try:
            with Session(self.engine) as session, session.begin():
                session.add(greeting)
        except IntegrityError:
            return False
        except SQLAlchemyError:
            log.exception("could not record a greeting for %s", user_id)
            return False
        return True
