"""`dealbot watches list` and `dealbot watches run-due`: the operator's and cron's view."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from bot.cli import main
from bot.database import make_engine
from bot.watches.schedule import parse_schedule
from bot.watches.store import NewWatch, WatchStore
from tests.fakes.slack_api import BOT_TOKEN, CHANNEL_ID, TEAM_ID, USER_ID

CREATED = datetime(2026, 5, 7, 12, 0)


@pytest.fixture
def cli_env(monkeypatch, fake_anthropic, fake_slack, demo_url):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_anthropic.url)
    monkeypatch.setenv("DATABASE_URL", demo_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", fake_slack.api_url)
    monkeypatch.setenv("DEALBOT_TIMEZONE", "America/Chicago")
    return fake_slack


@pytest.fixture
def watch(demo_url):
    engine = make_engine(demo_url)
    new = NewWatch(
        team_id=TEAM_ID,
        owner_id=USER_ID,
        target="channel",
        channel_id=CHANNEL_ID,
        thread_ts=None,
        question="Any deals on orange soda this weekend?",
        code="final_answer('Fanta Orange 2L is $1.99.')",
        source_run_id="src1234",
        timezone="America/Chicago",
        schedule=parse_schedule("every Friday at 9am"),
    )
    created = WatchStore(engine).create(new, now=CREATED)
    engine.dispose()
    return created


def test_list_json_prints_the_contract_fields(cli_env, watch, capsys):
    assert main(["watches", "list", "--json"]) == 0

    [shown] = json.loads(capsys.readouterr().out)
    assert shown["id"] == watch.watch_id
    assert shown["question"] == "Any deals on orange soda this weekend?"
    assert shown["schedule"] == "every Friday at 9:00"
    assert shown["next_run_at"] == "2026-05-08T09:00:00-05:00"  # the owner's wall clock
    assert shown["owner"] == USER_ID and shown["target"] == f"channel {CHANNEL_ID}"
    assert shown["paused"] is False


def test_list_without_watches_says_how_to_make_one(cli_env, capsys):
    assert main(["watches", "list"]) == 0

    assert "No watches yet" in capsys.readouterr().out


def test_run_due_at_an_instant_runs_what_is_due_once(cli_env, watch, capsys, fake_anthropic):
    assert main(["watches", "run-due", "--at", "2026-05-08T09:00:05"]) == 0  # Chicago time
    first = capsys.readouterr().out
    assert main(["watches", "run-due", "--at", "2026-05-08T14:00:06Z"]) == 0
    second = capsys.readouterr().out

    assert "ran 1 due watch slots at 2026-05-08T09:00:05: 1 posted" in first
    assert "no watch was due" in second
    [post] = cli_env.calls_to("chat.postMessage")
    assert post["channel"] == CHANNEL_ID and "Fanta Orange 2L" in post["text"]
    assert fake_anthropic.requests == []
    main(["show", "last", "--json"])
    shown = json.loads(capsys.readouterr().out)
    assert shown["source"] == "watch" and shown["llm_calls"] == 0


@pytest.mark.parametrize(
    ("at", "says"),
    [
        ("next friday", "ISO 8601"),
        ("", "ISO 8601"),  # not "now"
        ("0001-01-01T00:00+14:00", "out of the range of dates"),
        ("9999-12-31T23:59-14:00", "out of the range of dates"),
    ],
)
def test_run_due_with_a_bad_instant_is_one_line(cli_env, capsys, at, says):
    assert main(["watches", "run-due", "--at", at]) == 2

    err = capsys.readouterr().err.strip()
    assert "--at" in err and says in err and len(err.splitlines()) == 1


def test_run_due_without_a_key_says_nothing_was_due_when_nothing_was(
    cli_env, watch, capsys, monkeypatch
):
    monkeypatch.delenv("ANTHROPIC_API_KEY")

    assert main(["watches", "run-due", "--at", "2026-05-08T08:59:59"]) == 0  # a second early
    assert "no watch was due" in capsys.readouterr().out

    assert main(["watches", "run-due", "--at", "2026-05-08T09:00:00"]) == 2  # due: it may need
    said = capsys.readouterr().err.strip().splitlines()[-1]  # the model, to repair a program
    assert said.startswith("dealbot: ANTHROPIC_API_KEY is not set")
    assert cli_env.calls_to("chat.postMessage") == []


def test_run_due_without_slack_says_what_to_set(cli_env, watch, capsys, monkeypatch):
    monkeypatch.delenv("SLACK_BOT_TOKEN")

    assert main(["watches", "run-due"]) == 2

    err = capsys.readouterr().err.strip()
    assert "SLACK_BOT_TOKEN" in err and len(err.splitlines()) == 1
