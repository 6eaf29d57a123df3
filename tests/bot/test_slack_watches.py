"""Watches in Slack end to end: the 🔔 Watch button and modal, /dealbot watch and watches, and
the buttons that manage them — signed requests in, Web API calls out, the model scripted."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest

from bot.database import today_in
from bot.history import utcnow
from bot.slack.watches import split_schedule
from bot.slack.work import WorkPool
from bot.watches.scheduler import run_due
from tests.bot.slack_harness import running_bot, streamed_answer
from tests.fakes.anthropic_api import tool_use_reply
from tests.fakes.slack_api import BOT_USER_ID, CHANNEL_ID, USER_ID
from tests.fakes.slack_payloads import (
    app_mention_event,
    block_actions_body,
    slash_command_body,
    view_submission_body,
)

PROGRAM = "final_answer('Fanta Orange 2L is $1.99 at Mission.')"
# An answer that differs from run to run: a watch's scheduled run posts it.
CHANGING = (
    "from datetime import datetime\n"
    "final_answer(f'Fanta Orange 2L is $1.99 at Mission (as of {datetime.now()}).')"
)
NEIGHBOUR = "U0NEIGHBOUR"


@pytest.fixture
def bot(demo_engine, fake_slack, fake_anthropic):
    fake_slack.add_user(USER_ID, tz="America/Chicago")
    fake_slack.set_members(CHANNEL_ID, [USER_ID, NEIGHBOUR, BOT_USER_ID])
    with running_bot(demo_engine, fake_slack, fake_anthropic) as running:
        yield running


@pytest.fixture
def store(bot):
    return bot.service.watches.store


def _answer(bot, fake_anthropic) -> tuple[dict, str]:
    """A mention answered with a program: the answer's blocks and its run id."""
    fake_anthropic.reply_code(PROGRAM)
    bot.event(app_mention_event("Any deals on orange soda this weekend?"))
    update = streamed_answer(bot.slack)
    bot.drain()
    actions = next(b for b in update["blocks"] if b.get("block_id") == "answer_actions")
    [watch_button] = [e for e in actions["elements"] if e["action_id"] == "watch_open"]
    return update, watch_button["value"]


def _open_modal(bot, run_id: str, update: dict) -> dict:
    message = bot.slack.message(CHANNEL_ID, update["ts"])
    bot.form(block_actions_body("watch_open", run_id, message=message))
    return bot.slack.wait_for("views.open")[-1]["view"]


def _values(typed: str = "", preset: str = "every day at 9:00", where: str = "here", changes=True):
    selected = [{"value": "yes", "text": {"type": "plain_text", "text": "x"}}] if changes else []
    return {
        "schedule_preset": {
            "preset": {"type": "static_select", "selected_option": {"value": preset}}
        },
        "schedule_text": {"typed": {"type": "plain_text_input", "value": typed or None}},
        "where": {"where": {"type": "radio_buttons", "selected_option": {"value": where}}},
        "only_changes": {"only_changes": {"type": "checkboxes", "selected_options": selected}},
    }


def test_the_watch_button_opens_a_modal_and_submitting_it_creates_the_watch(
    bot, store, fake_anthropic
):
    update, run_id = _answer(bot, fake_anthropic)
    view = _open_modal(bot, run_id, update)
    assert view["callback_id"] == "watch_create"
    blocks = {block.get("block_id") for block in view["blocks"]}
    assert {"schedule_preset", "schedule_text", "where", "only_changes"} <= blocks

    status, body = bot.form(view_submission_body(view, _values(typed="every Friday at 9am")))

    assert status == 200
    assert json.loads(body)["response_action"] == "update"
    [watch] = store.of_owner("T0DEALS", USER_ID)
    assert watch.schedule.describe() == "every Friday at 9:00"
    assert watch.timezone == "America/Chicago" and watch.only_changes
    assert (watch.target, watch.channel_id, watch.thread_ts) == (
        "thread",
        CHANNEL_ID,
        bot.slack.message(CHANNEL_ID, update["ts"])["thread_ts"],
    )
    assert watch.code == PROGRAM and watch.source_run_id == run_id
    assert watch.last_answer == "Fanta Orange 2L is $1.99 at Mission."  # what its owner saw
    assert watch.next_run_at > utcnow()


def test_the_modal_can_send_the_watch_to_the_askers_dms_every_time(bot, store, fake_anthropic):
    update, run_id = _answer(bot, fake_anthropic)
    view = _open_modal(bot, run_id, update)

    bot.form(
        view_submission_body(view, _values(preset="weekdays at 8:00", where="dm", changes=False))
    )

    [watch] = store.of_owner("T0DEALS", USER_ID)
    assert (watch.target, watch.channel_id, watch.only_changes) == ("dm", USER_ID, False)
    assert watch.schedule.describe() == "weekdays at 8:00"


@pytest.mark.parametrize("typed", ["every blursday", "every 10 minutes", "every day at 25:00"])
def test_a_schedule_the_modal_cannot_take_is_shown_on_its_field(bot, store, typed, fake_anthropic):
    update, run_id = _answer(bot, fake_anthropic)
    view = _open_modal(bot, run_id, update)

    _, body = bot.form(view_submission_body(view, _values(typed=typed)))

    answer = json.loads(body)
    assert answer["response_action"] == "errors"
    assert typed.split()[-1] in answer["errors"]["schedule_text"]
    assert store.of_owner("T0DEALS", USER_ID) == []


def test_slash_watch_asks_now_and_keeps_the_program(bot, store, fake_anthropic):
    fake_anthropic.reply_code(PROGRAM)
    response_url = bot.slack.response_url()

    status, _ = bot.form(
        slash_command_body(
            "watch any deals on orange soda? every Friday at 9am", response_url=response_url
        )
    )

    assert status == 200
    answer = bot.slack.wait_for("chat.update")[-1]  # a slash command's answer is not streamed
    assert "Fanta Orange 2L" in answer["text"]
    [confirmation] = bot.slack.wait_for("response_url")
    assert "Watching" in confirmation["text"] and "every Friday at 9:00" in confirmation["text"]
    [watch] = store.of_owner("T0DEALS", USER_ID)
    assert watch.question == "any deals on orange soda?"
    assert (watch.target, watch.channel_id) == ("channel", CHANNEL_ID)
    assert watch.schedule.describe() == "every Friday at 9:00"


def test_slash_watch_without_a_schedule_runs_every_day_at_nine(bot, store, fake_anthropic):
    fake_anthropic.reply_code(PROGRAM)

    bot.form(
        slash_command_body("watch any deals on orange soda?", response_url=bot.slack.response_url())
    )

    bot.slack.wait_for("response_url")
    [watch] = store.of_owner("T0DEALS", USER_ID)
    assert watch.schedule.describe() == "every day at 9:00"


def test_weekly_and_monthly_without_a_day_start_from_the_owners_today(bot):
    # At any moment one of these is on another date than UTC: Kiritimati is UTC+14, Pago Pago
    # UTC-11.
    for timezone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        today = today_in(timezone)
        weekly = bot.service.watches.schedule("weekly", timezone)
        monthly = bot.service.watches.schedule("monthly", timezone)

        assert weekly.days == (today.weekday(),), timezone
        assert monthly.month_day == today.day, timezone


@pytest.mark.parametrize(
    ("text", "question", "schedule"),
    [
        ("any deals on soda? every Friday at 9am", "any deals on soda?", "every Friday at 9am"),
        ("soda at every store every Friday", "soda at every store", "every Friday"),
        ("soda deals weekly on monday at 10am", "soda deals", "weekly on monday at 10am"),
        ("soda deals monthly on the 1st", "soda deals", "monthly on the 1st"),
        ("soda deals", "soda deals", None),
        ("soda? every blue moon", "soda?", "every blue moon"),  # read, and refused
        ("soda every fridya at 9", "soda", "every fridya at 9"),
        ("every store's soda deals?", "every store's soda deals?", None),
        ("what's on sale at every store", "what's on sale at every store", None),
        ("any deals on daily vitamins", "any deals on daily vitamins", None),
        ("best cereal deals at 8am every weekday", "best cereal deals", "at 8am every weekday"),
        ("soda deals at 5pm daily", "soda deals", "at 5pm daily"),
        ("deals at safeway every friday", "deals at safeway", "every friday"),
        ("every Friday at 9am", "", "every Friday at 9am"),
    ],
)
def test_the_schedule_is_the_longest_ending_that_reads_as_one(text, question, schedule):
    assert split_schedule(text) == (question, schedule)


def test_slash_watch_with_a_schedule_it_cannot_read_says_so_in_one_line(bot, store, fake_anthropic):
    _, body = bot.form(slash_command_body("watch any deals on soda? every blue moon"))

    text = json.loads(body)["text"]
    assert "blue moon" in text and "every Friday at 9:00" in text and "\n" not in text
    assert fake_anthropic.requests == [] and store.of_owner("T0DEALS", USER_ID) == []


def test_slash_watch_creates_nothing_when_the_question_fails(bot, store, fake_anthropic):
    fake_anthropic.reply_text("I can only help with deals.")
    bot.form(slash_command_body("watch what's the weather?", response_url=bot.slack.response_url()))

    [reply] = bot.slack.wait_for("response_url")

    assert "No watch created" in reply["text"]
    assert store.of_owner("T0DEALS", USER_ID) == []


def _watch_from_command(bot, fake_anthropic, program: str = PROGRAM) -> str:
    fake_anthropic.reply_code(program)
    bot.form(slash_command_body("watch any soda deals?", response_url=bot.slack.response_url()))
    bot.slack.wait_for("response_url")
    bot.drain()
    return bot.service.watches.store.of_owner("T0DEALS", USER_ID)[0].watch_id


def test_slash_watches_lists_them_with_their_controls(bot, fake_anthropic):
    _watch_from_command(bot, fake_anthropic)

    _, body = bot.form(slash_command_body("watches"))

    listing = json.loads(body)
    assert listing["response_type"] == "ephemeral"
    text = json.dumps(listing["blocks"])
    assert "any soda deals?" in text and "every day at 9:00" in text and "America/Chicago" in text
    assert all(a in text for a in ("watch_pause", "watch_run_now", "watch_delete"))


def test_pausing_from_the_list_redraws_it_with_resume(bot, store, fake_anthropic):
    watch_id = _watch_from_command(bot, fake_anthropic)
    before = len(bot.slack.calls_to("response_url"))
    url = bot.slack.response_url("actions")

    bot.form(block_actions_body("watch_pause", watch_id, is_ephemeral=True, response_url=url))

    [redrawn] = bot.slack.wait_for("response_url", before + 1)[before:]
    assert redrawn["replace_original"] is True and "watch_resume" in json.dumps(redrawn["blocks"])
    assert store.get(watch_id).paused
    bot.form(block_actions_body("watch_resume", watch_id, is_ephemeral=True, response_url=url))
    bot.slack.wait_for("response_url", before + 2)
    assert not store.get(watch_id).paused


def test_run_now_posts_the_answer_even_when_unchanged(bot, store, fake_anthropic):
    watch_id = _watch_from_command(bot, fake_anthropic)
    posts_before = len(bot.slack.calls_to("chat.postMessage"))

    for _ in range(2):
        count = len(bot.slack.calls_to("chat.postMessage"))
        bot.form(
            block_actions_body(
                "watch_run_now", watch_id, response_url=bot.slack.response_url("actions")
            )
        )
        bot.slack.wait_for("chat.postMessage", count + 1)
        time.sleep(1.0)  # a second click within the same second is the same run

    posts = bot.slack.calls_to("chat.postMessage")[posts_before:]
    assert len(posts) == 2 and all(p["text"].startswith("🔔 Watch: any soda deals?") for p in posts)
    assert len(fake_anthropic.requests) == 1  # the question's own call only


def test_run_now_clicked_twice_within_its_second_says_the_second_is_already_running(
    bot, store, fake_anthropic, monkeypatch
):
    watch_id = _watch_from_command(bot, fake_anthropic)
    moment = utcnow()
    monkeypatch.setattr("bot.watches.store.utcnow", lambda: moment)  # both in one second
    before = len(bot.slack.calls_to("response_url"))

    for count in (1, 2):
        url = bot.slack.response_url("actions")
        bot.form(block_actions_body("watch_run_now", watch_id, response_url=url))
        bot.slack.wait_for("response_url", before + count)

    replies = [reply["text"] for reply in bot.slack.calls_to("response_url")[before:]]
    assert replies == ["Running now: “any soda deals?”.", "Already running: “any soda deals?”."]


def test_only_the_owner_may_stop_a_watch(bot, store, fake_anthropic):
    watch_id = _watch_from_command(bot, fake_anthropic)
    before = len(bot.slack.calls_to("response_url"))

    bot.form(
        block_actions_body(
            "watch_delete", watch_id, user=NEIGHBOUR, response_url=bot.slack.response_url("actions")
        )
    )

    [reply] = bot.slack.wait_for("response_url", before + 1)[before:]
    assert reply["text"] == "Only the person who made this watch can change it."
    assert store.get(watch_id) is not None
    bot.form(
        block_actions_body("watch_delete", watch_id, response_url=bot.slack.response_url("actions"))
    )
    bot.slack.wait_for("response_url", before + 2)
    assert store.get(watch_id) is None


def test_a_new_watch_says_nothing_while_the_answer_is_the_one_its_owner_saw(
    bot, store, fake_anthropic
):
    watch = store.get(_watch_from_command(bot, fake_anthropic))
    posts = len(bot.slack.calls_to("chat.postMessage"))

    outcomes = run_due(bot.service.watches.runner, watch.next_run_at + timedelta(seconds=1))

    assert outcomes == {"unchanged": 1}
    assert len(bot.slack.calls_to("chat.postMessage")) == posts


def test_a_scheduled_post_is_valid_block_kit_with_pause_and_stop(bot, store, fake_anthropic):
    watch_id = _watch_from_command(bot, fake_anthropic, CHANGING)
    watch = store.get(watch_id)

    outcomes = run_due(bot.service.watches.runner, watch.next_run_at + timedelta(seconds=1))

    assert outcomes["posted"] == 1
    post = bot.slack.calls_to("chat.postMessage")[-1]
    assert post["channel"] == CHANNEL_ID
    assert "watch_pause" in json.dumps(post["blocks"]) and "🔔 Watch" not in json.dumps(
        [b for b in post["blocks"] if b.get("block_id") == "answer_actions"]
    )


def test_a_post_refused_with_429_is_retried_after_retry_after(bot, store, fake_anthropic):
    watch = store.get(_watch_from_command(bot, fake_anthropic, CHANGING))
    bot.slack.rate_limit_next("chat.postMessage", retry_after=1)
    before = len(bot.slack.calls_to("chat.postMessage"))

    outcomes = run_due(bot.service.watches.runner, watch.next_run_at + timedelta(seconds=1))

    assert outcomes["posted"] == 1
    attempts = bot.slack.calls[-2:]
    assert [call.status for call in attempts] == [429, 200]
    assert len(bot.slack.calls_to("chat.postMessage")) == before + 2


def test_an_answer_waiting_on_the_model_does_not_hold_due_watches_back(bot, fake_anthropic):
    """Live questions come first while they use the machine, not while the model thinks."""
    asked, released = threading.Event(), threading.Event()

    def model(_request):
        asked.set()
        released.wait(10)
        return tool_use_reply({"code": PROGRAM})

    fake_anthropic.responder = model
    bot.event(app_mention_event("Any deals on orange soda this weekend?"))
    assert asked.wait(10)
    pool = bot.service.pool
    try:
        assert (pool.in_flight, pool.busy) == (1, 0)  # what serve's watch scheduler reads
    finally:
        released.set()
    streamed_answer(bot.slack)
    bot.drain()
    assert (pool.in_flight, pool.busy) == (0, 0)


def test_only_the_answers_own_waits_count_as_waiting():
    pool = WorkPool(2)
    inside, release = threading.Event(), threading.Event()

    def answer() -> None:
        with pool.waiting():
            inside.set()
            release.wait(10)

    with pool.waiting():  # outside an answer: a watch's repair waits on the model too
        assert (pool.in_flight, pool.busy) == (0, 0)
    pool.submit(answer)
    assert inside.wait(10)
    assert (pool.in_flight, pool.busy) == (1, 0)
    release.set()
    assert pool.close(10)
    assert (pool.in_flight, pool.busy) == (0, 0)
