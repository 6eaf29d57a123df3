"""From a Slack question to an answer in its thread: record, limit, show progress, reply."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from bot.agent import Agent
from bot.evals.report import DEFAULT_PRICES, Prices, load_prices, price_for
from bot.history import DuplicateEvent, History, LeaseLost
from bot.ops import metrics
from bot.records import Origin, Outcome, Progress, RunRecord
from bot.slack.memory import SlackMemory
from bot.slack.rate_limit import RateLimit, RateLimiter
from bot.slack.render import (
    Answer,
    Message,
    Rendering,
    render_answer,
    render_failure,
    render_notice,
    render_rate_limited,
)
from bot.slack.reply import SLACK_FAILURES, Reply, Where, post_or_plain
from bot.slack.timezones import TimeZones
from tools.tables import Store

log = logging.getLogger(__name__)

STORES_CACHE_SECONDS = 600


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


class Responder:
    """Answers questions in Slack; every path ends in a reply, never in silence."""

    def __init__(
        self,
        *,
        agent: Agent,
        rate_limit: RateLimit,
        default_timezone: str,
        show_cost: bool = False,
    ) -> None:
        self.agent = agent
        self.rate_limiter = RateLimiter(rate_limit, agent.history)
        self.timezones = TimeZones(default_timezone)
        self.memory = SlackMemory(agent.history.engine)
        self.prices: dict[str, Prices] | None = load_prices(DEFAULT_PRICES) if show_cost else None
        self._stores: tuple[float, int | None] = (-STORES_CACHE_SECONDS, None)

    @property
    def history(self) -> History:
        """The agent's code history: the one every part of the Slack app records in."""
        return self.agent.history

    def record(self, question: Question) -> RunRecord | None:
        """Record the question before any work; None when it is a redelivery already recorded."""
        try:
            run = self.agent.record(
                question.text, origin=question.origin, event_key=question.event_key
            )
        except DuplicateEvent:
            log.info("event %s already recorded: not answering twice", question.event_key)
            return None
        metrics.shared().questions.inc()
        return run

    def answer(self, client: WebClient, question: Question, run: RunRecord) -> None:
        """Answer a recorded run in Slack: progress first (Slack's status, a stream, or a
        placeholder), then the answer, delivered once."""
        if self.rate_limiter.over(question.origin):
            self._finish_limited(client, question, run)
            return
        reply = Reply(
            client,
            _where(question),
            self.memory,
            stores=self._store_count(),
            private_reply=question.private_reply,
            replacing=run.progress_ts,
        )
        reply.start()
        progress = _ProgressMessage(self.history, run, reply)
        timezone = self.timezones.of(client, question.origin)
        try:
            done = self.agent.complete(
                run, timezone=timezone, on_progress=progress.step, fresh=question.fresh
            )
        except LeaseLost:  # another process took the run and answers it, in this message
            log.warning("run %s: taken over by another instance; late result discarded", run.run_id)
            return
        except Exception:  # the database went away: the run stays pending for recovery
            self.history.let_go(run.run_id)
            reply.abandon()
            raise
        delivered = reply.finish(
            lambda rendering: self.render(done, rendering, question), ok=done.ok
        )
        if delivered is not None:
            self.history.set_reply(done.run_id, delivered.ts, delivered.thread_ts)

    def render(self, run: RunRecord, rendering: Rendering, question: Question) -> Answer:
        """A finished run as an answer (or a failure) at one rendering."""
        draw = render_answer if run.ok else render_failure
        return draw(run, rendering, cost=self.cost_of(run), heading=question.asked_line)

    def cost_of(self, run: RunRecord) -> float | None:
        """What the run's tokens cost, when the operator asked to see it (DEALBOT_SHOW_COST)."""
        prices = price_for(self.prices, run.model) if self.prices is not None else None
        if prices is None:
            return None
        return prices.cost(run.usage)

    def _store_count(self) -> int | None:
        """How many stores the deals cover (for "Checking 6 stores…"), cached a while."""
        checked, count = self._stores
        if time.monotonic() - checked < STORES_CACHE_SECONDS:
            return count
        try:
            with self.agent.engine.connect() as connection:
                count = connection.scalar(select(func.count()).select_from(Store))
        except SQLAlchemyError:
            log.info("could not count the stores")
        self._stores = (time.monotonic(), count)
        return count

    def apologise(self, client: WebClient, run: RunRecord) -> None:
        """For a question a crashed process never answered: say so in its thread."""
        self.history.finish(
            run.run_id,
            Outcome(status="failed", error="I was restarted before I could answer this."),
        )
        origin = run.origin
        if origin.channel_id is None:
            return
        if run.progress_ts is not None:  # a dead process's placeholder or stream: not left
            try:
                client.chat_delete(channel=origin.channel_id, ts=run.progress_ts)
            except SLACK_FAILURES as exc:
                log.info("run %s: could not delete its progress message: %r", run.run_id, exc)
        text = (
            "Sorry — I was restarted before I could answer “"
            f"{run.question[:200]}”. Please ask me again."
        )
        question = Question(
            text=run.question, origin=origin, channel=origin.channel_id, thread_ts=origin.thread_ts
        )
        self.post(client, question, render_notice(text))

    def _finish_limited(self, client: WebClient, question: Question, run: RunRecord) -> None:
        """Say the limit, and when the asker may ask again."""
        again_at = self.rate_limiter.again_at(question.origin)
        limited = Outcome(status="failed", error="rate limited")
        self.history.finish(run.run_id, limited)
        metrics.observe_run(run.run_id, limited)
        limit = self.rate_limiter.limit
        message = render_rate_limited(limit.limit, limit.describe_window(), again_at)
        if question.private_reply is not None:  # a slash command's: for the asker alone
            question.private_reply(message)
        else:
            self.deliver(client, question, message)

    def deliver(self, client: WebClient, question: Question, message: Message) -> str | None:
        """Post in the conversation, or privately where the bot may not post there."""
        ts = self.post(client, question, message)
        if ts is None and question.private_reply is not None:
            question.private_reply(message)
        return ts

    def post(self, client: WebClient, question: Question, message: Message) -> str | None:
        try:
            return post_or_plain(client, _where(question), message)
        except SLACK_FAILURES as exc:
            log.warning("could not post to %s: %r", question.channel, exc)
            return None


class _ProgressMessage:
    """Remembers in the run which message shows its progress, so that whichever process
    answers it in the end replaces that message instead of leaving it spinning."""

    def __init__(self, history: History, run: RunRecord, reply: Reply) -> None:
        self.history = history
        self.run_id = run.run_id
        self.reply = reply
        self.known = run.progress_ts
        self.note()

    def step(self, step: Progress) -> None:
        self.reply.step(step)
        self.note()

    def note(self) -> None:
        ts = self.reply.message_ts
        if ts is None or ts == self.known:
            return
        try:
            self.history.set_progress(self.run_id, ts)
            self.known = ts
        except SQLAlchemyError:
            log.info("run %s: could not remember its progress message", self.run_id)


def _where(question: Question) -> Where:
    origin = question.origin
    return Where(question.channel, question.thread_ts, origin.team_id, origin.user_id)
