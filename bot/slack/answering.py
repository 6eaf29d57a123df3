"""From a Slack question to an answer in its thread: record, limit, show progress, reply."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.agent import Agent
from bot.history import DuplicateEvent, History, utcnow
from bot.runs import Origin, Outcome, RunRecord
from bot.slack.render import (
    Message,
    render_answer,
    render_failure,
    render_notice,
    render_working,
)

log = logging.getLogger(__name__)

RATE_LIMITED = (
    "You've asked {limit} questions in the last {window} — that's my limit for now. "
    "Please try again a little later."
)
SEND_OPTIONS = {"unfurl_links": False, "unfurl_media": False, "link_names": False}
TZ_CACHE_SECONDS = 3600
# Slack refused the call, or could not be reached even after the client's own retries.
SLACK_FAILURES = (SlackApiError, OSError)


@dataclass(frozen=True)
class Question:
    """A question as Slack delivered it, with where its answer goes."""

    text: str
    origin: Origin
    channel: str
    thread_ts: str | None
    event_key: str | None = None
    asked_line: str | None = None  # shown above the answer when the question is not visible
    private_reply: Callable[[Message], None] | None = None  # where the bot may not post
    fresh: bool = False  # "Ask fresh": the model answers, not the program cache


@dataclass(frozen=True)
class RateLimit:
    limit: int
    window_s: int

    def describe_window(self) -> str:
        minutes = self.window_s // 60
        return f"{minutes // 60} hours" if minutes >= 120 else f"{max(minutes, 1)} minutes"


class Responder:
    """Answers questions in Slack; every path ends in a reply, never in silence."""

    def __init__(
        self, *, agent: Agent, history: History, rate_limit: RateLimit, default_timezone: str
    ) -> None:
        self.agent = agent
        self.history = history
        self.rate_limit = rate_limit
        self.default_timezone = default_timezone
        self._timezones: dict[tuple[str | None, str], tuple[float, str]] = {}
        self._tz_lock = threading.Lock()

    def record(self, question: Question) -> RunRecord | None:
        """Record the question before any work; None when it is a redelivery already recorded."""
        try:
            return self.agent.record(
                question.text, origin=question.origin, event_key=question.event_key
            )
        except DuplicateEvent:
            log.info("event %s already recorded: not answering twice", question.event_key)
            return None

    def answer(self, client: WebClient, question: Question, run: RunRecord) -> None:
        """Answer a recorded run in Slack: placeholder first, replaced by the answer."""
        if self._over_limit(question.origin):
            self._finish_limited(client, question, run)
            return
        placeholder = self.post(client, question, render_working())
        timezone = self.timezone_of(client, question.origin)
        done = self.agent.complete(run, timezone=timezone, fresh=question.fresh)
        message = render_answer(done) if done.ok else render_failure(done)
        if question.asked_line:
            message = _with_asked_line(message, question.asked_line)
        reply_ts = self._replace(client, question, placeholder, message)
        if reply_ts:
            self.history.set_reply(done.run_id, reply_ts)

    def apologise(self, client: WebClient, run: RunRecord) -> None:
        """For a question a crashed process never answered: say so in its thread."""
        self.history.finish(
            run.run_id,
            Outcome(status="failed", error="I was restarted before I could answer this."),
        )
        origin = run.origin
        if origin.channel_id is None:
            return
        text = (
            "Sorry — I was restarted before I could answer “"
            f"{run.question[:200]}”. Please ask me again."
        )
        question = Question(
            text=run.question, origin=origin, channel=origin.channel_id, thread_ts=origin.thread_ts
        )
        self.post(client, question, render_notice(text))

    def timezone_of(self, client: WebClient, origin: Origin) -> str:
        """The asker's Slack time zone (cached for an hour), else the configured default."""
        user_id = origin.user_id
        if not user_id:
            return self.default_timezone
        key = (origin.team_id, user_id)
        now = time.monotonic()
        with self._tz_lock:
            cached = self._timezones.get(key)
        if cached and now - cached[0] < TZ_CACHE_SECONDS:
            return cached[1]
        try:
            tz = client.users_info(user=user_id)["user"].get("tz") or self.default_timezone
            ZoneInfo(tz)
        except (*SLACK_FAILURES, KeyError, TypeError, ValueError) as exc:
            log.info("no time zone for %s (%s): using the default", user_id, exc)
            return self.default_timezone
        with self._tz_lock:
            self._timezones[key] = (now, tz)
        return tz

    def _over_limit(self, origin: Origin) -> bool:
        """Over the asker's limit in their workspace (this question, already recorded, counts)."""
        if not origin.user_id or self.rate_limit.limit <= 0:
            return False
        since = utcnow() - timedelta(seconds=self.rate_limit.window_s)
        asked = self.history.in_workspace(origin.team_id).count_since(origin.user_id, since)
        return asked > self.rate_limit.limit

    def _finish_limited(self, client: WebClient, question: Question, run: RunRecord) -> None:
        text = RATE_LIMITED.format(
            limit=self.rate_limit.limit, window=self.rate_limit.describe_window()
        )
        self.history.finish(run.run_id, Outcome(status="failed", error="rate limited"))
        self.deliver(client, question, render_notice(text))

    def deliver(self, client: WebClient, question: Question, message: Message) -> str | None:
        """Post in the conversation, or privately where the bot may not post there."""
        ts = self.post(client, question, message)
        if ts is None and question.private_reply is not None:
            question.private_reply(message)
        return ts

    def post(self, client: WebClient, question: Question, message: Message) -> str | None:
        try:
            response = client.chat_postMessage(
                channel=question.channel,
                thread_ts=question.thread_ts,
                text=message.text,
                blocks=message.blocks or None,
                **SEND_OPTIONS,
            )
            return response["ts"]
        except SLACK_FAILURES as exc:
            log.warning("could not post to %s: %s", question.channel, _reason(exc))
            return None

    def _replace(
        self, client: WebClient, question: Question, placeholder: str | None, message: Message
    ) -> str | None:
        if placeholder is not None:
            try:
                client.chat_update(
                    channel=question.channel,
                    ts=placeholder,
                    text=message.text,
                    blocks=message.blocks,
                    link_names=False,
                )
                return placeholder
            except SLACK_FAILURES as exc:
                log.warning("could not update placeholder: %s", _reason(exc))
        return self.deliver(client, question, message)


def _reason(exc: Exception) -> str:
    return exc.response.get("error") if isinstance(exc, SlackApiError) else repr(exc)


def _with_asked_line(message: Message, asked_line: str) -> Message:
    line = {"type": "context", "elements": [{"type": "mrkdwn", "text": asked_line}]}
    return Message(text=f"{asked_line}\n{message.text}", blocks=[line, *message.blocks])
