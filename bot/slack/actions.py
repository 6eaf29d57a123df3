"""Block actions: "View code" opens the program in a modal; 👍/👎 are stored with the run (a 👎
drops its program from the cache); "Ask fresh" asks the model again."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from functools import partial

from slack_bolt import App, BoltContext

from bot.slack.answering import Question
from bot.slack.render import (
    ACTION_ASK_FRESH,
    ACTION_FEEDBACK,
    ACTION_VIEW_CODE,
    render_code_modal,
)
from bot.slack.service import SlackService

log = logging.getLogger(__name__)


def register(app: App, service: SlackService) -> None:
    app.action(ACTION_VIEW_CODE)(partial(on_view_code, service))
    app.action(ACTION_FEEDBACK)(partial(on_feedback, service))
    app.action(ACTION_ASK_FRESH)(partial(on_ask_fresh, service))


def on_view_code(
    service: SlackService, ack: Callable, body: dict, action: dict, client, context: BoltContext
) -> None:
    ack()
    user = body["user"]["id"]
    run = service.history.in_workspace(context.team_id).get(action.get("value") or "")
    if run is None or not service.can_see(client, run, user):
        log.info("user %s may not see run %s", user, action.get("value"))
        return
    client.views_open(trigger_id=body["trigger_id"], view=render_code_modal(run))


def on_feedback(
    service: SlackService, ack: Callable, body: dict, action: dict, context: BoltContext
) -> None:
    ack()
    verdict, _, run_id = (action.get("value") or "").partition(":")
    if verdict not in ("up", "down") or not run_id:
        log.info("ignoring malformed feedback %r", action.get("value"))
        return
    runs = service.history.in_workspace(context.team_id)
    if not runs.set_feedback(run_id, verdict, body["user"]["id"]):
        log.info("feedback for unknown run %s", run_id)
        return
    cache = service.responder.agent.cache
    run = runs.get(run_id) if verdict == "down" and cache is not None else None
    if run is not None and cache is not None and cache.forget(run.run_id, run.reused_from):
        log.info("run %s: 👎 dropped its program from the cache", run_id)


def on_ask_fresh(
    service: SlackService, ack: Callable, body: dict, action: dict, client, context: BoltContext
) -> None:
    """The same question again, answered by the model, in the reused answer's thread."""
    ack()
    user = body["user"]["id"]
    run = service.history.in_workspace(context.team_id).get(action.get("value") or "")
    if run is None or not run.origin.channel_id or not service.can_see(client, run, user):
        log.info("user %s may not re-ask run %s", user, action.get("value"))
        return
    origin = replace(run.origin, user_id=user, message_ts=None)
    question = Question(
        text=run.question,
        origin=origin,
        channel=run.origin.channel_id,
        thread_ts=run.origin.thread_ts,
        fresh=True,
        # Once per answer and person: a double click (or Slack's retry) asks the model once.
        event_key=f"fresh:{context.team_id}:{run.run_id}:{user}",
    )
    service.ask(client, question)
