"""What the listeners share: the responder, the work pool, and who may see which run."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.history import History
from bot.runs import RunRecord
from bot.slack.answering import Question, Responder
from bot.slack.work import ShuttingDown, WorkPool

log = logging.getLogger(__name__)

STOPPING = "I'm restarting right now — please ask again in a minute."


class SlackService:
    """Records each question at once and answers it on the work pool."""

    def __init__(self, *, responder: Responder, history: History, pool: WorkPool) -> None:
        self.responder = responder
        self.history = history
        self.pool = pool

    def ask(self, client: WebClient, question: Question) -> bool:
        """Record and queue a question; False if it was a redelivery or the bot is stopping."""
        if self.pool.closed:
            self._say(client, question, STOPPING)
            return False
        run = self.responder.record(question)
        if run is None:
            return False
        try:
            self.pool.submit(lambda: self.responder.answer(client, question, run))
        except ShuttingDown:
            # Left pending: the next start answers it (see recovery).
            self._say(client, question, STOPPING)
            return False
        return True

    def can_see(self, client: WebClient, run: RunRecord, user_id: str) -> bool:
        """A run's asker sees it; so does a member of the channel it ran in (not of a DM)."""
        origin = run.origin
        if origin.user_id == user_id:
            return True
        if origin.source != "slack" or origin.is_dm or not origin.channel_id:
            return False
        return self._is_member(client, origin.channel_id, user_id)

    def _is_member(self, client: WebClient, channel: str, user_id: str) -> bool:
        try:
            for page in client.conversations_members(channel=channel, limit=1000):
                if user_id in page.get("members", []):
                    return True
        except SlackApiError as exc:
            log.info("membership of %s unknown (%s): refusing", channel, exc.response.get("error"))
        return False

    def _say(self, client: WebClient, question: Question, text: str) -> None:
        try:
            client.chat_postMessage(
                channel=question.channel, thread_ts=question.thread_ts, text=text
            )
        except SlackApiError as exc:
            log.warning("could not reply in %s: %s", question.channel, exc.response.get("error"))
