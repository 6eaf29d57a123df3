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
from bot.slack.render import Message, render_help, render_notice
from bot.slack.service import SlackService

log = logging.getLogger(__name__)

_MENTION = re.compile(r"<@(?P<user>[A-Z0-9]+)(?:\|(?P<label>[^>]*))?>")
# Characters that show nothing: a question of only these (a zero-width space) is empty.
_INVISIBLE = re.compile(r"[\s\u200b-\u200f\u2060-\u2064\ufeff\u00ad]+")


def _question_text(text: str, bot_user_id: str | None) -> str:
    """The question in a message: without the bot's own mention; another person's mention
    is "@name" (or "@someone"), which the model can read and the answer cannot ping."""

    def mention(match: re.Match[str]) -> str:
        if bot_user_id is None or match["user"] == bot_user_id:
            return ""
        return f"@{match['label']}" if match["label"] else "@someone"

    text = _MENTION.sub(mention, text).strip()
    return "" if not _INVISIBLE.sub("", text) else text


def register(app: App, service: SlackService) -> None:
    app.event("app_mention")(partial(on_mention, service))
    app.event("message")(partial(on_message, service))


# Messages that may be questions: plain ones, replies also sent to the channel, and those
# with a file attached (a photo "what deals for this?"): their text is the question.
QUESTION_SUBTYPES = (None, "thread_broadcast", "file_share")
FILES_UNREAD = "I can't look at files or pictures — tell me in words what you're after."


def on_mention(service: SlackService, event: dict, client, context: BoltContext) -> None:
    if _from_a_bot(event, context.bot_user_id):
        return
    thread_ts = event.get("thread_ts") or event["ts"]
    question = _question(event, context, thread_ts=thread_ts)
    if not question.text:
        service.responder.post(client, question, _nothing_asked(event))
        return
    service.ask(client, question)


def on_message(service: SlackService, event: dict, client, context: BoltContext) -> None:
    if event.get("subtype") not in QUESTION_SUBTYPES:
        return  # edits, deletions, joins and the like are not questions
    if _from_a_bot(event, context.bot_user_id):
        return
    if event.get("channel_type") == "im":
        question = _question(event, context, thread_ts=event.get("thread_ts"), is_dm=True)
        if not question.text:  # in a DM nothing else answers it
            service.responder.post(client, question, _nothing_asked(event))
            return
    elif _follows_up(service, event, context):
        question = _question(event, context, thread_ts=event["thread_ts"])
    else:
        return
    if question.text:
        service.ask(client, question)


def _nothing_asked(event: dict) -> Message:
    """The reply to a message that asks nothing in words: a file alone, or just a mention."""
    return render_notice(FILES_UNREAD) if event.get("files") else render_help()


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
    event: dict, context: BoltContext, *, thread_ts: str | None, is_dm: bool = False
) -> Question:
    """The run is kept in the workspace Bolt answers for (context.team_id). `thread_ts` is
    the conversation's thread (None: a top-level DM message, which continues the DM's recent
    conversation); the answer goes in the message's thread either way."""
    team = context.team_id
    text = _question_text(event.get("text") or "", context.bot_user_id)
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
