"""What the listeners share: the responder, the work pool, and who may see which run."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.history import History
from bot.records import RunRecord
from bot.slack.answering import SLACK_FAILURES, Question, Responder
from bot.slack.render import render_notice
from bot.slack.work import ShuttingDown, WorkPool

if TYPE_CHECKING:
    from bot.slack.watches import WatchDesk

log = logging.getLogger(__name__)

STOPPING = "I'm restarting right now — please ask again in a minute."
NO_DATABASE = (
    "Something went wrong on my side and I couldn't take your question — "
    "please try again in a minute."
)


class SlackService:
    """Records each question at once and answers it on the work pool."""

    def __init__(
        self,
        *,
        responder: Responder,
        pool: WorkPool,
        watches: WatchDesk | None = None,
    ) -> None:
        self.responder = responder
        self.pool = pool
        self.watches = watches

    @property
    def history(self) -> History:
        return self.responder.history

    def ask(self, client: WebClient, question: Question) -> bool:
        """Record and queue a question; False if it was a redelivery or the bot is stopping."""
        if self.pool.closed:
            self._say(client, question, STOPPING)
            return False
        try:
            run = self.responder.record(question)
        except SQLAlchemyError:
            log.exception("could not record a question from %s", question.origin.user_id)
            self._say(client, question, NO_DATABASE)
            return False
        if run is None:
            return False
        try:
            self.pool.submit(lambda: self.responder.answer(client, question, run))
        except ShuttingDown:
            # Left pending and let go: the next process to look answers it (see recovery).
            self.history.let_go(run.run_id)
            self._say(client, question, STOPPING)
            return False
        return True

    def can_see(self, client: WebClient, run: RunRecord, user_id: str) -> bool:
        """A run's asker sees it; so does a member of the channel it ran in (not of a DM)."""
        origin = run.origin
        if origin.user_id == user_id:
            return True
        if origin.source not in ("slack", "watch") or origin.is_dm or not origin.channel_id:
            return False
        return self._is_member(client, origin.channel_id, user_id)

    def _is_member(self, client: WebClient, channel: str, user_id: str) -> bool:
        try:
            for page in client.conversations_members(channel=channel, limit=1000):
                if user_id in page.get("members", []):
                    return True
        except SLACK_FAILURES as exc:
            log.info("membership of %s unknown (%r): refusing", channel, exc)
        return False

    def _say(self, client: WebClient, question: Question, text: str) -> None:
        self.responder.post(client, question, render_notice(text))
