"""Whatever text a run holds — lone surrogates, NUL, control characters — its outcome is
stored and the run finished, on SQLite and on PostgreSQL; and when storing the outcome fails
anyway, the run still ends as a failure instead of staying pending."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.agent import GAVE_UP, SOMETHING_WRONG, Agent, AgentConfig
from bot.history import History
from bot.records import Attempt, Origin, Outcome
from sandbox.text import clean_text
from tests.bot.conftest import TEST_MODEL

# A lone high and a lone low surrogate, NUL, BEL, ESC, CR, a tab, and an emoji written as
# its UTF-16 surrogate pair (as JSON "\ud83d\ude00" decodes).
DIRTY = "a\ud800b\x00c\x07d\x1be\r\nf\tg\ud83d\ude00h\udc00"
CLEAN = "a\ufffdbcde\nf\tg\U0001f600h\ufffd"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain text, 100% fine\n\twith tab", "plain text, 100% fine\n\twith tab"),
        ("\ud800", "\ufffd"),
        ("\udfff\ud800", "\ufffd\ufffd"),
        ("\ud83d\ude00", "\U0001f600"),
        ("nul\x00byte", "nulbyte"),
        ("".join(map(chr, range(32))), "\t\n"),
        ("café ☕ \x7f\x9b", "café ☕ "),
        (DIRTY, CLEAN),
    ],
)
def test_clean_text(text, expected):
    assert clean_text(text) == expected
    assert clean_text(expected) == expected


@pytest.fixture
def history(migrated_engine) -> History:
    return History(migrated_engine)


@pytest.mark.parametrize("status", ["ok", "failed"])
def test_every_text_of_a_run_is_cleaned_before_it_is_stored(history, status):
    run = history.start(DIRTY, origin=Origin(), model=TEST_MODEL)
    attempt = Attempt(code=DIRTY, ok=False, error=DIRTY, error_kind="runtime", stdout=DIRTY)
    outcome = Outcome(status=status, answer=DIRTY, code=DIRTY, error=DIRTY, attempts=(attempt,))

    done = history.finish(run.run_id, outcome)

    stored = history.get(run.run_id)
    for record in (done, stored):
        assert record.status == status
        assert (record.question, record.answer, record.code, record.error) == (CLEAN,) * 4
        [kept] = record.attempts
        assert (kept.code, kept.error, kept.stdout) == (CLEAN,) * 3


@dataclass
class ProgramResult:
    """What sandbox.run returns, as the agent reads it."""

    ok: bool
    answer: str | None = None
    stdout: str = ""
    error: str | None = None
    error_kind: str | None = None
    tool_calls: int = 0
    duration_ms: float = 1.0
    table: list | None = None
    chart: dict | None = None


def agent_running(engine, fake_anthropic, result: ProgramResult) -> Agent:
    """An agent on `engine` whose every program run comes back as `result`."""
    return Agent(
        client=fake_anthropic.client(max_retries=0),
        engine=engine,
        history=History(engine),
        config=AgentConfig(model=TEST_MODEL, timezone="America/Los_Angeles"),
        run_program=lambda code, tools, **limits: result,
    )


def test_an_answer_holding_any_text_is_stored_and_the_run_finished(migrated_engine, fake_anthropic):
    agent = agent_running(migrated_engine, fake_anthropic, ProgramResult(True, DIRTY, DIRTY))
    fake_anthropic.reply_code(DIRTY)

    run = agent.ask(DIRTY)

    stored = agent.history.get(run.run_id)
    assert run.status == stored.status == "ok"
    assert stored.answer == stored.code == stored.question == CLEAN
    assert stored.attempts[0].stdout == stored.attempts[0].code == CLEAN
    assert run.answer == CLEAN


def test_a_failure_holding_any_text_is_stored_and_the_run_finished(migrated_engine, fake_anthropic):
    failing = ProgramResult(False, stdout=DIRTY, error=DIRTY, error_kind="runtime")
    agent = agent_running(migrated_engine, fake_anthropic, failing)
    for _ in range(3):
        fake_anthropic.reply_code("print(1 / 0)")

    run = agent.ask("anything on sale?")

    stored = agent.history.get(run.run_id)
    assert run.status == stored.status == "failed"
    assert stored.error == GAVE_UP
    assert len(stored.attempts) == 3
    assert all((a.error, a.stdout) == (CLEAN, CLEAN) for a in stored.attempts)
    [fed_back] = fake_anthropic.last_request.tool_results
    assert CLEAN in str(fed_back["content"]), "the repair turn carries the error, cleaned"


def test_when_storing_the_outcome_fails_the_run_still_ends_as_a_failure(
    migrated_engine, fake_anthropic, monkeypatch
):
    agent = agent_running(migrated_engine, fake_anthropic, ProgramResult(True, "Fanta $1.99"))
    fake_anthropic.reply_code("final_answer('Fanta $1.99')")
    finish = agent.history.finish
    calls = []

    def finish_failing_once(run_id, outcome):
        calls.append(outcome)
        if len(calls) == 1:
            raise RuntimeError("the database refused the row")
        return finish(run_id, outcome)

    monkeypatch.setattr(agent.history, "finish", finish_failing_once)

    run = agent.ask("orange soda?")

    stored = agent.history.get(run.run_id)
    assert run.status == stored.status == "failed"
    assert run.error == stored.error == SOMETHING_WRONG
    assert stored.answer is None and stored.attempts == ()
    assert stored.usage.llm_calls == 1, "what the run cost is kept"
    assert [outcome.status for outcome in calls] == ["ok", "failed"]


def test_when_the_database_refuses_even_the_failure_complete_raises(
    migrated_engine, fake_anthropic, monkeypatch
):
    agent = agent_running(migrated_engine, fake_anthropic, ProgramResult(True, "ok"))
    fake_anthropic.reply_code("final_answer('ok')")
    run = agent.record("orange soda?", origin=Origin())

    def finish_failing(run_id, outcome):
        raise RuntimeError("the database is down")

    monkeypatch.setattr(agent.history, "finish", finish_failing)

    with pytest.raises(RuntimeError, match="the database is down"):
        agent.complete(run)
    assert agent.history.get(run.run_id).status == "pending"
