"""Leases on runs: two replicas on one database, one of them slow, stalled or gone. A live
instance keeps its runs; a gone one's are taken by the other, whose answer replaces the
progress message, and the late result of a process that lost its run is never shown."""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import timedelta

import pytest

from bot.database import make_engine
from bot.history import History
from bot.leases import LeaseConfig, Leases
from bot.ops import metrics
from bot.slack.recovery import recover
from bot.watches.scheduler import WatchScheduler
from tests.bot.slack_harness import RunningBot, running_bot
from tests.fakes.anthropic_api import text_reply, tool_use_reply
from tests.fakes.slack_payloads import app_mention_event

FAST = LeaseConfig(lease=timedelta(seconds=1), heartbeat_s=0.2, dead_after=timedelta(seconds=0.6))


@contextmanager
def replicas(url: str, fake_slack, fake_anthropic) -> Iterator[tuple[RunningBot, RunningBot]]:
    """Two bots on one database, each as on a host of its own with its own engine."""
    with ExitStack() as stack:
        bots = []
        for host in ("replica-a", "replica-b"):
            engine = make_engine(url)
            stack.callback(engine.dispose)
            bot = stack.enter_context(running_bot(engine, fake_slack, fake_anthropic))
            bot.agent.history.leases = Leases(engine, FAST, host=host)
            bots.append(bot)
        yield bots[0], bots[1]


def _recover_while(bot: RunningBot, busy, seconds: float) -> int:
    """Look for abandoned work every 0.1 s (as serve does every few) while `busy()`."""
    taken = 0
    deadline = time.monotonic() + seconds
    while busy() and time.monotonic() < deadline:
        taken += recover(bot.service, bot.app)
        time.sleep(0.1)
    return taken


def _texts(fake_slack) -> str:
    calls = itertools.chain.from_iterable(
        fake_slack.calls_to(method)
        for method in ("chat.postMessage", "chat.update", "chat.appendStream", "chat.stopStream")
    )
    return "\n".join(str(call) for call in calls)


def test_a_slow_but_alive_process_keeps_its_run_and_nobody_else_answers(
    demo_url, fake_slack, fake_anthropic
):
    fake_anthropic.push(text_reply("Slow but sure.", delay=3))  # three leases long
    with replicas(demo_url, fake_slack, fake_anthropic) as (one, two):
        one.agent.history.leases.start()
        two.agent.history.leases.start()
        one.event(app_mention_event("deals?"))
        taken = _recover_while(two, lambda: not fake_slack.calls_to("chat.stopStream"), 10)
        one.drain()
        one.agent.history.leases.stop()
        two.agent.history.leases.stop()

    assert taken == 0
    assert len(fake_anthropic.requests) == 1
    assert "Slow but sure." in _texts(fake_slack)
    [run] = History(make_engine(demo_url)).recent(limit=1)
    assert run.status == "ok" and run.answer == "Slow but sure."


def test_a_stalled_process_loses_its_run_its_answer_replaces_the_stream_and_the_late_one_is_dropped(
    demo_url, fake_slack, fake_anthropic, caplog
):
    first_questions = itertools.count()

    def model(request):
        if len(request.messages) > 1:  # the stalled process's repair: comes back too late
            return text_reply("Late answer.", delay=4)
        if next(first_questions) == 0:
            return tool_use_reply({"code": "1/0"})  # a program, so a stream shows progress
        return text_reply("Recovered answer.")

    fake_anthropic.responder = model
    recovered = metrics.shared().recovered_runs.labels("answer")
    before = recovered._value.get()
    with replicas(demo_url, fake_slack, fake_anthropic) as (one, two):
        one.agent.history.leases.register()  # its heartbeat never beats: a stalled process
        two.agent.history.leases.start()
        history = one.agent.history
        one.event(app_mention_event("deals?"))
        fake_slack.wait_for("chat.startStream")
        run_id = _wait_for_progress(history)
        stream = history.get(run_id).progress_ts
        with caplog.at_level(logging.INFO, logger="bot.slack.recovery"):
            taken = _recover_while(two, lambda: True, 0.7 + FAST.dead_after.total_seconds())
        two.drain()
        one.drain()
        two.agent.history.leases.stop()

    assert taken == 1
    assert f"run {run_id}: recovered from instance {history.leases.instance_id}" in caplog.text
    assert recovered._value.get() == before + 1
    run = History(make_engine(demo_url)).get(run_id)
    assert run.status == "ok" and run.answer == "Recovered answer."
    [update] = fake_slack.calls_to("chat.update")
    assert update["ts"] == stream and "Recovered answer." in update["text"]
    assert not fake_slack.streaming(update["channel"], stream)
    assert "Late answer." not in _texts(fake_slack)
    assert fake_slack.calls_to("chat.delete") == []


def _wait_for_progress(history: History, timeout: float = 5) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        [run] = history.recent(limit=1) or [None]
        if run is not None and run.progress_ts is not None:
            return run.run_id
        time.sleep(0.02)
    pytest.fail("the progress message was never recorded")


def test_an_expired_lease_is_taken_by_exactly_one_of_two_claimants(
    demo_url, fake_slack, fake_anthropic
):
    from bot.records import Origin

    with replicas(demo_url, fake_slack, fake_anthropic) as (one, two):
        one.agent.history.leases.register()
        two.agent.history.leases.register()
        origin = Origin(source="slack", team_id="T0DEALS", channel_id="C0DEALS", user_id="U1")
        run = one.agent.history.start("orphan", origin=origin, model="m")
        time.sleep(FAST.lease.total_seconds() + 0.1)
        claims = [
            bot.agent.history.claim_unfinished(timedelta(minutes=10), gone=[])
            for bot in (two, one, two)
        ]

    assert [[c.run.run_id for c in claim] for claim in claims] == [[run.run_id], [], []]


def test_a_gone_instances_watch_slot_is_run_at_once_and_a_live_ones_is_left(
    demo_engine, fake_slack, fake_anthropic
):
    from tests.bot.test_watches import FIRST_SLOT, make_world

    # Slots are claimed for FIRST_SLOT, months ago: the scheduler, claiming at the real now,
    # must skip their later slots (however fresh today's is), so it only recovers the slot
    # the gone instance held.
    world = make_world(demo_engine, fake_slack, fake_anthropic, fresh=timedelta(0))
    five_minutes = timedelta(minutes=5)
    gone, alive, me = (Leases(demo_engine, FAST, host=h) for h in ("gone", "alive", "me"))
    gone.register()  # and never beats again
    alive.start()
    me.start()
    slots = {}
    for leases in (gone, alive):
        watch = world.watch(f"final_answer('from {leases.host}')")
        world.store.claim_due(
            FIRST_SLOT, claimant=leases.instance_id, limit=1, lease=five_minutes, fresh=five_minutes
        )
        slots[leases.host] = watch.watch_id
    recovered = metrics.shared().recovered_runs.labels("watch_slot")
    before = recovered._value.get()
    time.sleep(FAST.dead_after.total_seconds() + 0.2)
    scheduler = WatchScheduler(
        world.runner,
        workers=1,
        live_in_flight=lambda: 0,
        poll_s=0.05,
        claimant=me.instance_id,
        gone=me.gone_instances,
    ).start()
    try:
        deadline = time.monotonic() + 10
        while world.store.slots_of(slots["gone"])[0][1] != "posted":
            assert time.monotonic() < deadline, "the gone instance's slot was never run"
            time.sleep(0.05)
    finally:
        scheduler.stop(5)
        alive.stop()
        me.stop()

    assert recovered._value.get() == before + 1
    assert [state for _, state, _ in world.store.slots_of(slots["alive"])] == ["running"]
    assert "from gone" in _texts(fake_slack) and "from alive" not in _texts(fake_slack)


def test_a_question_too_old_to_answer_takes_down_the_dead_process_s_progress_message(
    demo_url, fake_slack, fake_anthropic
):
    from sqlalchemy import text

    from bot.records import Origin
    from tests.fakes.slack_api import CHANNEL_ID, TEAM_ID, USER_ID

    with replicas(demo_url, fake_slack, fake_anthropic) as (one, two):
        history = one.agent.history
        history.leases.register()  # and never beats: gone
        placeholder = fake_slack.add_message(CHANNEL_ID, "Looking through the deals…")["ts"]
        origin = Origin(source="slack", team_id=TEAM_ID, channel_id=CHANNEL_ID, user_id=USER_ID)
        run = history.start("asked yesterday", origin=origin, model="m")
        history.set_progress(run.run_id, placeholder)
        with history.engine.begin() as connection:
            connection.execute(
                text("UPDATE runs SET created_at = :old WHERE run_id = :id"),
                {"old": run.created_at - timedelta(days=1), "id": run.run_id},
            )
        time.sleep(FAST.dead_after.total_seconds() + 0.1)
        two.agent.history.leases.register()
        assert recover(two.service, two.app) == 1

    [deleted] = fake_slack.calls_to("chat.delete")
    assert deleted["ts"] == placeholder
    [apology] = fake_slack.calls_to("chat.postMessage")
    assert "restarted before I could answer" in apology["text"]
    assert fake_anthropic.requests == []
