"""The Slack app end to end: signed HTTP requests in, Web API calls out, the model scripted."""

from __future__ import annotations

import json
import threading
from datetime import UTC, timedelta

import pytest
from sqlalchemy import text

from bot.history import History
from bot.ops import metrics
from bot.records import Origin
from bot.slack.recovery import recover
from tests.bot.slack_harness import running_bot, streamed_answer
from tests.fakes.anthropic_api import overloaded_reply, tool_use_reply
from tests.fakes.slack_api import BOT_ID, BOT_USER_ID, CHANNEL_ID, DM_CHANNEL_ID, USER_ID
from tests.fakes.slack_payloads import (
    app_home_opened_event,
    app_mention_event,
    block_actions_body,
    bot_message_event,
    dm_message_event,
    message_changed_event,
    message_deleted_event,
    slash_command_body,
)

OTHER_USER = "U0NEIGHBOUR"


def _with_file(payload: dict) -> dict:
    """The message as Slack sends it with a file attached (subtype file_share)."""
    payload["event"] |= {"subtype": "file_share", "files": [{"id": "F0PHOTO", "name": "a.jpg"}]}
    return payload


@pytest.fixture
def bot(demo_engine, fake_slack, fake_anthropic):
    fake_slack.add_user(USER_ID, tz="America/Chicago")
    fake_slack.set_members(CHANNEL_ID, [USER_ID, BOT_USER_ID])
    with running_bot(demo_engine, fake_slack, fake_anthropic) as running:
        yield running


def _answer_update(slack, count: int = 1) -> dict:
    return slack.wait_for("chat.update", count)[count - 1]


_answer = streamed_answer


def _block_types(blocks: list[dict]) -> list[str]:
    return [block["type"] for block in blocks]


def test_mention_is_answered_in_its_thread_with_a_status_then_a_stream(bot, fake_anthropic):
    fake_anthropic.reply_code("final_answer('**Fanta Orange 2L** is $1.99 at Mission.')")
    event = app_mention_event("Any deals on orange soda this weekend?")
    thread = event["event"]["ts"]

    status, _ = bot.event(event)

    assert status == 200
    answer = _answer(bot.slack)
    [shown] = bot.slack.calls_to("assistant.threads.setStatus")
    assert shown["thread_ts"] == thread and shown["channel_id"] == CHANNEL_ID
    methods = [call.method for call in bot.slack.calls]
    assert methods.index("assistant.threads.setStatus") < methods.index("chat.startStream")
    assert answer["thread_ts"] == thread
    assert answer["text"] == "**Fanta Orange 2L** is $1.99 at Mission."  # Markdown, as written
    container = next(b for b in answer["blocks"] if b["type"] == "container")
    assert container["is_collapsible"] is True and container["default_collapsed"] is True
    assert container["title"]["text"] == "Program (1 line)"
    fence = container["child_blocks"][0]["text"]["text"]
    assert fence == "```\nfinal_answer('**Fanta Orange 2L** is $1.99 at Mission.')\n```"
    bot.drain()
    run = bot.agent.history.recent(limit=1)[0]
    assert f"run `{run.run_id}`" in json.dumps(answer["blocks"])
    assert "context_actions" in _block_types(answer["blocks"])
    assert run.reply_ts == answer["ts"]
    assert bot.slack.calls_to("chat.postMessage") == []  # no placeholder


def test_dm_is_answered_in_the_dm_in_its_messages_thread(bot, fake_anthropic):
    fake_anthropic.reply_text("Try asking about a product.")
    event = dm_message_event("hello there")

    bot.event(event)

    answer = _answer(bot.slack)
    assert answer["channel"] == DM_CHANNEL_ID
    assert answer["thread_ts"] == event["event"]["ts"]
    assert "Try asking about a product." in answer["text"]


@pytest.mark.parametrize(
    "payload",
    [
        bot_message_event("I am another bot"),
        bot_message_event("my own echo", bot_id=BOT_ID, user=BOT_USER_ID),
        bot_message_event("classic bot", classic=True),
        message_changed_event("edited question", "question"),
        message_deleted_event("question"),
    ],
    ids=["other-bot", "own-echo", "classic-bot", "edit", "deletion"],
)
def test_bots_edits_and_deletions_are_ignored(bot, fake_anthropic, payload):
    status, _ = bot.event(payload)

    bot.drain()
    assert status == 200
    assert [call.method for call in bot.slack.calls if call.method != "auth.test"] == []
    assert fake_anthropic.requests == []


def test_ack_comes_before_the_slow_answer(bot, fake_anthropic):
    fake_anthropic.push(tool_use_reply({"code": "final_answer('slow')"}, delay=1.0))

    status, _ = bot.event(app_mention_event("anything on sale?"))

    assert status == 200
    assert bot.slack.calls_to("chat.stopStream") == []  # acked while the model still thinks
    assert "slow" in _answer(bot.slack)["text"]


def test_redelivered_event_is_answered_once(bot, fake_anthropic):
    fake_anthropic.push(tool_use_reply({"code": "final_answer('once')"}, delay=0.3))
    fake_anthropic.reply_code("final_answer('twice')")
    event = app_mention_event("Any deals on chips?")

    bot.event(event)
    status, _ = bot.event(event, retry_num=1)
    bot.drain()

    assert status == 200
    assert len(fake_anthropic.requests) == 1
    assert len(bot.slack.calls_to("chat.stopStream")) == 1
    assert fake_anthropic.pending == 1


def test_model_outage_ends_in_a_short_human_reply(bot, fake_anthropic):
    fake_anthropic.push(overloaded_reply(), overloaded_reply())

    bot.event(app_mention_event("Any deals on orange soda?"))

    answer = _answer(bot.slack)
    assert "overloaded" in answer["text"]
    assert "Traceback" not in json.dumps(answer)
    assert bot.agent.history.recent(limit=1)[0].status == "failed"


def test_empty_mention_gets_help(bot, fake_anthropic):
    bot.event(app_mention_event(""))

    [reply] = bot.slack.wait_for("chat.postMessage")
    assert "orange soda" in reply["text"]
    assert fake_anthropic.requests == []


@pytest.mark.parametrize(
    ("payload", "says"),
    [
        (dm_message_event(f"<@{BOT_USER_ID}>"), "orange soda"),  # the help
        (app_mention_event("\u200b"), "orange soda"),
        (dm_message_event(" \u200b\u2060 "), "orange soda"),
        (_with_file(dm_message_event("")), "can't look at files"),
    ],
    ids=["dm-mention-only", "zero-width-mention", "zero-width-dm", "dm-file-alone"],
)
def test_a_message_asking_nothing_in_words_gets_a_reply_and_no_model_call(
    bot, fake_anthropic, payload, says
):
    bot.event(payload)

    [reply] = bot.slack.wait_for("chat.postMessage")
    assert says in reply["text"]
    assert fake_anthropic.requests == []


def test_a_dm_with_a_file_and_words_is_a_question(bot, fake_anthropic):
    fake_anthropic.reply_text("Chips are BOGO at Mission.")

    bot.event(_with_file(dm_message_event("any deals on these chips?")))

    assert "Chips are BOGO" in _answer(bot.slack)["text"]
    assert "any deals on these chips?" in json.dumps(fake_anthropic.requests[0].body["messages"])


def test_someone_elses_mention_reaches_the_model_as_a_name_not_a_ping(bot, fake_anthropic):
    fake_anthropic.reply_text("Here you go.")

    bot.event(app_mention_event("chips deals for <@U0FRIEND|sam> and <@U0OTHER>?"))

    _answer(bot.slack)
    asked = json.dumps(fake_anthropic.requests[0].body["messages"])
    assert "chips deals for @sam and @someone?" in asked and "U0FRIEND" not in asked


def test_follow_up_in_the_thread_continues_the_conversation(bot, fake_anthropic):
    fake_anthropic.reply_code("final_answer('Sunkist 12pk is $4.99 at Mission.')")
    fake_anthropic.reply_code("final_answer('It ends Sunday.')")
    first = app_mention_event("Any orange soda deals?")

    bot.event(first)
    _answer(bot.slack)
    bot.event(app_mention_event("when does it end?", thread_ts=first["event"]["ts"]))
    _answer(bot.slack, 2)

    messages = fake_anthropic.last_request.messages
    assert messages[0]["content"] == "Any orange soda deals?"
    assert "Sunkist 12pk is $4.99 at Mission." in messages[1]["content"]


def test_users_time_zone_reaches_the_prompt(bot, fake_anthropic):
    fake_anthropic.reply_text("ok")

    bot.event(app_mention_event("deals today?"))
    _answer(bot.slack)

    assert "America/Chicago" in fake_anthropic.last_request.messages[-1]["content"]


def test_text_from_the_model_is_shown_never_obeyed(bot, fake_anthropic):
    hostile = "<!channel> @here ping <@U0BOSS> <https://evil.example|bank> \u202eevil\u202c done"
    fake_anthropic.reply_text(hostile)

    bot.event(app_mention_event("deals?"))

    answer = _answer(bot.slack)
    everything = answer["text"] + json.dumps(answer["blocks"], ensure_ascii=False)
    for forbidden in ("<!channel>", "<@U0BOSS>", "<https://", "@here", "\u202e", "\u202c"):
        assert forbidden not in everything
    assert "＜!channel>" in answer["text"]  # shown, never a mention


def test_long_program_gets_a_view_full_code_button_that_opens_a_modal(bot, fake_anthropic):
    code = "\n".join(f"x{i} = {i}" for i in range(600)) + "\nfinal_answer(str(x599))"
    fake_anthropic.reply_code(code)
    bot.event(app_mention_event("long one"))
    answer = _answer(bot.slack)
    actions = next(b for b in answer["blocks"] if b["type"] == "actions")
    button = actions["elements"][0]
    assert button["action_id"] == "view_code"

    bot.form(block_actions_body("view_code", button["value"]))

    [opened] = bot.slack.wait_for("views.open")
    modal_code = "".join(
        b["elements"][0]["elements"][0]["text"]
        for b in opened["view"]["blocks"]
        if b["type"] == "rich_text"
    )
    assert modal_code == code


def test_feedback_click_is_stored_with_the_run(bot, fake_anthropic):
    fake_anthropic.reply_text("ok")
    bot.event(app_mention_event("deals?"))
    _answer(bot.slack)
    run = bot.agent.history.recent(limit=1)[0]

    status, _ = bot.form(block_actions_body("feedback", f"down:{run.run_id}"))
    bot.drain()

    assert status == 200
    assert bot.agent.history.get(run.run_id).feedback == "down"


@pytest.mark.parametrize("text", ["help", ""])
def test_slash_help(bot, text):
    status, body = bot.form(slash_command_body(text))

    assert status == 200
    reply = json.loads(body)
    assert reply["response_type"] == "ephemeral"
    assert "/dealbot ask" in json.dumps(reply["blocks"])


def test_unknown_subcommand_is_explained(bot):
    _, body = bot.form(slash_command_body("frobnicate now"))

    assert "I don't know `frobnicate`" in json.loads(body)["text"]


def test_slash_ask_answers_in_the_channel_with_the_question_shown(bot, fake_anthropic):
    fake_anthropic.reply_text("Yes: chips are BOGO.")

    status, _ = bot.form(slash_command_body("ask any chips deals?"))

    assert status == 200
    update = _answer_update(bot.slack)
    assert update["channel"] == CHANNEL_ID
    assert f"<@{USER_ID}> asked: any chips deals?" in update["text"]


def test_slash_ask_where_the_bot_cannot_post_answers_privately(bot, fake_anthropic):
    fake_anthropic.reply_text("Privately: chips are BOGO.")
    bot.slack.fail_next("chat.postMessage", "not_in_channel", times=2)
    response_url = bot.slack.response_url()

    bot.form(slash_command_body("ask any chips deals?", response_url=response_url))

    [reply] = bot.slack.wait_for("response_url")
    assert reply["response_type"] == "ephemeral"
    assert "Privately: chips are BOGO." in reply["text"]


def test_slash_history_lists_the_askers_runs_privately(bot, fake_anthropic):
    fake_anthropic.reply_code("final_answer('one')")
    bot.event(app_mention_event("first question"))
    _answer(bot.slack)

    _, body = bot.form(slash_command_body("history 5"))

    reply = json.loads(body)
    assert reply["response_type"] == "ephemeral"
    run = bot.agent.history.recent(limit=1)[0]
    assert (
        run.run_id in json.dumps(reply["blocks"])
        and "first question" in reply["blocks"][1]["text"]["text"]
    )


@pytest.mark.parametrize("argument", ["0", "x", "999"])
def test_slash_history_bad_count_is_explained(bot, argument):
    _, body = bot.form(slash_command_body(f"history {argument}"))
    assert "Usage: `/dealbot history [N]`" in json.loads(body)["text"]


def _asked_run(bot, fake_anthropic, *, dm: bool = False) -> str:
    fake_anthropic.reply_code("final_answer('secret-ish answer')")
    bot.event(dm_message_event("my question") if dm else app_mention_event("my question"))
    _answer(bot.slack)
    return bot.agent.history.recent(limit=1)[0].run_id


def _code_reply(bot, run_id: str, user: str) -> dict:
    earlier = len(bot.slack.calls_to("response_url"))
    response_url = bot.slack.response_url()
    bot.form(slash_command_body(f"code {run_id}", user=user, response_url=response_url))
    return bot.slack.wait_for("response_url", earlier + 1)[-1]


def test_code_is_shown_to_a_member_of_the_channel(bot, fake_anthropic):
    run_id = _asked_run(bot, fake_anthropic)
    bot.slack.set_members(CHANNEL_ID, [USER_ID, OTHER_USER])

    reply = _code_reply(bot, run_id, OTHER_USER)

    assert "final_answer('secret-ish answer')" in json.dumps(reply["blocks"])


def test_code_is_refused_to_someone_outside_the_channel(bot, fake_anthropic):
    run_id = _asked_run(bot, fake_anthropic)

    reply = _code_reply(bot, run_id, OTHER_USER)

    assert "can't find a run" in reply["text"]
    assert "secret-ish" not in json.dumps(reply)


def test_dm_runs_are_their_users_alone(bot, fake_anthropic):
    run_id = _asked_run(bot, fake_anthropic, dm=True)

    assert "can't find a run" in _code_reply(bot, run_id, OTHER_USER)["text"]
    assert "secret-ish" in json.dumps(_code_reply(bot, run_id, USER_ID)["blocks"])


def test_rate_limit_answers_the_excess_without_a_model_call(
    demo_engine, fake_slack, fake_anthropic
):
    with running_bot(demo_engine, fake_slack, fake_anthropic, dealbot_rate_limit=1) as bot:
        fake_anthropic.reply_text("first answer")
        bot.event(app_mention_event("one"))
        _answer(bot.slack)
        bot.drain()
        bot.event(app_mention_event("two"))
        bot.drain()

    assert len(fake_anthropic.requests) == 1
    reply = fake_slack.calls_to("chat.postMessage")[-1]["text"]
    assert "You've asked 1 question in the last hour — that's my limit for now." in reply
    first = bot.agent.history.recent(limit=2)[-1]
    again = int((first.created_at.replace(tzinfo=UTC) + timedelta(hours=1)).timestamp())
    # When they can ask again, in the reader's own time (the later question counts too).
    assert "You can ask again <!date^" in reply
    assert abs(int(reply.split("<!date^")[1].split("^")[0]) - again) <= 5


def test_questions_and_answers_are_counted_once_each_and_nothing_else_is(
    demo_engine, fake_slack, fake_anthropic
):
    registry = metrics.shared().registry

    def count(name: str, **labels: str) -> float:
        return registry.get_sample_value(name, labels) or 0.0

    before = count("dealbot_questions_total"), count("dealbot_answers_total", status="failed")
    with running_bot(demo_engine, fake_slack, fake_anthropic, dealbot_rate_limit=1) as bot:
        fake_anthropic.reply_text("first answer")
        bot.event(app_mention_event("one"))
        _answer(bot.slack)
        bot.drain()
        bot.event(app_home_opened_event("home"))  # not a question
        bot.event(app_mention_event("two"))  # over the limit: a failed answer
        bot.drain()

    after = count("dealbot_questions_total"), count("dealbot_answers_total", status="failed")
    assert (after[0] - before[0], after[1] - before[1]) == (2, 1)


def test_rate_limit_of_a_slash_command_is_told_to_the_asker_alone(
    demo_engine, fake_slack, fake_anthropic
):
    with running_bot(demo_engine, fake_slack, fake_anthropic, dealbot_rate_limit=1) as bot:
        fake_anthropic.reply_text("first answer")
        bot.form(slash_command_body("ask chips?"))
        _answer_update(bot.slack)
        bot.drain()
        posted = len(fake_slack.calls_to("chat.postMessage"))
        response_url = bot.slack.response_url()
        bot.form(slash_command_body("ask soda?", response_url=response_url))
        bot.drain()

        [reply] = bot.slack.wait_for("response_url")
    assert reply["response_type"] == "ephemeral"
    assert "that's my limit for now" in reply["text"]
    assert len(fake_slack.calls_to("chat.postMessage")) == posted  # nothing in the channel
    assert len(fake_anthropic.requests) == 1


def test_unanswered_question_is_answered_after_a_restart(bot, fake_anthropic):
    origin = Origin(
        source="slack",
        team_id="T0DEALS",
        channel_id=CHANNEL_ID,
        user_id=USER_ID,
        thread_ts="1700000000.000100",
    )
    run = bot.agent.record("orphaned question", origin=origin, event_key="msg:orphan")
    fake_anthropic.reply_text("Recovered answer.")

    handled = recover(bot.service, bot.app, stale_after=timedelta(0))

    assert handled == 1
    answer = _answer(bot.slack)
    assert "Recovered answer." in answer["text"]
    assert bot.agent.history.get(run.run_id).status == "ok"
    assert recover(bot.service, bot.app, stale_after=timedelta(0)) == 0


@pytest.mark.postgres
def test_two_processes_sharing_postgres_answer_an_event_once(
    postgres_url, fake_slack, fake_anthropic
):
    import tools
    from bot.database import make_engine, upgrade

    engines = [make_engine(postgres_url), make_engine(postgres_url)]
    upgrade(engines[0])
    tools.seed_demo(engines[0], products=200, deals=1000)
    fake_anthropic.responder = lambda _r: tool_use_reply({"code": "final_answer('hi')"}, delay=0.2)
    event = app_mention_event("Any deals on soda?")
    with (
        running_bot(engines[0], fake_slack, fake_anthropic) as one,
        running_bot(engines[1], fake_slack, fake_anthropic) as two,
    ):
        threads = [
            threading.Thread(target=b.event, args=(event,), kwargs={"retry_num": n})
            for n, b in enumerate((one, two))
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        one.drain()
        two.drain()

    assert len(fake_anthropic.requests) == 1
    assert len(fake_slack.calls_to("chat.stopStream")) == 1
    assert len(History(engines[0]).recent(limit=10)) == 1
    for engine in engines:
        engine.dispose()


def test_database_failure_is_told_to_the_asker(bot, fake_anthropic, tmp_path):
    from bot.database import make_engine

    broken = make_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'dealbot.db'}")
    bot.agent.history = History(broken)

    bot.event(app_mention_event("Any deals on orange soda?"))

    [reply] = bot.slack.wait_for("chat.postMessage")
    assert "couldn't take your question" in reply["text"]
    assert fake_anthropic.requests == []


def test_slack_rate_limit_is_retried_by_the_sdk(bot, fake_anthropic):
    fake_anthropic.reply_text("Answer after a 429.")
    bot.slack.rate_limit_next("chat.stopStream", retry_after=0)

    bot.event(app_mention_event("deals?"))

    answer = _answer(bot.slack)
    assert "Answer after a 429." in answer["text"]
    assert len(bot.slack.calls_to("chat.stopStream")) == 2  # the 429, then the retry
    assert len(bot.slack.calls_to("chat.startStream")) == 1  # retried, not re-posted
    assert bot.slack.calls_to("chat.postMessage") == []


def test_a_question_too_old_to_answer_gets_an_escaped_apology(bot, fake_anthropic):
    origin = Origin(source="slack", team_id="T0DEALS", channel_id=CHANNEL_ID, user_id=USER_ID)
    run = bot.agent.record("<!channel> old question", origin=origin)

    with bot.agent.history.engine.begin() as connection:
        connection.execute(
            text("UPDATE runs SET created_at = :old WHERE run_id = :id"),
            {"old": run.created_at - timedelta(days=1), "id": run.run_id},
        )
    recover(bot.service, bot.app, stale_after=timedelta(0))

    [reply] = bot.slack.wait_for("chat.postMessage")
    assert "restarted before I could answer" in reply["text"]
    assert "<!channel>" not in reply["text"] and "&lt;!channel&gt;" in reply["text"]
    assert bot.agent.history.get(run.run_id).status == "failed"
    assert fake_anthropic.requests == []


def test_a_top_level_dm_continues_the_dm_conversation(bot, fake_anthropic):
    fake_anthropic.reply_text("Fanta is $1.99 at Mission.")
    fake_anthropic.reply_text("It ends Sunday.")

    bot.event(dm_message_event("any orange soda deals?"))
    _answer(bot.slack)
    bot.drain()
    bot.event(dm_message_event("when does it end?"))
    _answer(bot.slack, 2)

    messages = fake_anthropic.last_request.messages
    assert messages[0]["content"] == "any orange soda deals?"
    assert "Fanta is $1.99 at Mission." in messages[1]["content"]


def test_a_new_mention_in_a_channel_starts_a_new_conversation(bot, fake_anthropic):
    fake_anthropic.reply_text("first answer")
    fake_anthropic.reply_text("second answer")

    bot.event(app_mention_event("first question"))
    _answer(bot.slack)
    bot.drain()
    bot.event(app_mention_event("second question"))
    _answer(bot.slack, 2)

    assert len(fake_anthropic.last_request.messages) == 1
