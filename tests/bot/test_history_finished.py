"""Runs recorded finished at once (a watch's slots): one, read back, or a batch by executemany,
each with its attempts, on SQLite and on PostgreSQL."""

from __future__ import annotations

import itertools

import pytest

from bot import history as history_module
from bot.history import Finished, History
from bot.records import Attempt, Origin, Outcome
from tests.bot.conftest import TEST_MODEL


@pytest.fixture
def history(migrated_engine) -> History:
    return History(migrated_engine)


def _finished(n: int) -> Finished:
    attempts = (
        Attempt(code=f"broken {n}", ok=False, error="NameError", error_kind="runtime"),
        Attempt(code=f"final_answer({n})", ok=True, stdout=f"out {n}", tool_calls=n),
    )
    outcome = Outcome(status="ok", answer=str(n), code=f"final_answer({n})", attempts=attempts)
    return Finished(f"question {n}", outcome, Origin(source="watch", user_id=f"U{n}"))


def test_a_batch_is_stored_in_order_each_run_with_its_own_attempts(history):
    batch = [_finished(n) for n in range(5)]
    seen_inside: list[list[str]] = []

    run_ids, result = history.add_many(
        batch, model=TEST_MODEL, along=lambda _connection, ids: seen_inside.append(ids) or "done"
    )

    assert result == "done" and seen_inside == [run_ids] and len(set(run_ids)) == 5
    for run_id, item in zip(run_ids, batch, strict=True):
        stored = history.get(run_id)
        assert (stored.question, stored.answer, stored.origin.user_id) == (
            item.question,
            item.outcome.answer,
            item.origin.user_id,
        )
        assert stored.attempts == item.outcome.attempts


def test_one_run_comes_back_as_stored_with_its_attempts(history):
    item = _finished(7)

    run, _ = history.add(item.question, item.outcome, origin=item.origin, model=TEST_MODEL)

    assert run == history.get(run.run_id)
    assert run.attempts == item.outcome.attempts and run.status == "ok"


def test_a_batch_whose_drawn_id_is_taken_is_drawn_again_whole(history, monkeypatch):
    taken, _ = history.add_many([_finished(0)], model=TEST_MODEL)
    drawn = itertools.chain([taken[0]], (f"fresh{n:02d}" for n in itertools.count()))
    monkeypatch.setattr(history_module, "new_run_id", lambda: next(drawn))

    run_ids, _ = history.add_many([_finished(1), _finished(2)], model=TEST_MODEL)

    assert taken[0] not in run_ids and len(set(run_ids)) == 2
    assert history.get(taken[0]).attempts == _finished(0).outcome.attempts  # none added to it
    assert [history.get(run_id).answer for run_id in run_ids] == ["1", "2"]
