"""Event listeners: a mention in a channel is answered in its thread, a DM message in its own
thread of the DM, and a reply in a channel thread where dealbot has answered continues that
conversation without a mention. Every other channel message is ignored."""

from __future__ import annotations

import logging
import re
from functools import partial

from slack_bolt import App, BoltContext
from sqlalchemy.exc import SQLAlchemyError

from bot.records import Origin
from bot.slack.answering import Question
from bot.slack.render import render_help
from bot.slack.service import SlackService

log = logging.getLogger(__name__)

_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


def register(app: App, service: SlackService) -> None:
    app.event("app_mention")(partial(on_mention, service))
    app.event("message")(partial(on_message, service))


def on_mention(service: SlackService, event: dict, client, context: BoltContext) -> None:
    if _from_a_bot(event, context.bot_user_id):
        return
    thread_ts = event.get("thread_ts") or event["ts"]
    question = _question(event, context.team_id, thread_ts=thread_ts)
    if not question.text:
        service.responder.post(client, question, render_help())
        return
    service.ask(client, question)


def on_message(service: SlackService, event: dict, client, context: BoltContext) -> None:
    if event.get("subtype") not in (None, "thread_broadcast"):
        return  # edits, deletions, joins and the like are not questions
    if _from_a_bot(event, context.bot_user_id):
        return
    if event.get("channel_type") == "im":
        question = _question(event, context.team_id, thread_ts=event.get("thread_ts"), is_dm=True)
    elif _follows_up(service, event, context):
        question = _question(event, context.team_id, thread_ts=event["thread_ts"])
    else:
        return
    if question.text:
        service.ask(client, question)


def _follows_up(service: SlackService, event: dict, context: BoltContext) -> bool:
    """A reply, without a mention (the mention's own event answers those), in a channel
    thread where dealbot has answered."""
    thread_ts = event.get("thread_ts")
    if event.get("channel_type") not in ("channel", "group") or not thread_ts:
        return False
    if context.bot_user_id and f"<@{context.bot_user_id}" in (event.get("text") or ""):
        return False
    runs = service.history.in_workspace(context.team_id)
    try:
        return runs.answered_in_thread(event["channel"], thread_ts)
    except SQLAlchemyError:
        log.exception("could not tell whether thread %s is dealbot's; ignoring", thread_ts)
        return False


def _from_a_bot(event: dict, bot_user_id: str | None) -> bool:
    return bool(event.get("bot_id") or event.get("bot_profile")) or (
        bot_user_id is not None and event.get("user") == bot_user_id
    )


def _question(
    event: dict, team: str | None, *, thread_ts: str | None, is_dm: bool = False
) -> Question:
    """`team` is the workspace Bolt answers for (context.team_id): the run is kept in it.
    `thread_ts` is the conversation's thread (None: a top-level DM message, which continues
    the DM's recent conversation); the answer goes in the message's thread either way."""
    text = _MENTION.sub("", event.get("text") or "").strip()
    origin = Origin(
        source="slack",
        team_id=team,
        channel_id=event["channel"],
        user_id=event.get("user"),
        thread_ts=thread_ts,
        message_ts=event["ts"],
        is_dm=is_dm,
    )
    # One key per message: a retried delivery and an app_mention/message pair share it.
    key = f"msg:{team}:{event['channel']}:{event['ts']}"
    return Question(
        text=text,
        origin=origin,
        channel=event["channel"],
        thread_ts=thread_ts or event["ts"],
        event_key=key,
    )
