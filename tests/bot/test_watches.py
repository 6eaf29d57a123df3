"""Watches end to end below Slack's listeners: claimed in the database, run in the sandbox with
no model call, posted through the real Slack client to the fake Web API only when changed."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import OperationalError

import tools
from bot.history import utcnow
from bot.records import Origin
from bot.slack.watches import SlackPoster
from bot.watches.runner import WatchConfig, WatchRunner
from bot.watches.schedule import parse_schedule
from bot.watches.scheduler import WatchScheduler, run_due
from bot.watches.store import NewWatch, Slot, TooManyWatches, Watch, WatchStore
from bot.watches.tables import WatchSlotRow
from tests.bot.conftest import make_test_agent
from tests.fakes.anthropic_api import FakeAnthropic
from tests.fakes.slack_api import CHANNEL_ID, TEAM_ID, USER_ID, FakeSlack
from tests.together import run_together

CREATED = datetime(2026, 5, 7, 12, 0)  # a Thursday, in UTC
FIRST_SLOT = datetime(2026, 5, 8, 9, 0)  # "every day at 9am" in UTC
QUESTION = "Any deals on orange soda this weekend?"


@dataclass
class World:
    engine: Engine
    slack: FakeSlack
    model: FakeAnthropic
    store: WatchStore
    runner: WatchRunner

    def watch(self, code: str, schedule: str = "every day at 9am", **fields) -> Watch:
        now = fields.pop("now", CREATED)
        new = {
            "team_id": TEAM_ID,
            "owner_id": USER_ID,
            "target": "channel",
            "channel_id": CHANNEL_ID,
            "thread_ts": None,
            "question": QUESTION,
            "code": code,
            "source_run_id": "src1234",
            "timezone": "UTC",
            "schedule": parse_schedule(schedule),
        }
        return self.store.create(NewWatch(**new | fields), now=now)

    def posts(self, channel: str = CHANNEL_ID) -> list[dict]:
        return [c for c in self.slack.calls_to("chat.postMessage") if c["channel"] == channel]


def make_world(engine: Engine, slack: FakeSlack, model: FakeAnthropic, **config) -> World:
    store = WatchStore(engine)
    runner = WatchRunner(
        agent=make_test_agent(engine, model),
        store=store,
        poster_for=lambda _team: SlackPoster(slack.client()),
        config=WatchConfig(**config),
    )
    return World(engine, slack, model, store, runner)


@pytest.fixture
def world(demo_engine, fake_slack, fake_anthropic) -> World:
    return make_world(demo_engine, fake_slack, fake_anthropic)


def test_a_due_watch_posts_its_answer_with_no_model_call(world):
    watch = world.watch("final_answer('Fanta Orange 2L is $1.99 at Mission.')")

    outcomes = run_due(world.runner, FIRST_SLOT + timedelta(seconds=30))

    assert outcomes == Counter(posted=1)
    assert world.model.requests == []
    [post] = world.posts()
    assert post["text"].startswith(f"🔔 Watch: {QUESTION}")
    blocks = post["blocks"]
    assert blocks[1]["type"] == "markdown"
    assert "Fanta Orange 2L is $1.99 at Mission." in blocks[1]["text"]
    assert any(block["type"] == "container" for block in blocks)  # the program, collapsed
    controls = next(b for b in blocks if b.get("block_id") == "watch_controls")
    assert [e["action_id"] for e in controls["elements"]] == ["watch_pause", "watch_delete"]
    assert post["metadata"]["event_payload"]["slot"] == f"{watch.watch_id}:2026-05-08T09:00:00"
    run = world.runner.agent.history.recent(limit=1)[0]
    assert run.origin.source == "watch" and run.usage.llm_calls == 0 and run.ok
    assert run.code == watch.code and run.reply_ts == world.slack.messages(CHANNEL_ID)[-1]["ts"]
    assert world.store.get(watch.watch_id).next_run_at == FIRST_SLOT + timedelta(days=1)


def test_a_watch_is_not_due_before_its_slot(world):
    world.watch("final_answer('x')")

    assert run_due(world.runner, FIRST_SLOT - timedelta(seconds=1)) == Counter()
    assert world.posts() == []


def test_an_unchanged_answer_is_not_posted_again(world):
    watch = world.watch("final_answer('Fanta Orange 2L is $1.99.')")

    run_due(world.runner, FIRST_SLOT)
    outcomes = run_due(world.runner, FIRST_SLOT + timedelta(days=1))

    assert outcomes == Counter(unchanged=1)
    assert len(world.posts()) == 1
    assert [state for _, state, _ in world.store.slots_of(watch.watch_id)] == [
        "posted",
        "unchanged",
    ]


def test_unchanged_slots_are_recorded_together_each_with_its_own_run(world, monkeypatch):
    watches = [world.watch(f"final_answer('deal {n}')", owner_id=f"U{n:04d}") for n in range(12)]
    run_due(world.runner, FIRST_SLOT)
    batches = _counting_batches(world, monkeypatch)

    outcomes = run_due(world.runner, FIRST_SLOT + timedelta(days=1), workers=4)

    assert outcomes == Counter(unchanged=12) and sum(batches) == 12 and len(batches) < 12
    history = world.runner.agent.history
    for n, watch in enumerate(watches):
        stored = world.store.get(watch.watch_id)
        run = history.get(stored.last_run_id)
        assert run.answer == f"deal {n}" and run.ok and run.origin.source == "watch"
        assert run.origin.user_id == f"U{n:04d}" and [a.code for a in run.attempts] == [watch.code]
        assert stored.failures == 0
        assert [s for _, s, _ in world.store.slots_of(watch.watch_id)] == ["posted", "unchanged"]
    assert len(world.posts()) == 12  # the first day's, none since


def test_unchanged_slots_whose_batch_fails_are_recorded_one_by_one(world, monkeypatch):
    watches = [world.watch(f"final_answer('deal {n}')", owner_id=f"U{n:04d}") for n in range(3)]
    run_due(world.runner, FIRST_SLOT)

    def refuse(*_args, **_kwargs):
        raise RuntimeError("the batch could not be written")

    monkeypatch.setattr(world.store, "settle_unchanged", refuse)
    outcomes = run_due(world.runner, FIRST_SLOT + timedelta(days=1))

    assert outcomes == Counter(unchanged=3)
    for n, watch in enumerate(watches):
        run = world.runner.agent.history.get(world.store.get(watch.watch_id).last_run_id)
        assert run.answer == f"deal {n}"
        assert [s for _, s, _ in world.store.slots_of(watch.watch_id)] == ["posted", "unchanged"]


def _counting_batches(world: World, monkeypatch) -> list[int]:
    """The sizes of the batches of runs the history records at once, in order."""
    sizes: list[int] = []
    add_many = world.runner.agent.history.add_many

    def counted(finished, **options):
        sizes.append(len(finished))
        return add_many(finished, **options)

    monkeypatch.setattr(world.runner.agent.history, "add_many", counted)
    return sizes


def test_a_watch_set_to_post_every_time_posts_an_unchanged_answer(world):
    world.watch("final_answer('same')", only_changes=False)

    run_due(world.runner, FIRST_SLOT)
    run_due(world.runner, FIRST_SLOT + timedelta(days=1))

    assert len(world.posts()) == 2


def test_an_imported_feed_that_changes_the_answer_is_posted(world, tmp_path):
    code = (
        "deals = find_deals('zephyr tonic', start=today(), end=today())\n"
        "final_answer(f\"{len(deals)} Zephyr tonic deals\" + ''.join("
        "f\"\\n- {d['store']}: ${d['price']:.2f}\" for d in deals))"
    )
    world.watch(code)
    run_due(world.runner, FIRST_SLOT)
    run_due(world.runner, FIRST_SLOT + timedelta(days=1))
    assert len(world.posts()) == 1 and "0 Zephyr tonic deals" in world.posts()[0]["text"]

    tools.import_feed(world.engine, _feed_with_zephyr_tonic(tmp_path))
    run_due(world.runner, FIRST_SLOT + timedelta(days=2))

    posts = world.posts()
    assert len(posts) == 2
    assert "1 Zephyr tonic deals" in posts[1]["text"] and "$2.49" in posts[1]["text"]


def _feed_with_zephyr_tonic(tmp_path) -> str:
    today = date.today()
    starts, ends = today - timedelta(days=2), today + timedelta(days=5)
    feed = tmp_path / "feed.csv"
    feed.write_text(
        "id,store,city,product,brand,category,size,unit,tags,regular_price,kind,price,"
        "quantity,description,starts,ends,requires_card,limit_per_customer\n"
        "zt-1,Mission,San Francisco,Zephyr Tonic Water 1 L,Zephyr,Beverages,1,l,tonic,3.49,"
        f"sale,2.49,1,,{starts},{ends},false,\n"
    )
    return str(feed)


def _counting_program_runs(world: World, monkeypatch) -> list[str]:
    """The programs the runner ran in the sandbox (the agent's rerun), in order."""
    ran: list[str] = []
    rerun = world.runner.agent.rerun

    def counted(question, code, **options):
        ran.append(code)
        return rerun(question, code, **options)

    monkeypatch.setattr(world.runner.agent, "rerun", counted)
    return ran


def test_watches_due_together_with_the_same_program_run_it_once(world, monkeypatch):
    code = "final_answer(f\"{len(find_deals('orange soda'))} orange soda deals\")"
    ran = _counting_program_runs(world, monkeypatch)
    shared = [world.watch(code, "hourly"), world.watch(code, "hourly", owner_id="U0OTHER")]
    # Europe/London is UTC+1 in May: its hourly slot is the same instant in another day's
    # reckoning near midnight, so it runs on its own; so does another program.
    london = world.watch(code, "hourly", timezone="Europe/London")
    other = world.watch(code + "\n", "hourly")

    outcomes = run_due(world.runner, FIRST_SLOT, workers=1)

    assert outcomes == Counter(posted=4)
    assert len(ran) == 3 and world.model.requests == []
    runs = {
        watch.watch_id: world.runner.agent.history.get(world.store.get(watch.watch_id).last_run_id)
        for watch in (*shared, london, other)
    }
    assert len({run.run_id for run in runs.values()}) == 4  # each watch has its own run
    answers = {run.answer for run in runs.values()}
    assert len(answers) == 1 and next(iter(answers)).endswith("orange soda deals")
    assert [runs[w.watch_id].code for w in (*shared, london, other)] == [code] * 3 + [other.code]
    assert all(run.ok and run.origin.source == "watch" and run.attempts for run in runs.values())


def test_run_now_runs_the_program_even_when_it_just_ran(world, monkeypatch):
    code = "final_answer('Fanta Orange 2L is $1.99.')"
    ran = _counting_program_runs(world, monkeypatch)
    watch = world.watch(code, "hourly")
    run_due(world.runner, FIRST_SLOT)

    slot = world.store.claim_now(watch.watch_id, claimant="test", lease=timedelta(minutes=5))
    assert slot is not None and world.runner.run(slot) == "posted"

    assert ran == [code, code]


def test_run_now_in_the_second_a_slot_falls_due_leaves_the_slot_to_its_claim(world, monkeypatch):
    clicked = world.watch("final_answer('clicked')")
    other = world.watch("final_answer('other')", channel_id="C0OTHER")
    monkeypatch.setattr(
        "bot.watches.store.utcnow", lambda: FIRST_SLOT + timedelta(microseconds=300)
    )
    slot = world.store.claim_now(clicked.watch_id, claimant="test", lease=timedelta(minutes=5))
    assert slot is not None and world.runner.run(slot) == "posted"
    monkeypatch.undo()

    outcomes = run_due(world.runner, FIRST_SLOT + timedelta(seconds=20))

    assert outcomes == Counter(posted=1, unchanged=1)  # both slots ran; 'clicked' had posted
    for watch in (clicked, other):
        assert world.store.get(watch.watch_id).next_run_at == FIRST_SLOT + timedelta(days=1)


def test_a_broken_program_gets_one_repair_and_the_repair_is_kept(world):
    broken = "final_answer(find_deals('orange soda', colour='orange')[0]['product'])"
    repaired = "final_answer('Repaired: ' + find_deals('orange soda')[0]['product'])"
    watch = world.watch(broken)
    world.model.reply_code(repaired)

    outcome = run_due(world.runner, FIRST_SLOT)

    assert outcome == Counter(posted=1)
    [request] = world.model.requests
    sent = str(request.body["messages"])
    assert QUESTION in sent and "colour" in sent  # the question, the program and its error
    assert request.tool_results[0]["is_error"] is True
    assert world.posts()[0]["text"].count("Repaired: ") == 1
    assert world.store.get(watch.watch_id).code == repaired
    run = world.runner.agent.history.get(world.store.get(watch.watch_id).last_run_id)
    assert [a.ok for a in run.attempts] == [False, True] and run.usage.llm_calls == 1

    run_due(world.runner, FIRST_SLOT + timedelta(days=1))
    assert len(world.model.requests) == 1  # the kept program needs no repair


def test_three_failed_runs_in_a_row_pause_the_watch_and_tell_the_owner_once(world):
    watch = world.watch("final_answer(1 / 0)")
    for _ in range(3):
        world.model.reply_code("final_answer([][1])")

    for day in range(3):
        assert run_due(world.runner, FIRST_SLOT + timedelta(days=day)) == Counter(failed=1)

    paused = world.store.get(watch.watch_id)
    assert paused.paused and paused.failures == 3 and "3 times" in paused.pause_reason
    [notice] = world.posts(channel=USER_ID)
    assert "paused" in notice["text"] and "failed 3 times in a row" in notice["text"]
    assert world.posts() == []
    assert run_due(world.runner, FIRST_SLOT + timedelta(days=3)) == Counter()
    assert len(world.model.requests) == 3


def test_a_success_between_failures_starts_the_count_again(world):
    watch = world.watch("final_answer(1 / 0)")
    world.model.reply_code("final_answer([][1])")
    world.model.reply_code("final_answer('back')")
    world.model.reply_code("final_answer([][1])")  # unused: 'back' is kept and works

    for day in range(3):
        run_due(world.runner, FIRST_SLOT + timedelta(days=day))

    assert not world.store.get(watch.watch_id).paused
    assert world.store.get(watch.watch_id).failures == 0


@pytest.mark.parametrize(
    "error",
    [
        *("channel_not_found", "not_in_channel", "is_archived", "account_inactive"),
        *("restricted_action", "team_access_not_granted"),
    ],
)
def test_a_vanished_target_pauses_the_watch_and_tells_the_owner_by_dm(world, error):
    watch = world.watch("final_answer('news')")
    world.slack.refuse_posts(CHANNEL_ID, error)

    outcomes = run_due(world.runner, FIRST_SLOT)

    assert outcomes == Counter(target_gone=1)
    paused = world.store.get(watch.watch_id)
    assert paused.paused and error in paused.pause_reason
    [notice] = world.posts(channel=USER_ID)
    assert error in notice["text"] and "paused" in notice["text"]
    assert run_due(world.runner, FIRST_SLOT + timedelta(days=1)) == Counter()
    assert len(world.slack.calls_to("chat.postMessage")) == 2  # the refused post, the DM


@pytest.mark.parametrize("error", ["invalid_auth", "not_authed"])
def test_a_refused_bot_token_pauses_nothing_and_the_next_slot_posts(world, error):
    watch = world.watch("final_answer('news')")
    world.slack.refuse_posts(CHANNEL_ID, error)

    outcomes = run_due(world.runner, FIRST_SLOT)

    assert "target_gone" not in outcomes
    assert not world.store.get(watch.watch_id).paused
    world.slack.accept_posts(CHANNEL_ID)
    assert run_due(world.runner, FIRST_SLOT + timedelta(days=1)) == Counter(posted=1)
    assert world.posts(channel=USER_ID) == []  # no pause notice


def test_after_downtime_one_catch_up_run_for_the_latest_fresh_slot(world):
    watch = world.watch("final_answer('deals')")
    back_at = FIRST_SLOT + timedelta(days=3, hours=1, minutes=30)  # three slots missed

    outcomes = run_due(world.runner, back_at)

    assert outcomes == Counter(posted=1)
    slots = world.store.slots_of(watch.watch_id)
    assert [slot_at for slot_at, _, _ in slots] == [FIRST_SLOT + timedelta(days=3)]
    assert world.store.get(watch.watch_id).next_run_at == FIRST_SLOT + timedelta(days=4)
    assert run_due(world.runner, back_at + timedelta(minutes=5)) == Counter()


def test_after_downtime_a_stale_slot_is_skipped_and_the_next_one_scheduled(world):
    watch = world.watch("final_answer('deals')")
    back_at = FIRST_SLOT + timedelta(days=1, hours=7)  # the latest slot is 7 h old

    outcomes = run_due(world.runner, back_at)

    assert outcomes == Counter(skipped=1)
    assert world.posts() == [] and world.store.slots_of(watch.watch_id) == []
    assert world.store.get(watch.watch_id).next_run_at == FIRST_SLOT + timedelta(days=2)


def test_a_slot_in_the_spring_forward_gap_runs_once_at_three(world):
    # 2026-03-08 in New York: 2:00 EST becomes 3:00 EDT at 07:00 UTC; 2:30 never happens.
    watch = world.watch(
        "final_answer('early deals')",
        schedule="every day at 2:30",
        timezone="America/New_York",
        now=datetime(2026, 3, 7, 12, 0),
    )
    assert watch.next_run_at == datetime(2026, 3, 8, 7, 0)

    assert run_due(world.runner, datetime(2026, 3, 8, 6, 59)) == Counter()
    assert run_due(world.runner, datetime(2026, 3, 8, 7, 0)) == Counter(posted=1)
    assert run_due(world.runner, datetime(2026, 3, 8, 7, 30)) == Counter()  # not again at 3:30
    assert world.store.get(watch.watch_id).next_run_at == datetime(2026, 3, 9, 6, 30)


def test_a_slot_whose_claimant_died_while_running_is_run_by_the_next(world):
    watch = world.watch("final_answer('deals')")
    claimed = world.store.claim_due(
        FIRST_SLOT, claimant="dead", limit=10, lease=timedelta(minutes=5), fresh=timedelta(hours=6)
    )
    assert len(claimed.slots) == 1
    _expire_leases(world.engine)

    assert run_due(world.runner, FIRST_SLOT + timedelta(minutes=10)) == Counter(posted=1)
    assert [state for _, state, _ in world.store.slots_of(watch.watch_id)] == ["posted"]


def test_a_slot_whose_claimant_died_while_posting_is_never_posted_again(world):
    watch = world.watch("final_answer('deals')")
    claimed = world.store.claim_due(
        FIRST_SLOT, claimant="dead", limit=10, lease=timedelta(minutes=5), fresh=timedelta(hours=6)
    )
    assert world.store.begin_post(claimed.slots[0], "r0dead")  # …and the process died mid-post
    _expire_leases(world.engine)

    assert run_due(world.runner, FIRST_SLOT + timedelta(minutes=10)) == Counter()
    assert world.posts() == []
    assert [state for _, state, _ in world.store.slots_of(watch.watch_id)] == ["lost"]


def _claim(world: World, claimant: str, lease: timedelta) -> Slot:
    [slot] = world.store.claim_due(
        FIRST_SLOT, claimant=claimant, limit=10, lease=lease, fresh=timedelta(hours=6)
    ).slots
    return slot


def test_a_slot_that_waited_past_half_its_lease_renews_it_as_it_starts(world):
    watch = world.watch("final_answer('deals')")
    slot = _claim(world, "me", lease=timedelta(seconds=60))  # the runner's lease: 5 minutes

    assert world.runner.run(slot) == "posted"

    assert len(world.posts()) == 1
    with world.engine.connect() as connection:
        lease_until = connection.scalar(select(WatchSlotRow.lease_until))
    assert lease_until > utcnow() + timedelta(minutes=4)
    assert [state for _, state, _ in world.store.slots_of(watch.watch_id)] == ["posted"]


def test_a_slot_taken_by_another_claimant_while_it_waited_runs_once(world):
    watch = world.watch("final_answer('deals')")
    waited = _claim(world, "slow", lease=timedelta(seconds=60))
    _expire_leases(world.engine)  # the slow claimant's programs took longer than its lease
    [taken] = world.store.reclaim_expired(claimant="other", lease=timedelta(minutes=5), limit=10)
    history = world.runner.agent.history
    runs = len(history.recent(limit=100))

    assert world.runner.run(waited) == "skipped"  # its turn came at last: too late
    assert world.runner.run(taken) == "posted"

    assert len(world.posts()) == 1
    assert len(history.recent(limit=100)) == runs + 1
    assert [state for _, state, _ in world.store.slots_of(watch.watch_id)] == ["posted"]


def test_a_slot_whose_lease_cannot_be_renewed_is_left_to_its_lease(world, monkeypatch):
    watch = world.watch("final_answer('deals')")
    waited = _claim(world, "slow", lease=timedelta(seconds=60))

    def renew(_slot, _lease):
        raise OperationalError("UPDATE watch_slots", {}, Exception("database is locked"))

    monkeypatch.setattr(world.store, "renew", renew)
    assert world.runner.run(waited) == "skipped"

    assert world.posts() == []
    assert [state for _, state, _ in world.store.slots_of(watch.watch_id)] == ["running"]


def test_a_slot_run_again_ends_the_pending_run_an_earlier_version_left(world):
    # Earlier versions recorded a slot's run as pending before running its program.
    watch = world.watch("final_answer('deals')")
    claimed = world.store.claim_due(
        FIRST_SLOT, claimant="dead", limit=10, lease=timedelta(minutes=5), fresh=timedelta(hours=6)
    )
    assert len(claimed.slots) == 1
    history = world.runner.agent.history
    left = history.start(watch.question, origin=Origin(source="watch"), model="m")
    with world.engine.begin() as connection:
        connection.execute(update(WatchSlotRow).values(run_id=left.run_id))
    _expire_leases(world.engine)

    assert run_due(world.runner, FIRST_SLOT + timedelta(minutes=10)) == Counter(posted=1)
    assert history.get(left.run_id).status == "interrupted"
    ran = history.get(world.store.get(watch.watch_id).last_run_id)
    assert ran.run_id != left.run_id and ran.ok and ran.answer == "deals"


def _expire_leases(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(update(WatchSlotRow).values(lease_until=utcnow() - timedelta(seconds=1)))


class _SlowSlack:
    """A poster whose posts wait until released, counting how many wait at once, over a runner
    that counts how many programs run at once."""

    def __init__(self, world: World, monkeypatch) -> None:
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.posting = self.programs = self.most_programs = 0
        self.all_posting = threading.Event()
        self.expected = 0
        poster = SlackPoster(world.slack.client())
        rerun = world.runner.agent.rerun

        def post(watch, run, *, slot_key):
            with self.lock:
                self.posting += 1
                if self.posting == self.expected:
                    self.all_posting.set()
            assert self.release.wait(30)
            return poster.post(watch, run, slot_key=slot_key)

        def counted_rerun(*args, **kwargs):
            with self.lock:
                self.programs += 1
                self.most_programs = max(self.most_programs, self.programs)
            try:
                return rerun(*args, **kwargs)
            finally:
                with self.lock:
                    self.programs -= 1

        slow = type("SlowPoster", (), {"post": staticmethod(post)})()
        monkeypatch.setattr(world.runner, "poster_for", lambda _team: slow)
        monkeypatch.setattr(world.runner.agent, "rerun", counted_rerun)


def test_slots_waiting_on_slack_do_not_hold_back_the_programs(world, monkeypatch):
    """One program at a time (workers=1), yet every slot's post may be in flight at once: with
    Slack answering in ~150 ms, threads that also posted left the cores idle."""
    slow = _SlowSlack(world, monkeypatch)
    slow.expected = 3
    for n in range(3):
        world.watch(f"final_answer('deal {n}')", owner_id=f"U{n:04d}")
    outcomes: list[Counter] = []
    cron = threading.Thread(
        target=lambda: outcomes.append(run_due(world.runner, FIRST_SLOT, workers=1))
    )
    cron.start()
    try:
        assert slow.all_posting.wait(30), f"only {slow.posting} posts in flight at once"
    finally:
        slow.release.set()
        cron.join(30)

    assert outcomes == [Counter(posted=3)] and slow.most_programs == 1
    assert len(world.posts()) == 3


def _three_due_with_slow_slack(world: World, monkeypatch) -> _SlowSlack:
    """Three hourly watches due now, each with a new answer to post, posting through Slack that
    answers only when released."""
    slow = _SlowSlack(world, monkeypatch)
    slow.expected = 3
    now = utcnow()
    for n in range(3):
        world.watch(
            f"final_answer('deal {n}')",
            "hourly",
            owner_id=f"U{n:04d}",
            now=now - timedelta(hours=2),
        )
    return slow


def test_serves_scheduler_runs_programs_while_posts_wait_on_slack(world, monkeypatch):
    slow = _three_due_with_slow_slack(world, monkeypatch)
    scheduler = WatchScheduler(world.runner, workers=1, live_in_flight=lambda: 0, poll_s=0.05)
    scheduler.start()
    try:
        assert slow.all_posting.wait(30), f"only {slow.posting} posts in flight at once"
    finally:
        slow.release.set()
        assert scheduler.stop(30)

    assert slow.most_programs == 1 and len(world.posts()) == 3


def test_while_a_live_question_is_answered_no_slot_starts_beside_another(world, monkeypatch):
    slow = _three_due_with_slow_slack(world, monkeypatch)
    live = [1]
    scheduler = WatchScheduler(
        world.runner, workers=4, live_in_flight=lambda: live[0], poll_s=0.05
    ).start()
    try:
        deadline = time.monotonic() + 30
        while slow.posting < 1:
            assert time.monotonic() < deadline, "the first slot never posted"
            time.sleep(0.01)
        time.sleep(0.5)  # the scheduler polls meanwhile; a live question holds the rest back
        assert (slow.posting, slow.most_programs) == (1, 1)

        live[0] = 0
        scheduler.wake()
        assert slow.all_posting.wait(30), f"only {slow.posting} posts in flight at once"
    finally:
        slow.release.set()
        assert scheduler.stop(30)

    assert len(world.posts()) == 3


def test_a_user_holds_a_bounded_number_of_watches(demo_engine, fake_slack, fake_anthropic):
    world = make_world(demo_engine, fake_slack, fake_anthropic)
    world.store.max_per_owner = 2
    world.watch("final_answer('a')")
    world.watch("final_answer('b')")

    with pytest.raises(Exception, match=USER_ID):
        world.watch("final_answer('c')")
    assert len(world.store.of_owner(TEAM_ID, USER_ID)) == 2


def test_the_bound_holds_when_watches_are_made_at_once(database_url, fake_slack, fake_anthropic):
    """Eight makers at once, each on an engine of its own (as processes are): two watches."""
    from bot.database import make_engine, upgrade

    engines = [make_engine(database_url) for _ in range(8)]
    upgrade(engines[0])
    worlds = [make_world(engine, fake_slack, fake_anthropic) for engine in engines]
    outcomes: list[str] = []
    for world in worlds:
        world.store.max_per_owner = 2

    def make(world: World) -> None:
        try:
            world.watch("final_answer('a')")
            outcomes.append("made")
        except TooManyWatches:
            outcomes.append("refused")

    try:
        run_together(make, worlds)
        assert sorted(outcomes) == ["made"] * 2 + ["refused"] * 6
        assert worlds[0].store.count_of(TEAM_ID, USER_ID) == 2
    finally:
        for engine in engines:
            engine.dispose()


def test_two_serve_schedulers_and_a_concurrent_run_due_post_once_per_slot(
    database_url, fake_slack, fake_anthropic
):
    """Three claimants, each with its own engine (as separate processes have), share one
    database; every due watch runs once and posts once."""
    from bot.database import make_engine, upgrade

    engines = [make_engine(database_url) for _ in range(3)]
    upgrade(engines[0])
    worlds = [make_world(engine, fake_slack, fake_anthropic) for engine in engines]
    now = utcnow()
    watches = [
        worlds[0].watch(
            f"final_answer('deal {n}')",
            "hourly",
            owner_id=f"U{n:04d}",
            now=now - timedelta(hours=2),
        )
        for n in range(24)
    ]
    assert all(watch.next_run_at <= now for watch in watches)
    schedulers = [
        WatchScheduler(w.runner, workers=2, live_in_flight=lambda: 0, poll_s=0.05)
        for w in worlds[:2]
    ]
    for scheduler in schedulers:
        scheduler.start()
    outcomes: list[Counter] = []
    cron = threading.Thread(target=lambda: outcomes.append(run_due(worlds[2].runner, now)))
    cron.start()
    cron.join(60)
    fake_slack.wait_for("chat.postMessage", len(watches), timeout=60)
    for scheduler in schedulers:
        assert scheduler.stop(30)

    posted = Counter(
        call["metadata"]["event_payload"]["slot"]
        for call in fake_slack.calls_to("chat.postMessage")
    )
    assert len(posted) == len(watches) and set(posted.values()) == {1}
    for watch in watches:
        assert [state for _, state, _ in worlds[0].store.slots_of(watch.watch_id)] == ["posted"]
    for engine in engines:
        engine.dispose()
