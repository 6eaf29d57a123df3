"""Questions acked but never answered (a crashed process) are answered, or apologised for."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial

from slack_bolt import App
from slack_sdk import WebClient

from bot.history import utcnow
from bot.runs import Outcome, RunRecord
from bot.slack.answering import Question
from bot.slack.installations import client_for
from bot.slack.service import SlackService
from bot.slack.work import ShuttingDown

log = logging.getLogger(__name__)

# A pending run older than this has no live process answering it (answers take well under it).
STALE_AFTER = timedelta(minutes=10)
# Older than this, an answer would surprise more than help: apologise instead.
ANSWER_WITHIN = timedelta(hours=2)
UNINSTALLED = "dealbot was no longer installed in this workspace."


def recover(service: SlackService, app: App, stale_after: timedelta = STALE_AFTER) -> int:
    """Claim stale pending Slack runs and answer or apologise, each in its own workspace with
    that workspace's token; returns how many were handled."""
    handled = 0
    for run in service.history.stale_pending(stale_after):
        if run.origin.source != "slack" or not service.history.claim_pending(run.run_id):
            continue
        handled += 1
        client = client_for(app, run.origin.team_id)
        if client is None:
            log.warning(
                "run %s: workspace %s has no installation now; not answering",
                run.run_id,
                run.origin.team_id,
            )
            service.history.finish(run.run_id, Outcome(status="failed", error=UNINSTALLED))
            continue
        if utcnow() - run.created_at > ANSWER_WITHIN:
            service.responder.apologise(client, run)
            continue
        log.info("run %s: answering a question left unanswered", run.run_id)
        try:
            service.pool.submit(partial(_answer, service, client, run))
        except ShuttingDown:
            return handled
    return handled


def _answer(service: SlackService, client: WebClient, run: RunRecord) -> None:
    origin = run.origin
    question = Question(
        text=run.question,
        origin=origin,
        channel=origin.channel_id or "",
        thread_ts=origin.thread_ts or (origin.message_ts if origin.is_dm else None),
    )
    service.responder.answer(client, question, run)
