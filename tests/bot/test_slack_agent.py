"""The Slack agent surface end to end, through the real Bolt app against the fake Slack: status,
streams and their fallbacks, tables and charts, refused blocks, thread follow-ups, suggested
prompts, the greeting and the App Home."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import func, select, text

from bot.slack.render_home import SUGGESTED_PROMPTS
from bot.tables import RunRow
from bot.watches.schedule import parse_schedule
from bot.watches.store import NewWatch
from tests.bot.slack_harness import running_bot, streamed_answer
from tests.fakes.anthropic_api import tool_use_reply
from tests.fakes.fixtures import load_manifest
from tests.fakes.slack_api import BOT_USER_ID, CHANNEL_ID, DM_CHANNEL_ID, USER_ID, new_ts
from tests.fakes.slack_payloads import (
    app_home_opened_event,
    app_mention_event,
    channel_message_event,
    slash_command_body,
)
from tools.tables import Store

TABLE_PROGRAM = """
deals = find_deals("chips", limit=100)
rows = [{"product": d["product"], "store": d["store"], "price": d["price"]} for d in deals]
final_answer(f"{len(rows)} chips deals at every store.", table=rows)
"""
CHART_PROGRAM = """
final_answer("Tide Pods got cheaper.", chart={
    "type": "line", "title": "Tide Pods price", "x": ["Jan", "Feb", "Mar"],
    "series": {"Mission": [12.99, 11.49, 10.99]}, "y_label": "Price ($)"})
"""
WIDE_CHART_PROGRAM = """
weeks = [f"week {n}" for n in range(1, 27)]
final_answer("Weekly prices.", chart={"type": "line", "title": "Tide Pods, weekly", "x": weeks,
             "series": {"price": [10 + n / 10 for n in range(26)]}})
"""


@pytest.fixture
def bot(demo_engine, fake_slack, fake_anthropic):
    fake_slack.add_user(USER_ID, tz="America/Chicago")
    fake_slack.set_members(CHANNEL_ID, [USER_ID, BOT_USER_ID])
    with running_bot(demo_engine, fake_slack, fake_anthropic) as running:
        yield running


def _methods(slack) -> list[str]:
    return [call.method for call in slack.calls if call.method != "auth.test"]


def _ask(bot, fake_anthropic, program: str, question: str = "deals?") -> dict:
    fake_anthropic.reply_code(program)
    count = sum(call.ok for call in bot.slack.calls if call.method == "chat.stopStream") + 1
    bot.event(app_mention_event(question))
    answer = streamed_answer(bot.slack, count)
    bot.drain()
    return answer


def _block(answer: dict, kind: str) -> dict:
    return next(block for block in answer["blocks"] if block["type"] == kind)


# --- progress ------------------------------------------------------------------------------


def test_the_status_comes_first_with_loading_messages_naming_the_stores(bot, fake_anthropic):
    fake_anthropic.reply_code("final_answer('ok')")

    bot.event(app_mention_event("any deals?"))
    streamed_answer(bot.slack)

    assert _methods(bot.slack)[0] == "assistant.threads.setStatus"
    [status] = bot.slack.calls_to("assistant.threads.setStatus")
    with bot.agent.engine.connect() as connection:
        stores = connection.scalar(select(func.count()).select_from(Store))
    assert status["status"] == "is looking through the deals…"
    assert status["loading_messages"] == [
        "Writing a program…",
        f"Checking {stores} stores…",
        "Comparing prices…",
    ]


def test_each_program_shows_as_a_task_in_the_stream(bot, fake_anthropic):
    fake_anthropic.reply_code("d = {'price': 1}\nfinal_answer(str(d['cost']))")
    fake_anthropic.reply_code("deals = find_deals('soda')\nfinal_answer(f'{len(deals)} deals')")

    bot.event(app_mention_event("soda deals?"))
    answer = streamed_answer(bot.slack)

    assert [(task["id"], task["status"]) for task in answer["tasks"]] == [
        ("program-1", "complete"),
        ("run-1", "error"),
        ("program-2", "complete"),
        ("run-2", "complete"),
    ]
    titles = {task["id"]: task["title"] for task in answer["tasks"]}
    assert titles["program-1"] == "Wrote a program (2 lines)"
    assert titles["program-2"] == "Fixed the program (2 lines)"
    assert titles["run-2"] == "Ran it with 1 tool call"
    assert answer["text"].endswith(" deals")


def test_a_workspace_refusing_the_status_gets_the_stream_at_once_and_is_remembered(
    bot, fake_anthropic
):
    bot.slack.refuse("assistant.threads.setStatus", "access_denied")
    first = _ask(bot, fake_anthropic, "final_answer('one')")

    assert first["tasks"][0]["id"] == "program-1"  # "Writing a program" was the first sign
    _ask(bot, fake_anthropic, "final_answer('two')")
    assert len(bot.slack.calls_to("assistant.threads.setStatus")) == 1  # not asked again


def test_a_workspace_refusing_streaming_gets_the_placeholder_replaced_and_is_remembered(
    bot, fake_anthropic
):
    bot.slack.refuse("assistant.threads.setStatus", "access_denied")
    bot.slack.refuse("chat.startStream", "access_denied")

    for number, words in enumerate(("first answer", "second answer"), 1):
        fake_anthropic.reply_text(words)
        bot.event(app_mention_event(f"question {number}"))
        update = bot.slack.wait_for("chat.update", number)[-1]
        bot.drain()
        assert words in update["text"]

    placeholders = bot.slack.calls_to("chat.postMessage")
    assert len(placeholders) == 2 and "Looking through the deals" in placeholders[0]["text"]
    assert len(bot.slack.calls_to("chat.startStream")) == 1  # the refusal is remembered
    assert len(bot.slack.calls_to("assistant.threads.setStatus")) == 1


def test_a_status_refused_for_another_reason_is_not_remembered(bot, fake_anthropic):
    bot.slack.fail_next("assistant.threads.setStatus", "channel_not_found")

    _ask(bot, fake_anthropic, "final_answer('one')")
    _ask(bot, fake_anthropic, "final_answer('two')")

    assert len(bot.slack.calls_to("assistant.threads.setStatus")) == 2


def test_a_stream_that_fails_midway_is_replaced_by_the_answer_once(bot, fake_anthropic):
    fake_anthropic.reply_code("final_answer('The whole answer.')")
    bot.slack.fail_next("chat.stopStream", "message_not_in_streaming_state")
    event = app_mention_event("deals?")

    bot.event(event)
    [update] = bot.slack.wait_for("chat.update")
    bot.drain()

    [started] = [c for c in bot.slack.calls if c.method == "chat.startStream"]
    assert update["ts"] == started.response["ts"]
    assert "The whole answer." in update["text"]
    thread = event["event"]["ts"]
    from_the_bot = [
        m
        for m in bot.slack.messages(CHANNEL_ID)
        if m.get("thread_ts") == thread and m.get("bot_id")
    ]
    assert len(from_the_bot) == 1  # one visible answer
    assert bot.agent.history.recent(limit=1)[0].reply_ts == update["ts"]


def test_a_stream_that_can_be_neither_finished_nor_replaced_gives_way_to_a_new_answer(
    bot, fake_anthropic
):
    fake_anthropic.reply_code("final_answer('The whole answer.')")
    bot.slack.fail_next("chat.stopStream", "message_not_in_streaming_state")
    bot.slack.fail_next("chat.update", "cant_update_message")
    event = app_mention_event("deals?")

    bot.event(event)
    [posted] = bot.slack.wait_for("chat.postMessage")
    bot.drain()

    assert "The whole answer." in posted["text"]
    [started] = [c for c in bot.slack.calls if c.method == "chat.startStream"]
    [deleted] = bot.slack.calls_to("chat.delete")
    assert (deleted["channel"], deleted["ts"]) == (CHANNEL_ID, started.response["ts"])
    thread = event["event"]["ts"]
    from_the_bot = [
        m
        for m in bot.slack.messages(CHANNEL_ID)
        if m.get("thread_ts") == thread and m.get("bot_id")
    ]
    assert [m["text"] for m in from_the_bot] == [posted["text"]]


def test_when_the_database_fails_midway_the_stream_is_taken_back_for_recovery(bot, fake_anthropic):
    def break_the_database(_request):
        with bot.agent.engine.begin() as connection:
            connection.execute(text("DROP TABLE run_attempts"))
        return tool_use_reply({"code": "final_answer('never stored')"})

    fake_anthropic.responder = break_the_database
    bot.slack.refuse("assistant.threads.setStatus")  # the stream is the first sign

    bot.event(app_mention_event("deals?"))
    [deleted] = bot.slack.wait_for("chat.delete")
    bot.drain()

    [started] = [c for c in bot.slack.calls if c.method == "chat.startStream"]
    assert deleted["ts"] == started.response["ts"]
    assert bot.slack.calls_to("chat.stopStream") == []
    with bot.agent.engine.connect() as connection:
        assert connection.scalar(text("SELECT status FROM runs")) == "pending"


# --- tables, charts and refused blocks ------------------------------------------------------


def test_a_notice_refused_by_the_validator_goes_as_text(bot, fake_anthropic):
    bot.slack.refuse_blocks("section")

    bot.event(app_mention_event(""))  # a bare mention gets the help
    posts = bot.slack.wait_for("chat.postMessage", 2)
    bot.drain()

    assert posts[0]["blocks"] and "blocks" not in posts[1]
    assert bot.slack.calls[-1].ok and "orange soda" in posts[1]["text"]


def test_a_table_is_a_paged_sortable_data_table(bot, fake_anthropic):
    answer = _ask(bot, fake_anthropic, TABLE_PROGRAM, "chips deals at every store")

    table = _block(answer, "data_table")
    header, *rows = table["rows"]
    assert [cell["text"] for cell in header] == ["product", "store", "price"]
    assert rows and all(row[2]["type"] == "raw_number" for row in rows)  # sorts as numbers
    assert table["page_size"] == min(10, len(rows))
    assert answer["text"] == f"{len(rows)} chips deals at every store."


def test_a_refused_data_table_falls_back_to_the_table_block_and_is_logged_once(
    bot, fake_anthropic, caplog
):
    bot.slack.refuse_blocks("data_table")
    caplog.set_level(logging.WARNING, logger="bot.slack.reply")

    answers = [_ask(bot, fake_anthropic, TABLE_PROGRAM) for _ in range(2)]

    for answer in answers:
        assert _block(answer, "table")["rows"][0][0]["text"] == "product"
        assert not any(block["type"] == "data_table" for block in answer["blocks"])
    refusals = [r for r in caplog.records if "refused the rich rendering" in r.getMessage()]
    assert len(refusals) <= 1  # logged once (an earlier test may have logged it already)


def test_a_chart_is_a_data_visualization(bot, fake_anthropic):
    answer = _ask(bot, fake_anthropic, CHART_PROGRAM)

    chart = _block(answer, "data_visualization")
    assert chart["title"] == "Tide Pods price"
    assert chart["chart"]["axis_config"] == {
        "categories": ["Jan", "Feb", "Mar"],
        "y_label": "Price ($)",
    }
    assert [p["value"] for p in chart["chart"]["series"][0]["data"]] == [12.99, 11.49, 10.99]
    assert bot.slack.uploads() == []


@pytest.mark.parametrize("why", ["refused", "too-wide"])
def test_a_chart_slack_will_not_draw_is_a_png_in_the_thread(bot, fake_anthropic, why):
    if why == "refused":
        bot.slack.refuse_blocks("data_visualization")
    answer = _ask(bot, fake_anthropic, CHART_PROGRAM if why == "refused" else WIDE_CHART_PROGRAM)

    [upload] = bot.slack.uploads()
    assert upload["content"].startswith(b"\x89PNG\r\n\x1a\n")
    assert upload["thread_ts"] == answer["thread_ts"] and upload["channel"] == CHANNEL_ID
    assert not any(block["type"] == "data_visualization" for block in answer["blocks"])
    assert "is in the thread" in json.dumps(answer["blocks"])


def test_when_every_block_rendering_is_refused_the_answer_goes_as_text_and_files(
    bot, fake_anthropic
):
    bot.slack.refuse_blocks("container")  # the rich and basic renderings both hold one

    answer = _ask(bot, fake_anthropic, TABLE_PROGRAM)

    assert not answer.get("blocks")
    assert answer["text"].endswith("chips deals at every store.")
    files = {upload["name"]: upload for upload in bot.slack.uploads()}
    assert files["program.py"]["content"].decode() == TABLE_PROGRAM
    assert files["program.py"]["snippet_type"] == "python"
    assert files["table.csv"]["content"].startswith(b"product,store,price")


def test_a_posted_answer_refused_by_the_validator_is_sent_plainer(bot, fake_anthropic):
    bot.slack.refuse_blocks("markdown")
    fake_anthropic.reply_text("Chips are BOGO.")

    bot.form(slash_command_body("ask any chips deals?"))  # no thread: placeholder and update
    updates = bot.slack.wait_for("chat.update", 2)
    bot.drain()

    assert updates[0]["blocks"][1]["type"] == "markdown"
    assert bot.slack.calls[-1].ok
    final = bot.slack.message(CHANNEL_ID, updates[-1]["ts"])
    assert "Chips are BOGO." in final["text"] and not final.get("blocks")


# --- follow-ups without a mention --------------------------------------------------------------


def test_a_reply_in_dealbots_thread_is_answered_without_a_mention(bot, fake_anthropic):
    first = app_mention_event("any orange soda deals?")
    fake_anthropic.reply_text("Sunkist is $4.99 at Mission.")
    bot.event(first)
    streamed_answer(bot.slack)
    bot.drain()
    fake_anthropic.reply_text("It ends Sunday.")

    thread = first["event"]["ts"]
    bot.event(channel_message_event("when does it end?", thread_ts=thread))
    answer = streamed_answer(bot.slack, 2)

    assert answer["thread_ts"] == thread and answer["text"] == "It ends Sunday."
    messages = fake_anthropic.last_request.messages
    assert messages[0]["content"] == "any orange soda deals?"


@pytest.mark.parametrize(
    "where",
    ["top-level", "another-thread", "private-top-level"],
)
def test_other_channel_messages_are_ignored(bot, fake_anthropic, where):
    if where == "top-level":
        event = channel_message_event("cheap soda anyone?")
    elif where == "another-thread":
        event = channel_message_event("lunch?", thread_ts=new_ts())
    else:
        event = channel_message_event("hi all", channel="G0PRIVATE", channel_type="group")

    status, _ = bot.event(event)
    bot.drain()

    assert status == 200
    assert _methods(bot.slack) == []
    assert fake_anthropic.requests == []
    with bot.agent.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(RunRow)) == 0


def test_a_thread_reply_with_a_mention_is_answered_once(bot, fake_anthropic):
    first = app_mention_event("any chips?")
    fake_anthropic.reply_text("Chips are BOGO.")
    bot.event(first)
    streamed_answer(bot.slack)
    bot.drain()
    fake_anthropic.reply_text("Until Sunday.")
    mention = app_mention_event("until when?", thread_ts=first["event"]["ts"])
    # Slack sends the same message as app_mention and as message.channels.
    as_message = channel_message_event(
        mention["event"]["text"], thread_ts=first["event"]["ts"], ts=mention["event"]["ts"]
    )

    bot.event(mention)
    bot.event(as_message)
    streamed_answer(bot.slack, 2)
    bot.drain()

    assert len(fake_anthropic.requests) == 2
    assert len(bot.slack.calls_to("chat.stopStream")) == 2


# --- the agent surface: prompts, greeting, App Home -------------------------------------------


def test_opening_the_dm_sets_suggested_prompts_and_greets_a_first_timer_once(bot):
    for _ in range(2):
        bot.event(app_home_opened_event("messages"))
        bot.drain()

    prompts = bot.slack.suggested_prompts(DM_CHANNEL_ID)
    assert prompts["prompts"] == list(SUGGESTED_PROMPTS) and len(prompts["prompts"]) <= 4
    assert all(
        "thread_ts" not in call
        for call in bot.slack.calls_to("assistant.threads.setSuggestedPrompts")
    )
    greetings = bot.slack.calls_to("chat.postMessage")
    assert len(greetings) == 1 and greetings[0]["channel"] == DM_CHANNEL_ID
    assert f"<@{USER_ID}>" in json.dumps(greetings[0]["blocks"])


def test_the_home_tab_lists_recent_questions_with_their_answers_and_links(bot, fake_anthropic):
    _ask(
        bot,
        fake_anthropic,
        "final_answer('Fanta is $1.99 at Mission.\\nMore lines.')",
        "orange soda deals?",
    )

    bot.event(app_home_opened_event("home"))
    bot.drain()

    view = bot.slack.home_view(USER_ID)
    text = json.dumps(view["blocks"])
    assert "orange soda deals?" in text and "Fanta is $1.99 at Mission." in text
    assert "More lines." not in text  # the first line only
    run = bot.agent.history.recent(limit=1)[0]
    link = f"/archives/{CHANNEL_ID}/p{run.reply_ts.replace('.', '')}"
    assert link in text and "<!date^" in text
    assert "/dealbot ask" in text  # how to ask


def test_the_home_tab_lists_the_users_watches_with_their_controls(bot):
    bot.service.watches.store.create(
        NewWatch(
            team_id="T0DEALS",
            owner_id=USER_ID,
            target="channel",
            channel_id=CHANNEL_ID,
            thread_ts=None,
            question="any deals on orange soda?",
            code="final_answer('x')",
            source_run_id="abc1234",
            timezone="America/Chicago",
            schedule=parse_schedule("every Friday at 9am"),
        )
    )

    bot.event(app_home_opened_event("home"))
    bot.drain()

    text = json.dumps(bot.slack.home_view(USER_ID)["blocks"])
    assert "Your watches (1)" in text and "any deals on orange soda?" in text
    assert "every Friday at 9:00" in text
    assert "watch_pause" in text and "watch_run_now" in text


def test_the_manifest_offers_the_same_prompts_and_the_home_tab():
    features = load_manifest()["features"]

    assert features["agent_view"]["suggested_prompts"] == list(SUGGESTED_PROMPTS)
    assert len(features["agent_view"]["agent_description"]) <= 300
    assert features["app_home"]["home_tab_enabled"] is True


# --- the footer and the code view --------------------------------------------------------------


def test_the_code_view_names_the_model_and_counts_without_a_cost_by_default(bot, fake_anthropic):
    answer = _ask(bot, fake_anthropic, "final_answer('ok')\n")

    container = _block(answer, "container")
    assert container["title"]["text"] == "Program (1 line)"
    view = container["child_blocks"][1]["elements"][0]["text"]
    assert view.startswith("claude-sonnet-5-5 · 1 model call · 0 tool calls · ")
    assert "$" not in view
    run = bot.agent.history.recent(limit=1)[0]
    assert f"run `{run.run_id}`" in json.dumps(answer["blocks"])


def test_the_operator_can_show_the_cost_in_the_code_view(demo_engine, fake_slack, fake_anthropic):
    with running_bot(demo_engine, fake_slack, fake_anthropic, dealbot_show_cost=True) as bot:
        answer = _ask(bot, fake_anthropic, "final_answer('ok')")

    view = _block(answer, "container")["child_blocks"][1]["elements"][0]["text"]
    # 100 input and 20 output tokens at claude-sonnet-5-5's prices in evals/prices.yaml.
    assert view.endswith(f"≈ ${(100 * 3.00 + 20 * 15.00) / 1_000_000:.4f}")
