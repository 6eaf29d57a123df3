"""The agent surface: opening dealbot's DM offers suggested prompts (and greets a first-time
user once); opening its Home tab shows the user's recent questions and how to ask."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from functools import partial

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.records import RunRecord
from bot.slack.render_home import (
    HOME_RUNS,
    PROMPTS_TITLE,
    SUGGESTED_PROMPTS,
    render_greeting,
    render_home,
    render_home_plain,
)
from bot.slack.reply import BLOCK_ERRORS, SLACK_FAILURES, Where, post_or_plain
from bot.slack.service import SlackService
from bot.slack.work import ShuttingDown

log = logging.getLogger(__name__)

PERMALINKS_KEPT = 2000


def register(app: App, service: SlackService) -> None:
    app.event("app_home_opened")(partial(on_home_opened, service, Permalinks()))


def on_home_opened(
    service: SlackService, permalinks: Permalinks, event: dict, client, context: BoltContext
) -> None:
    user, team = event.get("user"), context.team_id
    if not user:
        return
    if event.get("tab") == "messages":
        job = partial(open_messages, service, client, team, user, event["channel"])
    else:
        job = partial(publish_home, service, client, team, user, permalinks)
    try:
        service.pool.submit(job)
    except ShuttingDown:
        log.info("stopping: not updating %s's App Home", user)


def open_messages(
    service: SlackService, client: WebClient, team: str | None, user: str, channel: str
) -> None:
    """Suggested prompts for the agent view (without thread_ts: with it, an agent app's call
    silently does nothing), and a greeting the first time."""
    try:
        client.assistant_threads_setSuggestedPrompts(
            channel_id=channel, prompts=list(SUGGESTED_PROMPTS), title=PROMPTS_TITLE
        )
    except SLACK_FAILURES as exc:
        log.info("no suggested prompts in %s: %r", channel, exc)
    if service.responder.memory.first_greeting(team, user):
        try:
            post_or_plain(client, Where(channel, None, team, user), render_greeting(user))
        except SLACK_FAILURES as exc:
            log.warning("could not greet %s: %r", user, exc)


def publish_home(
    service: SlackService, client: WebClient, team: str | None, user: str, links: Permalinks
) -> None:
    runs = service.history.in_workspace(team).recent(user, limit=HOME_RUNS)
    watches = service.watches.store.of_owner(team, user) if service.watches else []
    links_of = {run.run_id: link for run in runs if (link := links.get(client, run))}
    view = render_home(runs, links_of, watches)
    try:
        client.views_publish(user_id=user, view=view)
    except SlackApiError as exc:
        if exc.response.get("error") not in BLOCK_ERRORS:
            log.warning("could not publish %s's App Home: %s", user, exc.response.get("error"))
            return
        log.warning(
            "Slack refused %s's App Home (%s): publishing a plainer one",
            user,
            exc.response.get("error"),
        )
        client.views_publish(user_id=user, view=render_home_plain())
    except SLACK_FAILURES as exc:
        log.warning("could not publish %s's App Home: %r", user, exc)


class Permalinks:
    """Links to answers, asked of Slack once each (an answer's link never changes)."""

    def __init__(self) -> None:
        self._links: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, client: WebClient, run: RunRecord) -> str | None:
        channel, ts = run.origin.channel_id, run.reply_ts
        if not channel or not ts:
            return None
        key = (channel, ts)
        with self._lock:
            if key in self._links:
                self._links.move_to_end(key)
                return self._links[key]
        try:
            link = client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
        except (*SLACK_FAILURES, KeyError) as exc:
            log.info("no link to run %s's answer: %r", run.run_id, exc)
            return None
        with self._lock:
            self._links[key] = link
            while len(self._links) > PERMALINKS_KEPT:
                self._links.popitem(last=False)
        return link
