"""The program cache: the same words asked again re-run the earlier program, not the model."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import insert, select, update

from bot.cli import main
from bot.database import make_engine, upgrade
from bot.history import History, utcnow
from bot.program_cache import ProgramCache, question_key
from bot.records import Origin
from bot.tables import CachedProgramRow, RunRow
from tests.bot.conftest import make_test_agent
from tests.bot.slack_harness import running_bot, streamed_answer
from tests.fakes.slack_api import BOT_USER_ID, CHANNEL_ID, USER_ID
from tests.fakes.slack_payloads import app_mention_event, block_actions_body

# A program whose answer is computed from today's data, so a reuse visibly re-runs it.
PROGRAM = (
    "deals = find_deals('orange soda', start=today(), end=today())\n"
    "final_answer(f'{len(deals)} orange soda deals on {today():%b %d}')"
)
SLACK = Origin(source="slack", team_id="T0DEALS", channel_id="C0DEALS", user_id="U1")


@pytest.fixture
def cached_agent(demo_engine, fake_anthropic):
    return make_test_agent(demo_engine, fake_anthropic, program_cache=True)


def test_the_same_words_rerun_the_program_with_no_model_call(cached_agent, fake_anthropic):
    fake_anthropic.reply_code(PROGRAM)
    first = cached_agent.ask("Any deals on orange soda today?", origin=SLACK)

    again = cached_agent.ask("  any DEALS on orange-soda today ", origin=SLACK)

    assert len(fake_anthropic.requests) == 1
    assert again.ok and again.usage.llm_calls == 0 and again.usage.input_tokens == 0
    assert again.reused_from == first.run_id and again.code == PROGRAM
    assert again.answer == first.answer and again.tool_calls == first.tool_calls > 0
    assert cached_agent.history.get(again.run_id).reused_from == first.run_id


@pytest.mark.parametrize(
    ("question", "origin", "timezone"),
    [
        ("Any deals on orange juice today?", SLACK, None),
        ("Any deals on orange soda today?", Origin(source="slack", team_id="T0OTHER"), None),
        ("Any deals on orange soda today?", SLACK, "Asia/Tokyo"),
        ("Any deals on orange soda today?", Origin(source="eval"), None),
    ],
    ids=["other-words", "other-workspace", "other-time-zone", "an-eval"],
)
def test_other_words_workspaces_or_time_zones_ask_the_model(
    cached_agent, fake_anthropic, question, origin, timezone
):
    fake_anthropic.reply_code(PROGRAM)
    fake_anthropic.reply_code(PROGRAM)
    cached_agent.ask("Any deals on orange soda today?", origin=SLACK)

    run = cached_agent.ask(question, origin=origin, timezone=timezone)

    assert run.usage.llm_calls == 1 and run.reused_from is None
    assert len(fake_anthropic.requests) == 2


def test_a_program_older_than_the_window_is_not_reused(cached_agent, fake_anthropic):
    fake_anthropic.reply_code(PROGRAM)
    fake_anthropic.reply_code(PROGRAM)
    cached_agent.ask("Any deals on orange soda today?", origin=SLACK)
    with cached_agent.engine.begin() as connection:
        older = CachedProgramRow.created_at - timedelta(hours=25)
        connection.execute(update(CachedProgramRow).values(created_at=older))

    run = cached_agent.ask("Any deals on orange soda today?", origin=SLACK)

    assert run.usage.llm_calls == 1 and run.reused_from is None


def test_a_cached_program_that_fails_falls_back_to_the_model_and_leaves(
    cached_agent, fake_anthropic
):
    cached_agent.cache.remember(SLACK, "America/Los_Angeles", "Soda?", "brok3n1", "1 / 0")
    fake_anthropic.reply_code(PROGRAM)

    run = cached_agent.ask("soda", origin=SLACK)

    assert run.ok and run.usage.llm_calls == 1 and run.reused_from is None
    assert "orange soda deals" in run.answer
    hit = cached_agent.cache.lookup(SLACK, "America/Los_Angeles", "SODA!")
    assert hit is not None and hit.run_id == run.run_id  # the new program replaced it


def test_a_reply_in_a_thread_with_earlier_turns_is_never_cached(cached_agent, fake_anthropic):
    thread = Origin(source="slack", team_id="T0DEALS", channel_id="C0DEALS", thread_ts="1.1")
    for _ in range(3):
        fake_anthropic.reply_code(PROGRAM)
    cached_agent.ask("Any deals on orange soda today?", origin=SLACK)
    cached_agent.ask("What about chips?", origin=thread)

    follow_up = cached_agent.ask("Any deals on orange soda today?", origin=thread)

    assert follow_up.usage.llm_calls == 1 and follow_up.reused_from is None


def test_fresh_asks_the_model_and_its_program_replaces_the_cached_one(cached_agent, fake_anthropic):
    fake_anthropic.reply_code(PROGRAM)
    fake_anthropic.reply_code(PROGRAM + "  # fresh")
    cached_agent.ask("Any deals on orange soda today?", origin=SLACK)
    run = cached_agent.record("Any deals on orange soda today?", origin=SLACK)

    fresh = cached_agent.complete(run, fresh=True)

    assert fresh.usage.llm_calls == 1 and fresh.reused_from is None
    hit = cached_agent.cache.lookup(SLACK, "America/Los_Angeles", "any deals on orange soda today")
    assert hit.run_id == fresh.run_id


# --- the command line -------------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch, fake_anthropic, demo_url):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_anthropic.url)
    monkeypatch.setenv("DATABASE_URL", demo_url)
    return fake_anthropic


def _ask(capsys, *args: str) -> dict:
    main(["ask", "Any deals on orange soda today?", "--json", *args])
    return json.loads(capsys.readouterr().out)


def test_ask_json_reports_reused_from_and_fresh_asks_the_model(cli_env, capsys):
    cli_env.reply_code(PROGRAM)
    cli_env.reply_code(PROGRAM)

    first = _ask(capsys)
    again = _ask(capsys)
    fresh = _ask(capsys, "--fresh")

    assert first["reused_from"] is None and first["llm_calls"] == 1
    assert again["reused_from"] == first["run_id"] and again["llm_calls"] == 0
    assert again["answer"] == first["answer"]
    assert fresh["reused_from"] is None and fresh["llm_calls"] == 1
    assert len(cli_env.requests) == 2


def test_a_cache_hit_in_the_terminal_sends_the_api_nothing(cli_env, capsys):
    cli_env.reply_code(PROGRAM)
    first = _ask(capsys)
    assert cli_env.model_lookups == ["claude-sonnet-5-5"]  # a question for the model: checked

    again = _ask(capsys)

    assert again["ok"] and again["reused_from"] == first["run_id"] and again["llm_calls"] == 0
    assert cli_env.model_lookups == ["claude-sonnet-5-5"], "no model lookup for a cache hit"
    assert len(cli_env.requests) == 1


def test_a_cached_program_that_fails_checks_the_model_before_asking_it(
    cli_env, capsys, monkeypatch, demo_url
):
    cli_env.reply_code(PROGRAM)
    first = _ask(capsys)
    with make_engine(demo_url).begin() as connection:  # today the kept program breaks
        connection.execute(
            update(CachedProgramRow)
            .where(CachedProgramRow.run_id == first["run_id"])
            .values(code="final_answer(1 / 0)")
        )
    monkeypatch.setenv("DEALBOT_MODEL", "nope")

    assert main(["ask", "Any deals on orange soda today?", "--json"]) == 2

    assert "DEALBOT_MODEL: 'nope' is not a model this API serves" in capsys.readouterr().err
    assert cli_env.model_lookups == ["claude-sonnet-5-5", "nope"] and len(cli_env.requests) == 1
    [run] = History(make_engine(demo_url)).recent(limit=1)
    assert run.status == "failed" and "DEALBOT_MODEL" in (run.error or "")


def test_the_cache_can_be_turned_off(cli_env, capsys, monkeypatch):
    monkeypatch.setenv("DEALBOT_PROGRAM_CACHE", "false")
    cli_env.reply_code(PROGRAM)
    cli_env.reply_code(PROGRAM)

    _ask(capsys)
    again = _ask(capsys)

    assert again["reused_from"] is None and again["llm_calls"] == 1


# --- Slack -----------------------------------------------------------------------------------


@pytest.fixture
def bot(demo_engine, fake_slack, fake_anthropic):
    fake_slack.add_user(USER_ID, tz="America/Chicago")
    fake_slack.set_members(CHANNEL_ID, [USER_ID, BOT_USER_ID])
    with running_bot(demo_engine, fake_slack, fake_anthropic, program_cache=True) as running:
        yield running


def _answers(bot, count: int) -> list[dict]:
    """The first `count` answers, as Slack holds their (streamed) messages."""
    answers = [streamed_answer(bot.slack, number) for number in range(1, count + 1)]
    bot.drain()
    return answers


def _buttons(blocks: list[dict]) -> dict[str, str]:
    actions = next((b for b in blocks if b.get("block_id") == "answer_actions"), None)
    return {e["action_id"]: e["value"] for e in (actions or {}).get("elements", [])}


def test_a_reused_answer_says_so_and_offers_ask_fresh(bot, fake_anthropic):
    fake_anthropic.reply_code(PROGRAM)
    bot.event(app_mention_event("Any deals on orange soda today?"))
    first = _answers(bot, 1)[0]
    first_run = bot.agent.history.recent(limit=1)[0]

    bot.event(app_mention_event("any deals on orange soda today"))
    reused = _answers(bot, 2)[1]

    assert len(fake_anthropic.requests) == 1
    footer = json.dumps(reused["blocks"])
    assert f"reused the program of run `{first_run.run_id}`" in footer
    assert "ask_fresh" in _buttons(reused["blocks"]) and "ask_fresh" not in _buttons(
        first["blocks"]
    )
    assert "watch_open" in _buttons(reused["blocks"])


def test_ask_fresh_asks_the_model_again(bot, fake_anthropic):
    fake_anthropic.reply_code(PROGRAM)
    fake_anthropic.reply_code(PROGRAM + "  # fresh")
    bot.event(app_mention_event("Any deals on orange soda today?"))
    _answers(bot, 1)
    bot.event(app_mention_event("Any deals on orange soda today?"))
    reused_run_id = _buttons(_answers(bot, 2)[1]["blocks"])["ask_fresh"]

    bot.form(block_actions_body("ask_fresh", reused_run_id))
    fresh = _answers(bot, 3)[2]

    assert len(fake_anthropic.requests) == 2
    assert "reused the program" not in json.dumps(fresh["blocks"])
    assert "# fresh" in json.dumps(fresh["blocks"])


def test_ask_fresh_clicked_twice_at_once_asks_the_model_once(bot, fake_anthropic):
    fake_anthropic.reply_code(PROGRAM)
    fake_anthropic.reply_code(PROGRAM + "  # fresh", delay=0.5)
    fake_anthropic.reply_code(PROGRAM + "  # fresh again")
    bot.event(app_mention_event("Any deals on orange soda today?"))
    _answers(bot, 1)
    bot.event(app_mention_event("Any deals on orange soda today?"))
    reused_run_id = _buttons(_answers(bot, 2)[1]["blocks"])["ask_fresh"]

    clicks = [
        threading.Thread(target=bot.form, args=(block_actions_body("ask_fresh", reused_run_id),))
        for _ in range(2)
    ]
    for click in clicks:
        click.start()
    for click in clicks:
        click.join()
    _answers(bot, 3)
    bot.drain()

    assert len(fake_anthropic.requests) == 2
    assert len(bot.slack.calls_to("chat.stopStream")) == 3  # no fourth answer


def test_a_thumbs_down_on_a_reused_answer_drops_the_program(bot, fake_anthropic):
    fake_anthropic.reply_code(PROGRAM)
    fake_anthropic.reply_code(PROGRAM)
    bot.event(app_mention_event("Any deals on orange soda today?"))
    _answers(bot, 1)
    bot.event(app_mention_event("Any deals on orange soda today?"))
    reused_run_id = _buttons(_answers(bot, 2)[1]["blocks"])["ask_fresh"]

    bot.form(block_actions_body("feedback", f"down:{reused_run_id}"))
    bot.drain()
    bot.event(app_mention_event("Any deals on orange soda today?"))
    third = _answers(bot, 3)[2]

    assert len(fake_anthropic.requests) == 2
    assert "reused the program" not in json.dumps(third["blocks"])


def test_a_follow_up_in_the_thread_is_not_answered_from_the_cache(bot, fake_anthropic):
    fake_anthropic.reply_code(PROGRAM)
    fake_anthropic.reply_code(PROGRAM)
    question = app_mention_event("Any deals on orange soda today?")
    bot.event(question)
    _answers(bot, 1)

    thread_ts = question["event"]["ts"]
    bot.event(app_mention_event("Any deals on orange soda today?", thread_ts=thread_ts))
    _answers(bot, 2)

    assert len(fake_anthropic.requests) == 2


@pytest.mark.parametrize(
    ("asked", "again"),
    [
        ("What's on sale?", "whats on sale"),
        ("Any deals on orange soda?", "any deals on orange-soda"),
        ("Any deals on orange soda?", "ANY   DEALS ON ORANGE SODA!!"),
        ("Any deals on orange soda?", "Any deals on ｏｒａｎｇｅ soda?"),  # fullwidth letters
        ("What’s cheap this week?", "what's cheap this week"),  # typographic apostrophe
        ("soda ❤️", "soda ❤"),  # an emoji with and without its variation selector
        ("deals under $1.99?", "Deals under $1.99"),
    ],
)
def test_spacing_and_punctuation_count_for_nothing(asked, again):
    assert question_key(asked) == question_key(again)


@pytest.mark.parametrize(
    ("asked", "other"),
    [
        ("Any deals on orange soda?", "Any deals on grape soda?"),
        ("Deals under $5?", "Deals under $50?"),
        ("🍕 deals?", "🥤 deals?"),
        ("🍕", "🥤"),
        ("deals under $1.99", "deals under $199"),  # a number keeps its point
        ("soda deals < $2", "soda deals > $2"),
        ("cheapest 2 12-packs of coke", "cheapest 21 2-packs of coke"),  # words stay apart
        ("coke ½ off", "coke 12 off"),
        ("soda deals $2", "soda deals 2"),
    ],
)
def test_other_words_digits_or_emoji_are_other_questions(asked, other):
    assert question_key(asked) != question_key(other)


def test_upgrading_from_0009_keys_the_cached_programs_again(database_url):
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0009_search_words")
        now = utcnow()
        with engine.begin() as connection:
            connection.execute(
                insert(RunRow),
                {"run_id": "r-price", "question": "under $1.99", "created_at": now}
                | {"status": "ok", "source": "cli", "model": "m", "code": "final_answer(1)"},
            )
            connection.execute(
                insert(CachedProgramRow),
                {"team_id": "", "timezone": "UTC", "question_key": "0008-scheme"}
                | {"run_id": "r-price", "code": "final_answer(1)", "created_at": now},
            )

        upgrade(engine)

        cache = ProgramCache(engine, window=timedelta(hours=24))
        cli = Origin(source="cli")
        assert cache.lookup(cli, "UTC", "Under $1.99?").run_id == "r-price"
        assert cache.lookup(cli, "UTC", "under $199") is None
    finally:
        engine.dispose()


def test_upgrading_keys_the_cached_programs_again_from_their_questions(database_url):
    """Keys of the earlier scheme (which split words at an apostrophe) are made again from each
    program's run; the newest program keeps words that now share a key, and one whose run is
    gone leaves the cache."""
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0007_leases")
        now = utcnow()
        runs = {"r-old": "What's on sale?", "r-new": "whats on sale", "r-soda": "Soda deals?"}
        cached = [  # run, key of the earlier scheme, age
            ("r-old", "earlier-what-s", timedelta(hours=2)),
            ("r-new", "earlier-whats", timedelta(hours=1)),
            ("r-soda", "earlier-soda", timedelta(hours=1)),
            ("r-gone", "earlier-gone", timedelta(hours=1)),
        ]
        with engine.begin() as connection:
            connection.execute(
                insert(RunRow),
                [
                    {"run_id": run_id, "question": question, "created_at": now}
                    | {"status": "ok", "source": "cli", "model": "m", "code": "final_answer(1)"}
                    for run_id, question in runs.items()
                ],
            )
            connection.execute(
                insert(CachedProgramRow),
                [
                    {"team_id": "", "timezone": "UTC", "question_key": key, "run_id": run_id}
                    | {"code": f"final_answer('{run_id}')", "created_at": now - age}
                    for run_id, key, age in cached
                ],
            )

        upgrade(engine)

        cache = ProgramCache(engine, window=timedelta(hours=24))
        cli = Origin(source="cli")
        assert cache.lookup(cli, "UTC", "WHAT'S ON SALE").run_id == "r-new"
        assert cache.lookup(cli, "UTC", "soda deals").run_id == "r-soda"
        with engine.connect() as connection:
            left = connection.scalars(select(CachedProgramRow.run_id)).all()
        assert sorted(left) == ["r-new", "r-soda"]
    finally:
        engine.dispose()
