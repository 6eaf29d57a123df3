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
from bot.demo_programs import DEMO_PROGRAMS, SAVED_NOTE, SavedProgram, saved_program
from bot.evals.checks import judge
from bot.evals.questions import DEFAULT_QUESTIONS, Question, load_questions
from bot.history import History
from tests.bot.conftest import TEST_TIMEZONE

README = Path(__file__).resolve().parents[2] / "README.md"
BIN = Path(sys.executable).parent
QUESTIONS = {question.id: question for question in load_questions(DEFAULT_QUESTIONS)}
# References for the saved programs of the suggested prompts that the eval does not ask.
OWN_REFERENCES = {
    "Show me every chips deal at every store tomorrow.": Question(
        id="chips-tomorrow",
        text="Show me every chips deal at every store tomorrow.",
        reference="deals",
        check=("products", "dates"),
        when="tomorrow",
        args=({"query": "chips"},),
    ),
    "How has the price of Tide Pods changed over the last six months?": Question(
        id="tide-pods-six-months",
        text="How has the price of Tide Pods changed over the last six months?",
        reference="history_low",
        check=("lowest",),
        args=({"product": "Tide PODS Original Laundry Detergent Pacs 42 ct", "days": 180},),
    ),
}


def reference_of(saved: SavedProgram) -> Question:
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
