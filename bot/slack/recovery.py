"""Questions acked but never answered are answered, or apologised for, by whichever process
takes them over: their lease ran out, or the instance holding them is gone (bot/leases.py)."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial

from slack_bolt import App
from slack_sdk import WebClient

from bot.history import utcnow
from bot.ops import metrics
from bot.records import Outcome, RunRecord
from bot.slack.answering import Question
from bot.slack.installations import client_for
from bot.slack.service import SlackService
from bot.slack.work import ShuttingDown

log = logging.getLogger(__name__)

# A pending run recorded without a lease (by a version before leases) is taken as abandoned
# once this old; a leased run is taken when its lease runs out or its instance is gone.
UNLEASED_AFTER = timedelta(minutes=10)
# Older than this, an answer would surprise more than help: apologise instead.
ANSWER_WITHIN = timedelta(hours=2)
UNINSTALLED = "dealbot was no longer installed in this workspace."


def recover(service: SlackService, app: App, stale_after: timedelta = UNLEASED_AFTER) -> int:
    """Take over Slack runs nobody is working on and answer or apologise, each in its own
    workspace with that workspace's token; returns how many were taken."""
    history = service.history
    gone = history.leases.gone_instances() if history.leases is not None else []
    handled = 0
    for claimed in history.claim_unfinished(stale_after, gone=gone):
        run = claimed.run
        handled += 1
        metrics.shared().recovered_runs.labels("answer").inc()
        log.info(
            "run %s: recovered from instance %s",
            run.run_id,
            claimed.previous_owner or "(none recorded)",
            extra={"run_id": run.run_id, "from_instance": claimed.previous_owner},
        )
        client = client_for(app, run.origin.team_id)
        if client is None:
            log.warning(
                "run %s: workspace %s has no installation now; not answering",
                run.run_id,
                run.origin.team_id,
            )
            history.finish(run.run_id, Outcome(status="failed", error=UNINSTALLED))
            continue
        if utcnow() - run.created_at > ANSWER_WITHIN:
            service.responder.apologise(client, run)
            continue
        try:
            service.pool.submit(partial(_answer, service, client, run))
        except ShuttingDown:
            history.let_go(run.run_id)  # its lease runs out: another process takes it
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
