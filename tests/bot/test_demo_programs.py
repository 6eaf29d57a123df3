"""The demo's saved programs: the README's first command answers with no key and no network,
each saved program states its eval reference's facts on freshly seeded demo data on every
weekday, and seeding keeps them as proven `demo` runs the program cache reuses."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

import sandbox
import tools
from bot.cli import main
from bot.database import make_engine, today_in, upgrade
from bot.demo_programs import (
    DEMO_PROGRAMS,
    SAVED_NOTE,
    SavedProgram,
    save_demo_programs,
    saved_program,
)
from bot.evals.checks import judge
from bot.evals.questions import DEFAULT_QUESTIONS, EvalQuestion, load_questions
from bot.history import History
from bot.slack.render_home import SUGGESTED_PROMPTS
from tests.bot.conftest import TEST_TIMEZONE
from tests.bot.slack_harness import running_bot, streamed_answer
from tests.fakes.slack_payloads import dm_message_event

README = Path(__file__).resolve().parents[2] / "README.md"
BIN = Path(sys.executable).parent
QUESTIONS = {question.id: question for question in load_questions(DEFAULT_QUESTIONS)}
# References for the saved programs of the suggested prompts that the eval does not ask.
OWN_REFERENCES = {
    "Show me every chips deal at every store tomorrow.": EvalQuestion(
        id="chips-tomorrow",
        text="Show me every chips deal at every store tomorrow.",
        reference="deals",
        check=("products", "dates"),
        when="tomorrow",
        args=({"query": "chips"},),
    ),
    "How has the price of Tide Pods changed over the last six months?": EvalQuestion(
        id="tide-pods-six-months",
        text="How has the price of Tide Pods changed over the last six months?",
        reference="history_low",
        check=("lowest",),
        args=({"product": "Tide PODS Original Laundry Detergent Pacs 42 ct", "days": 180},),
    ),
}


def reference_of(saved: SavedProgram) -> EvalQuestion:
    return QUESTIONS[saved.eval_id] if saved.eval_id else OWN_REFERENCES[saved.question]


WEEK = [today_in(TEST_TIMEZONE) + timedelta(days=n) for n in range(7)]


def readme_first_command() -> list[str]:
    """The `dealbot ask …` of the README's first shell block, as argv."""
    block = README.read_text().split("```sh\n", 1)[1].split("```", 1)[0]
    first = next(line for line in block.splitlines() if line and not line.startswith("#"))
    ask = next(part for part in first.split("&&") if "dealbot ask" in part)
    return shlex.split(ask)


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A local port bound by no listener: connecting to it is refused at once."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


def no_key_env(port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "DATABASE_"))}
    return env | {"ANTHROPIC_BASE_URL": f"http://127.0.0.1:{port}"}


def test_the_readmes_first_command_answers_with_no_key_and_no_network(tmp_path, closed_port):
    argv = readme_first_command()
    assert argv[0] == ".venv/bin/dealbot" and argv[1] == "ask"
    env = no_key_env(closed_port)

    done = subprocess.run(
        [str(BIN / "dealbot"), *argv[1:]], cwd=tmp_path, env=env, capture_output=True, text=True
    )

    assert done.returncode == 0, done.stderr
    assert saved_program(argv[2]) is not None, "the README's first question has no saved program"
    assert SAVED_NOTE in done.stdout
    assert "0 model calls" in done.stdout
    shown = subprocess.run(
        [str(BIN / "dealbot"), "show", "last", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    run = json.loads(shown.stdout)
    assert run["ok"] and run["llm_calls"] == 0 and run["reused_from"]
    assert run["answer"] in done.stdout and "$" in run["answer"]


def test_another_question_without_a_key_names_demo_questions_in_one_line(
    monkeypatch, capsys, sqlite_url
):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)

    status = main(["ask", "Is there a deal on kombucha?"])

    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1
    assert "ANTHROPIC_API_KEY" in err
    assert sum(f'"{saved.question}"' in err for saved in DEMO_PROGRAMS) == 3


def test_a_demo_question_on_a_database_without_saved_programs_says_how_to_store_them(
    monkeypatch, capsys, migrated_engine, database_url
):
    tools.seed_demo(migrated_engine, today=today_in(TEST_TIMEZONE))
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)

    status = main(["ask", DEMO_PROGRAMS[0].question, "--json"])

    run = json.loads(capsys.readouterr().out)
    assert status == 1 and run["llm_calls"] == 0
    assert "dealbot db seed --demo" in run["error"]


def test_list_demo_prints_every_demo_question(capsys):
    assert main(["ask", "--list-demo"]) == 0

    assert capsys.readouterr().out.splitlines() == [saved.question for saved in DEMO_PROGRAMS]


def test_a_demo_question_matches_whatever_its_case_spacing_and_punctuation():
    assert saved_program("  what DEALS end, tomorrow ") is DEMO_PROGRAMS[2]
    assert saved_program("What deals end next week?") is None


def test_seeding_keeps_each_program_as_a_proven_demo_run(monkeypatch, capsys, database_url):
    monkeypatch.setenv("DATABASE_URL", database_url)

    assert main(["db", "seed", "--demo"]) == 0

    assert f"{len(DEMO_PROGRAMS)} saved programs" in capsys.readouterr().out
    engine = make_engine(database_url)
    runs = History(engine).recent(limit=50)
    assert sorted(run.question for run in runs) == sorted(s.question for s in DEMO_PROGRAMS)
    assert {(run.origin.source, run.status, run.usage.llm_calls) for run in runs} == {
        ("demo", "ok", 0)
    }
    engine.dispose()


@pytest.fixture(scope="module", params=WEEK, ids=lambda day: f"{day:%A}")
def seeded_on(request, tmp_path_factory) -> Iterator[tuple[Engine, date]]:
    """The demo data as `dealbot db seed --demo` makes it on each day of the coming week."""
    path = tmp_path_factory.mktemp("demo-week") / "demo.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    tools.seed_demo(engine, today=request.param)
    yield engine, request.param
    engine.dispose()


@pytest.mark.parametrize("saved", DEMO_PROGRAMS, ids=lambda saved: reference_of(saved).id)
def test_each_saved_program_states_its_references_facts_on_every_weekday(
    seeded_on, saved: SavedProgram
):
    engine, today = seeded_on
    deal_tools = tools.build_tools(engine, timezone=TEST_TIMEZONE, today=lambda: today)
    question = reference_of(saved)

    result = sandbox.run(saved.program, deal_tools)

    assert result.ok, f"saved program {saved.question!r} needs updating: {result.error}"
    verdict = judge(result.answer, question.expected(deal_tools), question.check)
    assert verdict.passed, f"saved program {saved.question!r} needs updating: {verdict.why}"


def test_the_saved_questions_are_the_evals_words():
    for saved in DEMO_PROGRAMS:
        words = re.sub(r"\W+", " ", saved.question.casefold())
        assert words == re.sub(r"\W+", " ", reference_of(saved).text.casefold())


# --- Slack: the suggested prompts -------------------------------------------------------------


@pytest.fixture
def demo_bot(demo_engine, fake_slack, fake_anthropic):
    for number in range(len(SUGGESTED_PROMPTS)):
        fake_slack.add_user(f"U0SHOPPER{number}", tz="America/Chicago")
    with running_bot(demo_engine, fake_slack, fake_anthropic, program_cache=True) as running:
        assert running.agent.cache is not None
        save_demo_programs(running.agent, running.agent.cache, timezone=TEST_TIMEZONE)
        yield running


def test_every_suggested_prompt_has_a_saved_program():
    assert all(saved_program(prompt["message"]) for prompt in SUGGESTED_PROMPTS)


def test_the_suggested_prompts_are_answered_by_their_saved_programs_with_no_model_call(
    demo_bot, fake_anthropic
):
    # Each shopper opens dealbot's DM and picks a prompt: the first question of that DM.
    for number, prompt in enumerate(SUGGESTED_PROMPTS):
        user, channel = f"U0SHOPPER{number}", f"D0SHOPPER{number}"
        demo_bot.event(dm_message_event(prompt["message"], user=user, channel=channel))
        streamed_answer(demo_bot.slack, number + 1)
    demo_bot.drain()

    assert fake_anthropic.requests == []
    runs = demo_bot.agent.history.recent(limit=50)
    saved = {run.run_id for run in runs if run.origin.source == "demo"}
    asked = [run for run in runs if run.origin.source == "slack"]
    assert sorted(run.question for run in asked) == sorted(p["message"] for p in SUGGESTED_PROMPTS)
    assert all(run.ok and run.usage.llm_calls == 0 for run in asked)
    assert {run.reused_from for run in asked} <= saved
