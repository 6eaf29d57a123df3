"""The fakes speak the protocols the real clients expect: anthropic, slack_sdk and slack_bolt.

Also checks the Slack app manifest, whose scopes the `fake_slack` fixture enforces.
"""

from __future__ import annotations

import json
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import anthropic
import pytest
from anthropic.types import TextBlock, ToolUseBlock
from slack_bolt import App, BoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.models.blocks import ContainerBlock, SectionBlock
from slack_sdk.signature import SignatureVerifier

from tests.fakes import (
    BOT_ID,
    BOT_USER_ID,
    CHANNEL_ID,
    FORM,
    SIGNING_SECRET,
    FakeAnthropic,
    FakeSlack,
    app_mention_event,
    overloaded_reply,
    rate_limit_reply,
    signed_request,
    slash_command_body,
    text_reply,
    tool_use_reply,
)
from tests.fakes.fixtures import load_manifest, manifest_bot_scopes
from tests.fakes.slack_api import _needed_scopes

MODEL = "claude-haiku-4-5"


def ask(client: anthropic.Anthropic, **request: Any) -> anthropic.types.Message:
    request = {"model": MODEL, "max_tokens": 1024} | request
    request.setdefault("messages", [{"role": "user", "content": "Any deals on orange soda?"}])
    return client.messages.create(**request)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    """A fake Web API granting every scope (the `fake_slack` fixture grants the manifest's)."""
    with FakeSlack() as fake:
        yield fake


# --- Anthropic Messages API ------------------------------------------------------------------


def test_scripted_tool_use_parses_into_a_tool_use_block(fake_anthropic):
    fake_anthropic.reply_tool_use(input={"code": "final_answer('none')"}, text="Let me look.")

    message = ask(fake_anthropic.client(max_retries=0))

    text, tool_use = message.content
    assert isinstance(text, TextBlock) and text.text == "Let me look."
    assert isinstance(tool_use, ToolUseBlock)
    assert (tool_use.name, tool_use.input) == ("run_python", {"code": "final_answer('none')"})
    assert tool_use.id.startswith("toolu_")
    assert (message.stop_reason, message.model, message.role) == ("tool_use", MODEL, "assistant")


def test_scripted_text_carries_its_usage_numbers(fake_anthropic):
    usage = {"input_tokens": 1500, "output_tokens": 42, "cache_read_input_tokens": 1200}
    fake_anthropic.reply_text("Sunkist is $4.99 at FreshMart.", usage=usage)

    message = ask(fake_anthropic.client(max_retries=0))

    assert message.content[0].text == "Sunkist is $4.99 at FreshMart."
    assert message.stop_reason == "end_turn"
    assert (message.usage.input_tokens, message.usage.output_tokens) == (1500, 42)
    assert message.usage.cache_read_input_tokens == 1200
    assert message.usage.cache_creation_input_tokens == 0


def test_requests_are_recorded_as_the_model_received_them(fake_anthropic):
    fake_anthropic.reply_tool_use(input={"code": "print(1)"}, id="toolu_1")
    fake_anthropic.reply_text("done")
    client = fake_anthropic.client(max_retries=0)
    system = [
        {"type": "text", "text": "You write programs.", "cache_control": {"type": "ephemeral"}}
    ]
    tools = [{"name": "run_python", "description": "Runs it", "input_schema": {"type": "object"}}]
    first = ask(client, system=system, tools=tools)
    result = {"type": "tool_result", "tool_use_id": "toolu_1", "content": "NameError: x"}
    messages = [
        {"role": "user", "content": "Cheapest cereal per ounce?"},
        {"role": "assistant", "content": [block.model_dump() for block in first.content]},
        {"role": "user", "content": [result | {"is_error": True}]},
    ]

    ask(client, system=system, tools=tools, messages=messages)

    request = fake_anthropic.last_request
    assert request.system_blocks[0]["cache_control"] == {"type": "ephemeral"}
    assert request.tools[0]["name"] == "run_python"
    assert request.tool_results == [result | {"is_error": True}]
    assert "NameError: x" in request.text()
    assert request.headers["anthropic-version"]
    assert request.headers["authorization"] == "Bearer test"
    assert [r.retry_count for r in fake_anthropic.requests] == [0, 0]
    assert fake_anthropic.pending == 0


def test_persistent_overload_is_retried_by_the_sdk_then_raised(fake_anthropic):
    fake_anthropic.push(*[overloaded_reply()] * 3)
    started = time.monotonic()

    with pytest.raises(anthropic.OverloadedError) as raised:
        ask(fake_anthropic.client(max_retries=2))

    assert isinstance(raised.value, anthropic.APIStatusError)
    assert (raised.value.status_code, raised.value.type) == (529, "overloaded_error")
    assert [r.retry_count for r in fake_anthropic.requests] == [0, 1, 2]
    assert time.monotonic() - started < 1, "retry-after-ms keeps the SDK's back-off instant"


def test_a_passing_overload_is_absorbed_by_the_sdk_retry(fake_anthropic):
    fake_anthropic.push(overloaded_reply(), text_reply("ok"))

    assert ask(fake_anthropic.client(max_retries=1)).content[0].text == "ok"
    assert len(fake_anthropic.requests) == 2


def test_rate_limit_retry_waits_what_retry_after_says(fake_anthropic):
    fake_anthropic.push(rate_limit_reply(retry_after=0.1), text_reply("ok"))
    started = time.monotonic()

    ask(fake_anthropic.client(max_retries=1))

    assert time.monotonic() - started >= 0.1


@pytest.mark.parametrize(
    ("status", "kind", "error"),
    [
        (429, "rate_limit_error", anthropic.RateLimitError),
        (500, "api_error", anthropic.InternalServerError),
        (529, "overloaded_error", anthropic.OverloadedError),
    ],
)
def test_scripted_errors_raise_the_sdk_exception(fake_anthropic, status, kind, error):
    fake_anthropic.reply_error(status, kind, message="scripted")

    with pytest.raises(error) as raised:
        ask(fake_anthropic.client(max_retries=0))

    assert (raised.value.status_code, raised.value.type) == (status, kind)
    assert raised.value.api_message == "scripted"
    assert raised.value.request_id.startswith("req_")


def test_an_unscripted_request_fails_loudly_and_at_once(fake_anthropic):
    with pytest.raises(anthropic.InternalServerError, match="no scripted reply"):
        ask(fake_anthropic.client(max_retries=3))

    assert len(fake_anthropic.requests) == 1, "x-should-retry: false stops the SDK retrying"


def test_a_responder_answers_concurrent_requests_after_its_delay():
    with FakeAnthropic(responder=lambda request: text_reply("hi", delay=0.2)) as fake:
        client = fake.client(max_retries=0)
        threads = [threading.Thread(target=ask, args=(client,)) for _ in range(20)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert time.monotonic() - started < 1
        assert len(fake.requests) == 20


def test_an_instant_reply_adds_no_latency_for_benchmarks(fake_anthropic):
    fake_anthropic.responder = lambda request: text_reply("hi")
    client = fake_anthropic.client(max_retries=0)
    ask(client)
    timings = []
    for _ in range(10):
        started = time.perf_counter()
        ask(client)
        timings.append(time.perf_counter() - started)

    assert sorted(timings)[5] < 0.02, "a keep-alive round trip stays far below 40 ms (Nagle)"


def test_a_reply_slower_than_the_client_timeout_times_out(fake_anthropic):
    fake_anthropic.reply_text("late", delay=2)

    with pytest.raises(anthropic.APITimeoutError):
        ask(fake_anthropic.client(max_retries=0, timeout=0.1))


def test_the_sdk_sends_the_tool_choice_and_model_it_was_given(fake_anthropic):
    fake_anthropic.reply_code("final_answer('x')")
    tools = [{"name": "run_python", "input_schema": {"type": "object"}}]

    ask(fake_anthropic.client(), tools=tools, tool_choice={"type": "tool", "name": "run_python"})

    assert fake_anthropic.last_request.body["tool_choice"] == {"type": "tool", "name": "run_python"}
    assert fake_anthropic.last_request.body["model"] == MODEL


def _tool_use_turn(tool_id: str) -> dict[str, Any]:
    block = {"type": "tool_use", "id": tool_id, "name": "run_python", "input": {"code": ""}}
    return {"role": "assistant", "content": [block]}


def _tool_result_turn(tool_id: str) -> dict[str, Any]:
    return {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool_id}]}


QUESTION = {"role": "user", "content": "q"}
CACHED = {"type": "text", "text": "x", "cache_control": {"type": "ephemeral"}}


@pytest.mark.parametrize(
    ("request_fields", "complaint"),
    [
        ({"messages": [QUESTION, _tool_use_turn("a"), QUESTION]}, "without tool_result"),
        ({"messages": [QUESTION, _tool_use_turn("a"), _tool_result_turn("b")]}, "unexpected"),
        ({"messages": [QUESTION, _tool_use_turn("a")]}, "without tool_result"),
        ({"system": [CACHED] * 5}, "maximum of 4 blocks with cache_control"),
        ({"messages": []}, "at least one message"),
    ],
)
def test_requests_the_real_api_would_reject_get_a_400(fake_anthropic, request_fields, complaint):
    fake_anthropic.reply_text("never sent")

    with pytest.raises(anthropic.BadRequestError, match=complaint):
        ask(fake_anthropic.client(max_retries=0), **request_fields)

    assert fake_anthropic.pending == 1


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/v1/messages", {"anthropic-version": "2023-06-01"}, 401),
        ("/v1/messages", {"x-api-key": "k"}, 400),
        ("/v1/complete", {"x-api-key": "k", "anthropic-version": "2023-06-01"}, 404),
    ],
)
def test_requests_lacking_key_version_or_route_are_refused(fake_anthropic, path, headers, status):
    request = urllib.request.Request(fake_anthropic.url + path, data=b"{}", headers=headers)

    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=5)

    assert raised.value.code == status
    assert json.loads(raised.value.read())["type"] == "error"
    assert fake_anthropic.requests == []


def test_replies_can_be_built_ahead_and_pushed(fake_anthropic):
    fake_anthropic.push(tool_use_reply({"code": "x"}, name="other_tool"), text_reply("b"))

    client = fake_anthropic.client(max_retries=0)
    assert ask(client).content[0].name == "other_tool"
    assert ask(client).content[0].text == "b"


def test_a_known_model_is_described_by_the_models_endpoint(fake_anthropic):
    info = fake_anthropic.client(max_retries=0).models.retrieve(MODEL)

    assert (info.id, info.type) == (MODEL, "model")
    assert info.display_name and info.created_at.year >= 2023
    assert fake_anthropic.model_lookups == [MODEL]
    assert fake_anthropic.requests == [], "a lookup is not a Messages API request"


def test_an_unknown_model_is_404_from_the_models_endpoint_and_from_messages(fake_anthropic):
    client = fake_anthropic.client(max_retries=3)
    fake_anthropic.reply_text("never sent")

    with pytest.raises(anthropic.NotFoundError) as looked_up:
        client.models.retrieve("nope")
    with pytest.raises(anthropic.NotFoundError) as asked:
        ask(client, model="nope")

    for raised in (looked_up.value, asked.value):
        assert raised.body["error"] == {"type": "not_found_error", "message": "model: nope"}
    assert fake_anthropic.model_lookups == ["nope"]
    assert [r.body["model"] for r in fake_anthropic.requests] == ["nope"], "not retried"
    assert fake_anthropic.pending == 1


def test_the_catalogue_is_the_sdks_own_and_the_list_pages_through_it():
    with FakeAnthropic(models=["claude-a", "claude-b", "claude-c"]) as fake:
        client = fake.client(max_retries=0)
        first = client.models.list(limit=2)

        assert [m.id for m in first.data] == ["claude-a", "claude-b"] and first.has_more
        assert [m.id for m in client.models.list(limit=2, after_id="claude-b").data] == ["claude-c"]
        assert [m.id for m in client.models.list()] == ["claude-a", "claude-b", "claude-c"]
    assert MODEL in FakeAnthropic().models


def test_a_wrong_key_is_refused_on_the_models_endpoint_too():
    with FakeAnthropic(api_key="right") as fake, pytest.raises(anthropic.AuthenticationError):
        fake.client(api_key="wrong", max_retries=0).models.retrieve(MODEL)


# --- Slack Web API ---------------------------------------------------------------------------


def test_post_message_round_trips_and_is_recorded(slack):
    blocks = [SectionBlock(text="*Sunkist* is $4.99").to_dict()]

    response = slack.client().chat_postMessage(
        channel=CHANNEL_ID, text="Sunkist is $4.99", blocks=blocks, thread_ts="1700000000.000100"
    )

    assert response["ok"] and response["channel"] == CHANNEL_ID
    assert response["message"]["bot_id"] == BOT_ID
    assert response["message"]["thread_ts"] == "1700000000.000100"
    (call,) = slack.calls_to("chat.postMessage")
    assert call["blocks"] == blocks and call["text"] == "Sunkist is $4.99"
    assert slack.message(CHANNEL_ID, response["ts"])["text"] == "Sunkist is $4.99"


def test_form_encoded_calls_are_parsed_like_json_ones(slack):
    blocks = [SectionBlock(text="hi").to_dict()]

    form = {"channel": "C1", "text": "t", "blocks": json.dumps(blocks)}
    slack.client().api_call("chat.postMessage", data=form)

    assert slack.calls_to("chat.postMessage") == [{"channel": "C1", "text": "t", "blocks": blocks}]


def test_fail_next_gives_a_slack_api_error_once(slack):
    slack.fail_next("chat.postMessage", error="not_in_channel")
    client = slack.client()

    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel=CHANNEL_ID, text="hi")

    assert raised.value.response["error"] == "not_in_channel"
    assert client.chat_postMessage(channel=CHANNEL_ID, text="hi")["ok"]
    assert [call.ok for call in slack.calls] == [False, True]


def test_a_rate_limit_is_retried_by_the_sdk_retry_handler(slack, monkeypatch):
    # The handler sleeps Retry-After plus random() seconds; no jitter keeps the test instant.
    monkeypatch.setattr(random, "random", lambda: 0.0)
    slack.rate_limit_next("chat.postMessage", retry_after=0)
    client = slack.client(retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])

    assert client.chat_postMessage(channel=CHANNEL_ID, text="hi")["ok"]
    assert [call.status for call in slack.calls] == [429, 200]


def test_a_rate_limit_without_retry_handler_surfaces_with_retry_after(slack):
    slack.rate_limit_next("chat.update", retry_after=30)

    with pytest.raises(SlackApiError) as raised:
        slack.client().chat_update(channel=CHANNEL_ID, ts="1.2", text="x")

    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "30"


def test_auth_test_names_the_bot(slack):
    response = slack.client().auth_test()

    assert (response["user_id"], response["bot_id"]) == (BOT_USER_ID, BOT_ID)


def test_a_wrong_token_is_invalid_auth(slack):
    with pytest.raises(SlackApiError, match="invalid_auth"):
        slack.client(token="xoxb-wrong").auth_test()


def test_update_replaces_the_bots_placeholder_but_not_a_users_message(slack):
    client = slack.client()
    placeholder = client.chat_postMessage(channel=CHANNEL_ID, text="Looking for deals…")
    theirs = slack.add_message(CHANNEL_ID, "Any deals?")

    client.chat_update(channel=CHANNEL_ID, ts=placeholder["ts"], text="Sunkist is $4.99")

    assert slack.message(CHANNEL_ID, placeholder["ts"])["text"] == "Sunkist is $4.99"
    with pytest.raises(SlackApiError, match="cant_update_message"):
        client.chat_update(channel=CHANNEL_ID, ts=theirs["ts"], text="hijacked")


def test_members_are_paginated_with_cursors(slack):
    slack.set_members("G1", [f"U{n}" for n in range(5)])
    client = slack.client()

    pages = client.conversations_members(channel="G1", limit=2)

    assert [member for page in pages for member in page["members"]] == [f"U{n}" for n in range(5)]
    with pytest.raises(SlackApiError, match="channel_not_found"):
        client.conversations_members(channel="C404")


def test_users_info_gives_the_time_zone_when_the_profile_has_one(slack):
    slack.add_user("U1", tz="Europe/Berlin")
    slack.add_user("U2", tz=None)
    client = slack.client()

    assert client.users_info(user="U1")["user"]["tz"] == "Europe/Berlin"
    assert "tz" not in client.users_info(user="U2")["user"]


def test_status_and_delete_answer_ok(slack):
    client = slack.client()
    posted = client.chat_postMessage(channel=CHANNEL_ID, text="answer")
    client.assistant_threads_setStatus(channel_id=CHANNEL_ID, thread_ts=posted["ts"], status="…")
    client.chat_delete(channel=CHANNEL_ID, ts=posted["ts"])

    assert slack.messages(CHANNEL_ID) == []
    assert [call["status"] for call in slack.calls_to("assistant.threads.setStatus")] == ["…"]


def test_collapsible_container_blocks_are_accepted(slack):
    code = SectionBlock(text="```final_answer('hi')```")
    container = ContainerBlock(
        title="Program", child_blocks=[code], is_collapsible=True, default_collapsed=True
    )

    response = slack.client().chat_postMessage(
        channel=CHANNEL_ID, text="hi", blocks=[container.to_dict()]
    )

    assert response["message"]["blocks"][0]["type"] == "container"


@pytest.mark.parametrize(
    "blocks",
    [
        [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}],
        [{"type": "divider"}] * 51,
        [{"type": "no_such_block"}],
    ],
)
def test_blocks_outside_block_kit_limits_are_invalid_blocks(slack, blocks):
    with pytest.raises(SlackApiError, match="invalid_blocks"):
        slack.client().chat_postMessage(channel=CHANNEL_ID, text="t", blocks=blocks)


def test_a_message_without_text_or_blocks_is_no_text(slack):
    with pytest.raises(SlackApiError, match="no_text"):
        slack.client().api_call("chat.postMessage", json={"channel": CHANNEL_ID})


def test_views_open_returns_the_view_with_an_id(slack):
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Program"},
        "blocks": [SectionBlock(text="```print(1)```").to_dict()],
    }

    response = slack.client().views_open(trigger_id="1.2.abc", view=view)

    assert response["view"]["id"].startswith("V")
    assert slack.calls_to("views.open")[0]["view"] == view


def test_a_fake_missing_a_scope_refuses_the_method_with_missing_scope():
    with FakeSlack(scopes=set(manifest_bot_scopes()) - {"files:write"}) as fake:
        client = fake.client()
        client.chat_postMessage(channel=CHANNEL_ID, text="hi")

        with pytest.raises(SlackApiError, match="missing_scope") as raised:
            client.files_getUploadURLExternal(filename="chart.png", length=10)

    assert raised.value.response["needed"] == "files:write"


def test_wait_for_names_what_was_seen_when_it_times_out(slack):
    slack.client().auth_test()

    with pytest.raises(
        AssertionError, match=r"chat.postMessage called 0/1 times; saw \['auth.test'\]"
    ):
        slack.wait_for("chat.postMessage", timeout=0.05)


# --- Requests to the app: signatures and payloads, through slack_bolt -------------------------


def test_signed_request_verifies_with_slack_sdk():
    body = '{"type":"event_callback"}'
    headers = signed_request(SIGNING_SECRET, body)
    verifier = SignatureVerifier(SIGNING_SECRET)

    assert verifier.is_valid_request(body, headers)
    assert not verifier.is_valid_request(body + " ", headers)
    assert not SignatureVerifier("other-secret").is_valid_request(body, headers)


def test_signed_request_adds_slacks_retry_headers():
    headers = signed_request(SIGNING_SECRET, b"{}", retry_num=1)

    assert (headers["X-Slack-Retry-Num"], headers["X-Slack-Retry-Reason"]) == ("1", "http_timeout")


def test_a_signed_request_with_an_old_timestamp_is_refused_by_bolt(slack):
    app = App(client=slack.client(), signing_secret=SIGNING_SECRET)
    body = slash_command_body("help")
    headers = signed_request(SIGNING_SECRET, body, FORM, timestamp=int(time.time()) - 600)

    assert app.dispatch(BoltRequest(body=body, headers=headers)).status == 401


def echo_app(slack: FakeSlack) -> App:
    """A Bolt app that replies in thread to mentions and DMs, acks commands and buttons."""
    app = App(client=slack.client(), signing_secret=SIGNING_SECRET)

    @app.event("app_mention")
    def mention(event, say):
        say(text=f"mention: {event['text']}", thread_ts=event["ts"])

    @app.event("message")
    def direct_message(event, say):
        say(text=f"dm: {event.get('text')} {event.get('subtype')}")

    @app.command("/dealbot")
    def command(ack, respond, command):
        ack()
        respond(f"command: {command['text']}")

    @app.action("feedback_up")
    def feedback(ack, action, body):
        ack()
        slack.client().chat_postEphemeral(
            channel=body["channel"]["id"], user=body["user"]["id"], text=action["value"]
        )

    return app


def test_bolt_answers_a_mention_in_its_thread(slack):
    app = echo_app(slack)
    event = app_mention_event("orange soda?")
    body = json.dumps(event)

    response = app.dispatch(BoltRequest(body=body, headers=signed_request(SIGNING_SECRET, body)))

    assert response.status == 200
    (posted,) = slack.wait_for("chat.postMessage")
    assert posted["text"] == f"mention: <@{BOT_USER_ID}> orange soda?"
    assert posted["thread_ts"] == event["event"]["ts"]
    assert slack.calls_to("auth.test"), "Bolt identified the bot with auth.test"


def test_manifest_subscribes_to_mentions_dms_thread_replies_and_the_app_home():
    settings = load_manifest()["settings"]

    assert sorted(settings["event_subscriptions"]["bot_events"]) == [
        "app_home_opened",
        "app_mention",
        "app_uninstalled",
        "message.channels",
        "message.groups",
        "message.im",
        "tokens_revoked",
    ]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    assert settings["org_deploy_enabled"] is False
    assert settings["token_rotation_enabled"] is False


def test_manifest_declares_the_dealbot_command_and_an_always_online_bot():
    manifest = load_manifest()
    features = manifest["features"]

    assert manifest["display_information"]["name"] == "dealbot"
    (command,) = features["slash_commands"]
    assert command["command"] == "/dealbot" and "ask" in command["usage_hint"]
    assert features["bot_user"] == {"display_name": "dealbot", "always_online": True}
    assert features["app_home"]["messages_tab_enabled"] is True
    assert features["app_home"]["messages_tab_read_only_enabled"] is False


def test_manifest_asks_only_for_the_scopes_dealbot_uses():
    assert sorted(manifest_bot_scopes()) == [
        "app_mentions:read",
        "assistant:write",
        "channels:history",
        "channels:read",
        "chat:write",
        "commands",
        "files:write",
        "groups:history",
        "groups:read",
        "im:history",
        "users:read",
    ]


@pytest.mark.parametrize(
    ("method", "channel"),
    [
        ("chat.postMessage", CHANNEL_ID),
        ("chat.update", CHANNEL_ID),
        ("assistant.threads.setStatus", CHANNEL_ID),
        ("assistant.threads.setSuggestedPrompts", CHANNEL_ID),
        ("chat.startStream", CHANNEL_ID),
        ("chat.appendStream", CHANNEL_ID),
        ("chat.stopStream", CHANNEL_ID),
        ("files.getUploadURLExternal", CHANNEL_ID),
        ("files.completeUploadExternal", CHANNEL_ID),
        ("users.info", CHANNEL_ID),
        ("conversations.members", "C0PUBLIC"),
        ("conversations.members", "G0PRIVATE"),
    ],
)
def test_manifest_grants_what_each_method_the_bot_calls_needs(method, channel):
    needed = _needed_scopes(method, {"channel": channel})

    assert needed & set(manifest_bot_scopes())
