"""Watches in Slack: the 🔔 Watch button and its modal, `/dealbot watch` and `/dealbot watches`,
the Pause/Resume, Run now and Delete buttons, and the Poster that delivers a watch's posts."""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from bot.agent import Agent
from bot.database import today_in
from bot.records import Origin, RunRecord
from bot.settings import Settings, SettingsError
from bot.slack.answering import Question
from bot.slack.installations import InstallationStore, client_for, oauth_enabled
from bot.slack.render import ACTION_WATCH_OPEN, Message, render_notice
from bot.slack.service import STOPPING, SlackService
from bot.slack.text import escape, shorten
from bot.slack.watch_render import (
    ACTION_WATCH_DELETE,
    ACTION_WATCH_PAUSE,
    ACTION_WATCH_RESUME,
    ACTION_WATCH_RUN_NOW,
    CALLBACK_WATCH_CREATE,
    INPUT_CHANGES,
    INPUT_PRESET,
    INPUT_TYPED,
    INPUT_WHERE,
    PRESETS,
    WHERE_DM,
    render_created_view,
    render_paused_notice,
    render_watch_created,
    render_watch_list,
    render_watch_modal,
    render_watch_post,
)
from bot.watches.runner import Delivery, Paused, WatchConfig, WatchRunner
from bot.watches.schedule import MAX_SCHEDULE_CHARS, Schedule, ScheduleError, parse_schedule
from bot.watches.store import NewWatch, Target, TooManyWatches, Watch, WatchStore

log = logging.getLogger(__name__)

# Slack's answers meaning a watch's target is gone for good: pause, never retry.
# The bot's token itself refused: the process is misconfigured (SLACK_BOT_TOKEN), not the
# target gone; pausing would stop every watch over one typo. The next slot tries again.
TOKEN_ERRORS = frozenset({"invalid_auth", "not_authed"})
GONE_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "account_inactive",
        "token_revoked",
        "user_not_found",
        "restricted_action",  # the workspace does not let the bot post there
        "team_access_not_granted",  # the token no longer reaches that workspace
        "user_disabled",
    }
)
# The words a SCHEDULE of `/dealbot watch QUESTION [every SCHEDULE]` turns on; it may begin
# up to SCHEDULE_LEAD words before one ("at 8am every weekday").
_SCHEDULE_WORD = re.compile(r"\b(?:every|each|daily|weekly|monthly|hourly)\b", re.IGNORECASE)
SCHEDULE_LEAD = 3
_WORD_START = re.compile(r"(?:^|(?<=\s))\S")
# What after a schedule word says a schedule was meant, though it cannot be read ("every
# fridya at 9"), rather than a question that has the word ("deals at every store"): a day, a
# period, a part of the day, a time; or the question ended before it ("soda? every ...").
_MEANT_AS_SCHEDULE = re.compile(
    r"^\W*(?:(?:mon|tue|wed|thu|fri|sat|sun)\w*|days?|weekdays?|weekends?|weeks?|months?"
    r"|hours?|mornings?|afternoons?|evenings?|nights?|other|at|on|\d\w*)\b"
    r"|\d|\b(?:am|pm|noon|midnight)\b",
    re.IGNORECASE,
)
NOT_YOURS = "Only the person who made this watch can change it."
WATCH_USAGE = (
    "Usage: `/dealbot watch QUESTION [every SCHEDULE]`, e.g. "
    "`/dealbot watch any deals on orange soda? every Friday at 9am` (without a schedule, "
    "every day at 9:00)."
)


class SlackPoster:
    """Posts a watch's answers and tells its owner things, with one workspace's client."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def post(self, watch: Watch, run: RunRecord, *, slot_key: str) -> Delivery:
        message = render_watch_post(watch, run)
        metadata = {"event_type": "dealbot_watch_post", "event_payload": {"slot": slot_key}}
        try:
            response = self.client.chat_postMessage(
                channel=watch.channel_id,
                thread_ts=watch.thread_ts,
                text=message.text,
                blocks=message.blocks,
                metadata=metadata,
                unfurl_links=False,
                unfurl_media=False,
                link_names=False,
            )
        except SlackApiError as exc:
            error = str(exc.response.get("error"))
            if error in TOKEN_ERRORS:
                log.error(
                    "watch %s: Slack refused the bot token (%s): check SLACK_BOT_TOKEN; "
                    "the watch's next slot tries again",
                    watch.watch_id,
                    error,
                )
                return Delivery()
            log.warning(
                "watch %s: could not post to %s: %s", watch.watch_id, watch.channel_id, error
            )
            return Delivery(gone=error if error in GONE_ERRORS else None)
        except OSError as exc:
            log.warning("watch %s: could not reach Slack: %r", watch.watch_id, exc)
            return Delivery()
        return Delivery(ts=response["ts"])

    def tell_owner(self, watch: Watch, paused: Paused) -> bool:
        """By DM (a post to the user's id lands in their DM with the app)."""
        message = render_paused_notice(watch, paused)
        return _post(self.client, watch.owner_id, message)


def _post(client: WebClient, channel: str, message: Message) -> bool:
    try:
        client.chat_postMessage(
            channel=channel,
            text=message.text,
            blocks=message.blocks,
            unfurl_links=False,
            unfurl_media=False,
            link_names=False,
        )
        return True
    except (SlackApiError, OSError) as exc:
        log.warning("could not post to %s: %r", channel, exc)
        return False


class WatchDesk:
    """What the listeners need for watches: the store, the runner, and threads for Run now."""

    def __init__(self, *, store: WatchStore, config: WatchConfig, agent: Agent) -> None:
        self.store = store
        self.config = config
        self.runner = WatchRunner(
            agent=agent, store=store, poster_for=self.poster_for, config=config
        )
        self.run_now_pool = ThreadPoolExecutor(2, thread_name_prefix="watch-now")
        self.app: App | None = None  # set when the listeners are registered: each team's token

    @classmethod
    def build(cls, settings: Settings, agent: Agent) -> WatchDesk:
        store = WatchStore(agent.engine, max_per_owner=settings.dealbot_max_watches)
        return cls(store=store, config=WatchConfig.from_settings(settings), agent=agent)

    def poster_for(self, team_id: str | None) -> SlackPoster | None:
        client = client_for(self.app, team_id) if self.app is not None else None
        return SlackPoster(client) if client is not None else None

    def schedule(self, text: str, timezone: str) -> Schedule:
        """Read a schedule and hold it to the hourly floor; ScheduleError in one line. "weekly"
        and "monthly" without a day mean the owner's today (in `timezone`), not UTC's."""
        schedule = parse_schedule(text, today=today_in(timezone))
        if schedule.shortest_gap() < self.config.min_interval:
            minutes = int(self.config.min_interval.total_seconds() // 60)
            raise ScheduleError(
                f"“{text.strip()}” runs too often: watches run at most every {minutes} minutes."
            )
        return schedule

    def run_now(self, watch_id: str) -> bool:
        slot = self.store.claim_now(watch_id, claimant="run-now", lease=self.config.lease)
        if slot is None:
            return False
        self.run_now_pool.submit(self.runner.run, slot)
        return True


def check_poster_settings(settings: Settings) -> None:
    """A token to post with: one workspace's, or the app's credentials for stored ones."""
    if not settings.slack_bot_token and not oauth_enabled(settings):
        raise SettingsError(
            "SLACK_BOT_TOKEN is not set (or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET): "
            "watches post to Slack"
        )


def poster_without_app(
    settings: Settings, engine: Engine
) -> Callable[[str | None], SlackPoster | None]:
    """Posters for `dealbot watches run-due`: the one workspace's token, or each workspace's
    stored token (many workspaces); no Bolt app needed."""
    from bot.slack.app import make_web_client  # the app module registers every listener

    check_poster_settings(settings)
    client = make_web_client(settings)
    if settings.slack_bot_token:
        return lambda _team: SlackPoster(client)
    store = InstallationStore(client_id=settings.slack_client_id or "", engine=engine, logger=log)

    def poster_for(team_id: str | None) -> SlackPoster | None:
        token = store.bot_token(team_id)
        return SlackPoster(WebClient(token=token, base_url=client.base_url)) if token else None

    return poster_for


# --- listeners --------------------------------------------------------------------------------


def register(app: App, service: SlackService) -> None:
    desk = service.watches
    if desk is None:
        return
    desk.app = app
    app.action(ACTION_WATCH_OPEN)(partial(on_watch_open, service))
    app.view(CALLBACK_WATCH_CREATE)(partial(on_watch_create, service, desk))
    for action_id, (change, done, not_done) in MANAGING.items():
        app.action(action_id)(partial(on_manage, desk, change, (done, not_done or done)))


def on_watch_open(
    service: SlackService, ack: Callable, body: dict, action: dict, client, context: BoltContext
) -> None:
    ack()
    user = body["user"]["id"]
    run = service.history.in_workspace(context.team_id).get(action.get("value") or "")
    if run is None or not run.ok or not run.code or not service.can_see(client, run, user):
        log.info("user %s may not watch run %s", user, action.get("value"))
        return
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id") or run.origin.channel_id or ""
    thread_ts = message.get("thread_ts")
    here = "this DM" if channel.startswith("D") else "this thread" if thread_ts else "this channel"
    view = render_watch_modal(run, here=here)
    view["private_metadata"] = json.dumps(
        {"run_id": run.run_id, "channel": channel, "thread_ts": thread_ts}
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)


def on_watch_create(
    service: SlackService,
    desk: WatchDesk,
    ack: Callable,
    body: dict,
    view: dict,
    client,
    context: BoltContext,
) -> None:
    user = body["user"]["id"]
    meta = json.loads(view.get("private_metadata") or "{}")
    values = view["state"]["values"]
    run = service.history.in_workspace(context.team_id).get(str(meta.get("run_id", "")))
    if run is None or not run.ok or not run.code:
        ack(response_action="errors", errors={INPUT_PRESET[0]: "That answer can't be watched."})
        return
    typed = (values.get(INPUT_TYPED[0], {}).get(INPUT_TYPED[1]) or {}).get("value") or ""
    preset = (values.get(INPUT_PRESET[0], {}).get(INPUT_PRESET[1]) or {}).get(
        "selected_option"
    ) or {}
    text = typed.strip() or preset.get("value") or PRESETS[0]
    where = values[INPUT_WHERE[0]][INPUT_WHERE[1]]["selected_option"]["value"]
    changes = values.get(INPUT_CHANGES[0], {}).get(INPUT_CHANGES[1]) or {}
    origin = Origin(source="slack", team_id=context.team_id, user_id=user)
    timezone = service.responder.timezones.of(client, origin)
    try:
        schedule = desk.schedule(text, timezone)
    except ScheduleError as exc:
        block = INPUT_TYPED[0] if typed.strip() else INPUT_PRESET[0]
        ack(response_action="errors", errors={block: shorten(str(exc), 2000)})
        return
    if where == WHERE_DM:
        target: Target = "dm"
        channel, thread_ts = user, None
    else:
        channel, thread_ts = meta.get("channel") or "", meta.get("thread_ts")
        target = "thread" if thread_ts else "channel"
    new = NewWatch(
        team_id=context.team_id,
        owner_id=user,
        target=target,
        channel_id=channel,
        thread_ts=thread_ts,
        question=run.question,
        code=run.code,
        source_run_id=run.run_id,
        timezone=timezone,
        schedule=schedule,
        only_changes=bool(changes.get("selected_options")),
        seen_answer=run.answer,
    )
    try:
        watch = desk.store.create(new)
    except TooManyWatches:
        ack(response_action="errors", errors={INPUT_PRESET[0]: _too_many(desk)})
        return
    log.info("watch %s created by %s from run %s", watch.watch_id, user, run.run_id)
    ack(response_action="update", view=render_created_view(watch))


def on_manage(
    desk: WatchDesk,
    change: Callable[[WatchDesk, str], bool],
    said: tuple[str, str],
    ack: Callable,
    body: dict,
    action: dict,
    respond: Callable,
    context: BoltContext,
) -> None:
    """Pause, Resume, Delete or Run now on one watch (`change`), said as `said`: what was
    done, and what is so when the change changed nothing."""
    ack()
    _manage(desk, body, action, respond, context, partial(change, desk), said)


# Each management button: what it changes, how the change is said, and what is said when it
# changed nothing (None: the same; a second Pause leaves the watch paused all the same).
MANAGING: dict[str, tuple[Callable[[WatchDesk, str], bool], str, str | None]] = {
    ACTION_WATCH_PAUSE: (lambda desk, w: desk.store.set_paused(w, True, None), "Paused", None),
    ACTION_WATCH_RESUME: (lambda desk, w: desk.store.set_paused(w, False), "Resumed", None),
    ACTION_WATCH_DELETE: (lambda desk, w: desk.store.delete(w), "Stopped and deleted", None),
    ACTION_WATCH_RUN_NOW: (lambda desk, w: desk.run_now(w), "Running now", "Already running"),
}


def _manage(
    desk: WatchDesk,
    body: dict,
    action: dict,
    respond: Callable,
    context: BoltContext,
    change: Callable[[str], bool],
    said: tuple[str, str],
) -> None:
    """Change one watch, only for its owner; the list is redrawn in place, a post's click
    gets a private line."""
    user = body["user"]["id"]
    watch = desk.store.get(action.get("value") or "")
    if watch is None or watch.team_id != context.team_id:
        respond(**_private(render_notice("That watch no longer exists."), replace=False))
        return
    if watch.owner_id != user:
        respond(**_private(render_notice(NOT_YOURS), replace=False))
        return
    changed = change(watch.watch_id)
    done = said[0] if changed else said[1]
    log.info("watch %s: %s by its owner (%s)", watch.watch_id, done.lower(), changed)
    if (body.get("container") or {}).get("is_ephemeral"):
        respond(
            **_private(render_watch_list(desk.store.of_owner(watch.team_id, user)), replace=True)
        )
    else:
        respond(
            **_private(render_notice(f"{done}: “{shorten(watch.question, 150)}”."), replace=False)
        )


def _private(message: Message, *, replace: bool | None = None) -> dict:
    """An ephemeral reply (for ack, or respond: which replaces the clicked message or not)."""
    reply = {"response_type": "ephemeral", "text": message.text, "blocks": message.blocks}
    return reply if replace is None else reply | {"replace_original": replace}


def _too_many(desk: WatchDesk) -> str:
    return (
        f"You already have {desk.store.max_per_owner} watches, the most I keep per person: "
        "delete one with `/dealbot watches` first."
    )


# --- /dealbot watch and /dealbot watches -----------------------------------------------------


def split_schedule(text: str) -> tuple[str, str | None]:
    """`QUESTION [every SCHEDULE]` → (question, schedule text or None).

    The schedule is the longest ending that reads as one and has an "every" (or "each",
    "daily", "weekly", "monthly", "hourly"), from that word or up to SCHEDULE_LEAD words before
    it: "deals at every store every Friday at 9am" asks about every store, every Friday, and
    "best cereal deals at 8am every weekday" about the best cereal deals, at 8:00. When none
    reads, an ending meant as a schedule ("every fridya at 9", "soda? every blue moon") is taken
    for one, so its error says what could not be read; otherwise the word is the question's
    ("what's on sale at every store", "deals on daily vitamins"). A schedule alone leaves no
    question."""
    text = text.strip()
    # Only the last MAX_SCHEDULE_CHARS may be a schedule: what starts earlier is the question.
    found = [
        match
        for match in _SCHEDULE_WORD.finditer(text)
        if len(text) - match.start() <= MAX_SCHEDULE_CHARS
    ]
    words = [match.start() for match in _WORD_START.finditer(text)]
    index = {start: number for number, start in enumerate(words)}
    starts = sorted(
        {
            start
            for match in found
            for start in words[
                max(0, index[match.start()] - SCHEDULE_LEAD) : index[match.start()] + 1
            ]
            if len(text) - start <= MAX_SCHEDULE_CHARS
        }
    )
    for start in starts:
        with contextlib.suppress(ScheduleError):
            parse_schedule(text[start:])
            return text[:start].strip(), text[start:].strip()
    meant = [
        match.start()
        for match in found
        if match.start() > 0
        and (
            _MEANT_AS_SCHEDULE.search(text[match.end() :])
            or text[: match.start()].rstrip().endswith(("?", "!", "."))
        )
    ]
    if not meant:
        return text, None
    return text[: meant[-1]].strip(), text[meant[-1] :].strip()


def watch_command(
    ack: Callable,
    command: dict,
    client,
    respond: Callable,
    service: SlackService,
    text: str,
    team_id: str | None,
) -> None:
    """`/dealbot watch QUESTION [every SCHEDULE]`: ask now, and keep the program if it worked."""
    desk = service.watches
    assert desk is not None
    question_text, schedule_text = split_schedule(text)
    if not question_text:
        ack(**_private(render_notice(WATCH_USAGE)))
        return
    user, channel = command["user_id"], command["channel_id"]
    origin = Origin(
        source="slack",
        team_id=team_id,
        channel_id=channel,
        user_id=user,
        is_dm=command.get("channel_name") == "directmessage",
    )
    timezone = service.responder.timezones.of(client, origin)
    try:
        schedule = desk.schedule(schedule_text or PRESETS[0], timezone)
    except ScheduleError as exc:
        ack(**_private(render_notice(str(exc))))
        return
    if desk.store.count_of(team_id, user) >= desk.store.max_per_owner:
        ack(**_private(render_notice(_too_many(desk))))
        return
    ack()
    shown = escape(shorten(" ".join(question_text.split()), 300))
    asked = f"<@{user}> asked (to watch {schedule.describe()}): {shown}"
    question = Question(
        text=question_text,
        origin=origin,
        channel=channel,
        thread_ts=None,
        event_key=f"cmd:{command.get('trigger_id')}" if command.get("trigger_id") else None,
        asked_line=asked,
        private_reply=lambda message: respond(**_private(message, replace=False)),
    )
    if service.pool.closed:
        respond(**_private(render_notice(STOPPING), replace=False))
        return
    run = service.responder.record(question)
    if run is None:
        return
    service.pool.submit(
        lambda: _answer_then_watch(service, client, respond, question, run, schedule, timezone)
    )


def _answer_then_watch(
    service: SlackService,
    client: WebClient,
    respond: Callable,
    question: Question,
    run: RunRecord,
    schedule: Schedule,
    timezone: str,
) -> None:
    desk = service.watches
    assert desk is not None
    service.responder.answer(client, question, run)
    done = service.history.get(run.run_id)
    if done is None or not done.ok or not done.code:
        why = (done.error if done else None) or "the answer had no program to keep"
        respond(**_private(render_notice(f"No watch created: {why}"), replace=False))
        return
    origin = question.origin
    in_dm_instead = done.reply_ts is None  # the bot may not post there: the asker's DMs
    new = NewWatch(
        team_id=origin.team_id,
        owner_id=origin.user_id or "",
        target="dm" if in_dm_instead else "channel",
        channel_id=(origin.user_id or "") if in_dm_instead else question.channel,
        thread_ts=None,
        question=done.question,
        code=done.code,
        source_run_id=done.run_id,
        timezone=timezone,
        schedule=schedule,
        seen_answer=done.answer,
    )
    try:
        watch = desk.store.create(new)
    except TooManyWatches:
        respond(**_private(render_notice(_too_many(desk)), replace=False))
        return
    log.info("watch %s created by %s with /dealbot watch", watch.watch_id, new.owner_id)
    respond(**_private(render_watch_created(watch), replace=False))


def watches_command(
    ack: Callable, command: dict, service: SlackService, team_id: str | None
) -> None:
    desk = service.watches
    assert desk is not None
    watches = desk.store.of_owner(team_id, command["user_id"])
    ack(**_private(render_watch_list(watches)))
