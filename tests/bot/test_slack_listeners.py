"""Listeners called directly, as Bolt would call them, with the real service and a client of
the local fake Slack: what each listener acks, records and sends, without an HTTP round trip."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import BoltContext

from bot.serve import build_service
from bot.slack import commands, events
from bot.slack.service import SlackService
from tests.bot.conftest import make_test_agent
from tests.bot.slack_harness import bot_settings
from tests.fakes.slack_api import BOT_ID, BOT_USER_ID, TEAM_ID, USER_ID
from tests.fakes.slack_payloads import dm_message_event, message_changed_event


class Acks:
    """Bolt's `ack`: records what each call was given."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


@pytest.fixture
def service(demo_engine, fake_slack, fake_anthropic) -> Iterator[SlackService]:
    settings = bot_settings(fake_slack, fake_anthropic)
    agent = make_test_agent(demo_engine, fake_anthropic)
    service = build_service(settings, agent)
    yield service
    service.pool.close(10)


def _context() -> BoltContext:
    return BoltContext({"team_id": TEAM_ID, "bot_user_id": BOT_USER_ID})


def _command(text: str) -> dict[str, Any]:
    return {"text": text, "user_id": USER_ID, "channel_id": "C0DEALS", "channel_name": "deals"}


def test_history_with_a_bad_count_acks_its_usage_and_sends_nothing(service, fake_slack):
    ack = Acks()
    respond = Acks()
    client = fake_slack.client()
    commands.on_dealbot(service, ack, _command("history 99"), client, respond, _context())
    assert len(ack.calls) == 1
    assert ack.calls[0]["response_type"] == "ephemeral"
    assert "1 to 25" in ack.calls[0]["text"]
    assert respond.calls == []
    assert fake_slack.calls == []


def test_an_unknown_subcommand_names_it_in_the_ack(service, fake_slack):
    ack = Acks()
    commands.on_dealbot(
        service, ack, _command("frobnicate now"), fake_slack.client(), Acks(), _context()
    )
    assert "frobnicate" in ack.calls[0]["text"]


def test_an_edit_and_a_bot_message_are_not_questions_but_a_dm_is(service, fake_slack):
    client = fake_slack.client()
    edited = message_changed_event("cheap chips?", "chips?")["event"]
    events.on_message(service, edited, client, _context())
    from_bot = dm_message_event("I found 3 deals")["event"] | {"bot_id": BOT_ID}
    events.on_message(service, from_bot, client, _context())
    runs = service.history.in_workspace(TEAM_ID)
    assert runs.recent(USER_ID) == []

    events.on_message(service, dm_message_event("cheap chips?")["event"], client, _context())
    assert [run.question for run in runs.recent(USER_ID)] == ["cheap chips?"]
