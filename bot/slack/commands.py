"""The /dealbot slash command: ask, history, code, help."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from slack_bolt import App, BoltContext

from bot.history import WorkspaceRuns
from bot.records import Origin
from bot.slack.answering import Question
from bot.slack.render import Message, render_code, render_help, render_history, render_notice
from bot.slack.service import SlackService
from bot.slack.text import escape, shorten
from bot.slack.watches import watch_command, watches_command

log = logging.getLogger(__name__)

HISTORY_DEFAULT = 10
HISTORY_MAX = 25


def register(app: App, service: SlackService) -> None:
    app.command("/dealbot")(partial(on_dealbot, service))


def on_dealbot(
    service: SlackService,
    ack: Callable,
    command: dict,
    client,
    respond: Callable,
    context: BoltContext,
) -> None:
    subcommand, _, rest = (command.get("text") or "").strip().partition(" ")
    subcommand, rest = subcommand.lower(), rest.strip()
    runs = service.history.in_workspace(context.team_id)
    if subcommand in ("", "help"):
        _ack_with(ack, render_help())
    elif subcommand == "ask":
        _ask(ack, command, client, respond, service, rest, team_id=context.team_id)
    elif subcommand == "history":
        _ack_with(ack, _history(runs, command["user_id"], rest))
    elif subcommand == "watch" and service.watches is not None:
        watch_command(ack, command, client, respond, service, rest, context.team_id)
    elif subcommand == "watches" and service.watches is not None:
        watches_command(ack, command, service, context.team_id)
    elif subcommand == "code":
        ack()
        respond(**_private(_code(service, runs, client, command["user_id"], rest)))
    else:
        _ack_with(
            ack,
            render_notice(
                f"I don't know `{shorten(subcommand, 40)}`. "
                "Try `/dealbot ask …`, `/dealbot watch …`, `/dealbot watches`, "
                "`/dealbot history`, `/dealbot code RUN_ID` or `/dealbot help`."
            ),
        )


def _private(message: Message) -> dict:
    return {"response_type": "ephemeral", "text": message.text, "blocks": message.blocks}


def _ack_with(ack: Callable, message: Message) -> None:
    ack(**_private(message))


def _ask(
    ack,
    command: dict,
    client,
    respond,
    service: SlackService,
    question_text: str,
    *,
    team_id: str | None,
) -> None:
    if not question_text:
        _ack_with(
            ack, render_notice("Usage: `/dealbot ask Any deals on orange soda this weekend?`")
        )
        return
    ack()
    user = command["user_id"]
    origin = Origin(
        source="slack",
        team_id=team_id,
        channel_id=command["channel_id"],
        user_id=user,
        is_dm=command.get("channel_name") == "directmessage",
    )
    asked = f"<@{user}> asked: {escape(shorten(' '.join(question_text.split()), 300))}"
    question = Question(
        text=question_text,
        origin=origin,
        channel=command["channel_id"],
        thread_ts=None,
        event_key=f"cmd:{command.get('trigger_id')}" if command.get("trigger_id") else None,
        asked_line=asked,
        private_reply=lambda message: respond(**_private(message)),
    )
    service.ask(client, question)


def _history(runs: WorkspaceRuns, user_id: str, argument: str) -> Message:
    limit = HISTORY_DEFAULT
    if argument:
        if not argument.isdigit() or not 1 <= int(argument) <= HISTORY_MAX:
            return render_notice(f"Usage: `/dealbot history [N]` with N from 1 to {HISTORY_MAX}.")
        limit = int(argument)
    return render_history(runs.recent(user_id, limit=limit))


def _code(service: SlackService, runs: WorkspaceRuns, client, user_id: str, run_id: str) -> Message:
    if not run_id:
        return render_notice("Usage: `/dealbot code RUN_ID` — the id is in each answer's footer.")
    run = runs.get(run_id)
    if run is None or not service.can_see(client, run, user_id):
        # The same words either way, so ids of runs one cannot see are not confirmed.
        return render_notice(
            f"I can't find a run `{shorten(run_id, 20)}` that you can see. "
            "`/dealbot history` lists yours."
        )
    return render_code(run)
