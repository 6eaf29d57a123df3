"""Socket Mode end to end: serve's SocketModeHandler on a local Slack WebSocket endpoint.

The app connects as `dealbot serve` does when SLACK_APP_TOKEN is set: ``apps.connections.open``
through SLACK_API_URL with the app-level token, then a WebSocket to the URL it returns. The
fake delivers envelopes over it and records the acks; answers go out over the Web API fake.
The `websockets` library under the fake speaks RFC 6455, so no leniency of the fake can hide a
client's bug; the last tests hold the fake to what Slack adds (tickets, hello).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from slack_sdk.errors import SlackApiError
from websockets.exceptions import InvalidStatus
from websockets.frames import CloseCode
from websockets.sync.client import connect

from tests.bot.slack_harness import (
    block_actions_payload,
    slash_command_fields,
    socket_mode_bot,
    streamed_answer,
)
from tests.fakes.anthropic_api import text_reply
from tests.fakes.slack_api import APP_TOKEN, BOT_TOKEN, BOT_USER_ID, CHANNEL_ID, USER_ID
from tests.fakes.slack_payloads import app_mention_event
from tests.fakes.socket_mode import FakeSocketMode


@pytest.fixture
def bot(demo_engine, fake_slack, fake_anthropic):
    fake_slack.add_user(USER_ID, tz="America/Chicago")
    fake_slack.set_members(CHANNEL_ID, [USER_ID, BOT_USER_ID])
    with socket_mode_bot(demo_engine, fake_slack, fake_anthropic) as running:
        yield running


def _wait(socket_mode: FakeSocketMode, condition: Callable[[], object], what: str) -> None:
    with socket_mode.changed:
        assert socket_mode.changed.wait_for(condition, timeout=5), what


def test_connects_through_slack_api_url_with_the_app_level_token(bot):
    [call] = [call for call in bot.slack.calls if call.method == "apps.connections.open"]
    connection = bot.socket.wait_for_connection()

    assert call.headers["authorization"] == f"Bearer {APP_TOKEN}"
    assert call.ok and connection.ticket in call.response["url"]
    _wait(bot.socket, lambda: connection.pings, "the app never pinged")
    _wait(bot.socket, lambda: connection.pongs, "the app never answered the fake's ping")
    assert bot.socket.refused == [] and connection.errors == []


def test_mention_is_acked_at_once_and_answered_in_its_thread(bot, fake_anthropic):
    fake_anthropic.reply_text("Fanta Orange 2L is $1.99 at Mission.", delay=0.5)
    event = app_mention_event("Any deals on orange soda this weekend?")

    envelope_id = bot.socket.push_event(event)

    ack = bot.socket.wait_for_ack(envelope_id)
    assert ack.payload is None and ack.seconds < 3  # inside Slack's deadline
    assert bot.slack.calls_to("chat.stopStream") == []  # acked while the model still thinks
    answer = streamed_answer(bot.slack)
    [status] = bot.slack.calls_to("assistant.threads.setStatus")
    assert status["channel_id"] == CHANNEL_ID
    assert status["thread_ts"] == answer["thread_ts"] == event["event"]["ts"]
    assert "Fanta Orange 2L is $1.99 at Mission." in answer["text"]
    bot.drain()
    assert bot.agent.history.recent(limit=1)[0].reply_ts == answer["ts"]
    assert [ack.envelope_id for ack in bot.socket.acks] == [envelope_id]


def test_slash_help_is_acked_with_the_ephemeral_help(bot, fake_anthropic):
    fields = slash_command_fields("help", response_url=bot.slack.response_url())

    envelope_id = bot.socket.push_slash_command(fields)

    reply = bot.socket.wait_for_ack(envelope_id).payload
    assert reply["response_type"] == "ephemeral"
    assert reply["text"]
    assert "/dealbot ask" in json.dumps(reply["blocks"])
    bot.drain()
    assert [call.method for call in bot.slack.calls if call.method != "auth.test"] == [
        "apps.connections.open"
    ]
    assert fake_anthropic.requests == []


def test_redelivered_envelope_is_answered_once(bot, fake_anthropic):
    fake_anthropic.push(text_reply("once", delay=0.3))
    fake_anthropic.reply_text("twice")
    event = app_mention_event("Any deals on chips?")

    first = bot.socket.push_event(event)
    retry = bot.socket.push_event(event, retry_attempt=1, retry_reason="timeout")
    bot.socket.wait_for_ack(first)
    bot.socket.wait_for_ack(retry)
    bot.drain()

    assert len(fake_anthropic.requests) == 1
    assert len(bot.slack.calls_to("chat.stopStream")) == 1
    assert "once" in streamed_answer(bot.slack)["text"]
    assert fake_anthropic.pending == 1


def test_feedback_click_arrives_as_an_interactive_envelope(bot, fake_anthropic):
    fake_anthropic.reply_text("ok")
    bot.socket.push_event(app_mention_event("deals?"))
    streamed_answer(bot.slack)
    bot.drain()
    run = bot.agent.history.recent(limit=1)[0]

    envelope_id = bot.socket.push_interactive(block_actions_payload("feedback", f"up:{run.run_id}"))
    bot.socket.wait_for_ack(envelope_id)
    bot.drain()

    assert bot.agent.history.get(run.run_id).feedback == "up"


def test_reconnects_when_slack_asks_and_keeps_answering(bot):
    first = bot.socket.request_reconnect()
    second = bot.socket.wait_for_connection(2)
    first.wait_closed()

    envelope_id = bot.socket.push_slash_command(slash_command_fields("help"))

    assert bot.socket.wait_for_ack(envelope_id).connection == second.serial
    assert len(bot.slack.calls_to("apps.connections.open")) == 2
    assert second.ticket != first.ticket
    assert first.errors == second.errors == []


def test_closing_the_handler_closes_the_socket(bot):
    connection = bot.socket.wait_for_connection()

    bot.close()

    connection.wait_closed()
    assert connection.closed_by == "app"
    # The SDK hangs up without a close frame.
    assert connection.close_code in (None, CloseCode.NORMAL_CLOSURE)
    assert connection.errors == []
    # close() joined the client's threads, so nothing is left to reconnect.
    assert len(bot.slack.calls_to("apps.connections.open")) == 1
    assert not any(connection.is_open for connection in bot.socket.connections)


# --- the fake itself ---------------------------------------------------------------------


def test_fake_wants_the_app_level_token_for_connections_and_only_there(fake_slack):
    with pytest.raises(SlackApiError, match="not_allowed_token_type"):
        fake_slack.client().apps_connections_open(app_token=BOT_TOKEN)
    with pytest.raises(SlackApiError, match="not_allowed_token_type"):
        fake_slack.client(token=APP_TOKEN).auth_test()

    url = fake_slack.client().apps_connections_open(app_token=APP_TOKEN)["url"]

    assert url.startswith(f"{fake_slack.socket_mode.url}/link/?ticket=")


def test_fake_greets_with_hello_and_takes_each_ticket_once(fake_slack):
    url = fake_slack.socket_mode.issue_url()
    with connect(url) as client:
        hello = json.loads(client.recv(timeout=5))
        assert (hello["type"], hello["num_connections"]) == ("hello", 1)

    [connection] = fake_slack.socket_mode.connections
    connection.wait_closed()
    assert (connection.closed_by, connection.close_code) == ("app", CloseCode.NORMAL_CLOSURE)
    made_up = url.replace(connection.ticket, "made-up")
    for refused in (url, made_up):
        with pytest.raises(InvalidStatus) as raised:
            connect(refused)
        assert raised.value.response.status_code == 401
    assert fake_slack.socket_mode.refused == ["401 Unauthorized"] * 2
