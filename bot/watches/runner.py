"""Running one claimed slot of a watch: its saved program in the sandbox with no model call
(one repair call when it breaks), recorded in the code history as a `watch` run, and posted
only when the answer changed. Delivery goes through a Poster: this module knows no Slack."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, TypeVar, cast

from cachetools import TTLCache
from sqlalchemy import Connection

from bot.agent import Agent
from bot.history import Finished, utcnow
from bot.ops import metrics
from bot.records import Origin, Outcome, RunRecord
from bot.settings import Settings
from bot.watches.recorder import Unchanged, UnchangedRecorder
from bot.watches.store import Slot, SlotOutcome, SlotState, Watch, WatchStore

log = logging.getLogger(__name__)

T = TypeVar("T")

SHARED_PROGRAMS = 4096  # distinct saved programs whose outcome is kept for sharing


@dataclass(frozen=True)
class WatchConfig:
    fresh: timedelta = timedelta(hours=6)  # a missed slot older than this is skipped
    lease: timedelta = timedelta(minutes=5)  # a claimant silent this long is taken as dead
    failures_before_pause: int = 3
    min_interval: timedelta = timedelta(hours=1)
    batch: int = 50  # slots claimed per transaction
    # How long the outcome of a saved program is shared by the watches with the same program
    # and time zone that fall due meanwhile (0: every slot runs its program).
    share_results: timedelta = timedelta(seconds=60)

    @classmethod
    def from_settings(cls, settings: Settings) -> WatchConfig:
        return cls(
            fresh=timedelta(hours=settings.dealbot_watch_fresh_hours),
            min_interval=timedelta(minutes=settings.dealbot_watch_min_interval_minutes),
            # A run may take the answer deadline (a repair's model call) and then post.
            lease=timedelta(seconds=settings.dealbot_answer_deadline_s + 120),
        )


@dataclass(frozen=True)
class Delivery:
    """How a post went: posted (`ts`), the target is gone for good (`gone`: Slack's reason),
    or neither (a passing failure: the next slot tries again)."""

    ts: str | None = None
    gone: str | None = None


@dataclass(frozen=True)
class Paused:
    """Why a watch paused itself, for its owner: its program kept failing (`failures` in a
    row), or its target is gone (`reason`, as the chat service gave it)."""

    failures: int = 0
    gone: str | None = None


class Poster(Protocol):
    """Delivers a watch's posts and notices (bot/slack/watches.py for Slack)."""

    def post(self, watch: Watch, run: RunRecord, *, slot_key: str) -> Delivery: ...

    def tell_owner(self, watch: Watch, paused: Paused) -> bool: ...


def same_answer(one: str | None, other: str | None) -> bool:
    """Equal but for spacing: what "only when the answer changes" compares."""
    return " ".join((one or "").split()) == " ".join((other or "").split())


def slot_key(slot: Slot) -> str:
    """The watch and the slot's time, to the second ("Run now" slots: to the microsecond)."""
    return f"{slot.watch.watch_id}:{slot.slot_at.isoformat()}"


class WatchRunner:
    def __init__(
        self,
        *,
        agent: Agent,
        store: WatchStore,
        poster_for: Callable[[str | None], Poster | None],
        config: WatchConfig,
    ) -> None:
        self.agent = agent
        self.store = store
        self.poster_for = poster_for
        self.config = config
        # The outcome of each saved program run in the last moments, by program, time zone
        # and slot: when many watches share a program (the same question asked, so the same
        # cached program) and fall due together, it runs once for all of them.
        self._recent: TTLCache[tuple[str, str, datetime], Outcome] = TTLCache(
            maxsize=SHARED_PROGRAMS, ttl=config.share_results.total_seconds()
        )
        self._lock = threading.Lock()  # TTLCache is not thread-safe
        self._unchanged = UnchangedRecorder(self._record_unchanged, self._record_unchanged_one)

    def flush(self, timeout_s: float | None = None) -> bool:
        """Wait until the slots run so far are recorded; False if `timeout_s` ran out first
        (those left are run again by their next claimant)."""
        return self._unchanged.flush(timeout_s)

    def run(self, slot: Slot, *, program_done: Callable[[], None] | None = None) -> SlotOutcome:
        """Run a claimed slot to its end; never raises (the slot records what happened).
        `program_done` is called once, as soon as the slot's program has run (or could not):
        what follows — the record, the post — waits on the database and the chat service, not
        on the machine's cores."""
        done = _Once(program_done)
        try:
            held = self._held(slot)
        except Exception:  # it may be another claimant's by now: left as it is, to its lease
            log.exception("watch %s: slot %s: its lease could not be renewed", *_named(slot))
            held = None
        try:
            outcome = self._run(held, done) if held is not None else "skipped"
        except Exception:
            log.exception("watch %s: slot %s failed", *_named(slot))
            self.store.finish_slot(slot, "failed")
            outcome = "failed"
        finally:
            done()
        metrics.shared().watch_runs.labels(outcome).inc()
        return outcome

    def _held(self, slot: Slot) -> Slot | None:
        """The slot, its lease renewed if half of it has gone by since it was claimed (claims
        take a batch, and a slot may wait behind others' programs); None if its lease ran out
        and another claimant took it, which runs it instead."""
        if slot.lease_until is None or utcnow() < slot.lease_until - self.config.lease / 2:
            return slot
        renewed = self.store.renew(slot, self.config.lease)
        if renewed is None:
            log.warning(
                "watch %s: slot %s waited past its lease and was taken by another claimant",
                *_named(slot),
            )
        return renewed

    def _run(self, slot: Slot, program_done: Callable[[], None]) -> SlotOutcome:
        """The program's run first, then its record with what it changes in one transaction:
        the run in the code history and the slot's end (or its post begun). Until then the
        claimed slot is what keeps the work from being lost: a claimant that dies mid-run
        leaves it to the next, which runs it again."""
        watch = slot.watch
        if slot.run_id:  # recorded as pending by an earlier version that then died
            self.agent.history.mark_interrupted(slot.run_id, "its slot was run again")
        outcome, ran = self._outcome(slot)
        program_done()
        if not outcome.ok:
            return self._failed(slot, outcome, ran)
        repaired = outcome.code if outcome.code and outcome.code != watch.code else None
        if repaired:
            log.info("watch %s: keeping its repaired program", watch.watch_id)
        if (
            watch.only_changes
            and not slot.manual
            and same_answer(outcome.answer, watch.last_answer)
        ):
            if repaired:  # the watch keeps the repaired program: a record of its own
                self._record_unchanged_one(Unchanged(slot, outcome, ran), code=repaired)
            else:  # the usual day: recorded with others (see recorder.py)
                self._unchanged.put(Unchanged(slot, outcome, ran))
            return "unchanged"

        def begin_post(connection: Connection, run: RunRecord) -> bool:
            if self.store.begin_post(slot, run.run_id, connection=connection):
                return True
            self.store.record_run(watch, run.run_id, ok=True, code=repaired, connection=connection)
            return False

        run, posting = self._record(slot, outcome, ran, begin_post)
        if not posting:  # deleted with its watch, or taken as lost meanwhile
            return "unchanged"
        delivery = self._deliver(watch, run, slot)
        if delivery.ts:
            with self.store.engine.begin() as connection:
                self.agent.history.set_reply(run.run_id, delivery.ts, connection=connection)
                self.store.settle(
                    slot,
                    "posted",
                    run.run_id,
                    ok=True,
                    code=repaired,
                    posted_answer=outcome.answer,
                    post_ts=delivery.ts,
                    connection=connection,
                )
            return "posted"
        state: SlotState = "gone" if delivery.gone else "failed"
        self.store.settle(slot, state, run.run_id, ok=True, code=repaired)
        if delivery.gone:
            self._target_gone(slot, delivery.gone)
            return "target_gone"
        return "failed"

    def _outcome(self, slot: Slot) -> tuple[Outcome, bool]:
        """The slot's program run, and whether it ran here (False: the outcome of the same
        program run moments ago for another watch due with it)."""
        watch = slot.watch
        if not slot.manual:  # "Run now" runs the program, whatever ran a moment ago
            with self._lock:
                shared = self._recent.get(_program_key(slot))
            if shared is not None:
                return shared, False
        outcome = self.agent.rerun(
            watch.question,
            watch.code,
            timezone=watch.timezone,
            repair=True,
            label=f"watch {watch.watch_id}",
        )
        if not slot.manual and outcome.ok and outcome.code == watch.code:
            with self._lock:  # a repaired program is the watch's own
                self._recent[_program_key(slot)] = outcome
        return outcome, True

    def _record(
        self,
        slot: Slot,
        outcome: Outcome,
        ran: bool,
        along: Callable[[Connection, RunRecord], T],
    ) -> tuple[RunRecord, T]:
        """The slot's run in the code history (origin `watch`), and `along` in its transaction."""
        watch = slot.watch
        run, result = self.agent.history.add(
            watch.question,
            outcome,
            origin=_origin(watch),
            model=self.agent.config.model,
            along=along,
        )
        if ran:
            metrics.observe_run(run.run_id, outcome)
        return run, cast(T, result)

    def _record_unchanged(self, items: list[Unchanged]) -> None:
        """Unchanged slots' runs and ends, in one transaction."""
        run_ids, _ = self.agent.history.add_many(
            [
                Finished(item.slot.watch.question, item.outcome, _origin(item.slot.watch))
                for item in items
            ],
            model=self.agent.config.model,
            along=lambda connection, run_ids: self.store.settle_unchanged(
                connection,
                [(item.slot, run_id) for item, run_id in zip(items, run_ids, strict=True)],
            ),
        )
        for item, run_id in zip(items, run_ids, strict=True):
            if item.ran:
                metrics.observe_run(run_id, item.outcome)

    def _record_unchanged_one(self, item: Unchanged, *, code: str | None = None) -> None:
        """One unchanged slot's run and end, with the program the watch keeps from now on
        (`code`), if it changed."""
        slot = item.slot
        self._record(
            slot,
            item.outcome,
            item.ran,
            lambda connection, run: self.store.settle(
                slot, "unchanged", run.run_id, ok=True, code=code, connection=connection
            ),
        )

    def _deliver(self, watch: Watch, run: RunRecord, slot: Slot) -> Delivery:
        poster = self.poster_for(watch.team_id)
        if poster is None:
            return Delivery(gone="dealbot is no longer installed in the workspace")
        return poster.post(watch, run, slot_key=slot_key(slot))

    def _failed(self, slot: Slot, outcome: Outcome, ran: bool) -> SlotOutcome:
        watch = slot.watch
        run, failures = self._record(
            slot,
            outcome,
            ran,
            lambda connection, run: self.store.settle(
                slot, "failed", run.run_id, ok=False, connection=connection
            ),
        )
        log.warning(
            "watch %s: run %s failed (%d in a row): %s",
            watch.watch_id,
            run.run_id,
            failures,
            run.error,
        )
        if failures >= self.config.failures_before_pause:
            reason = f"failed {failures} times in a row"
            if self.store.set_paused(watch.watch_id, True, reason):
                self._tell_owner(watch, Paused(failures=failures))
        return "failed"

    def _target_gone(self, slot: Slot, reason: str) -> None:
        watch = slot.watch
        log.warning(
            "watch %s: its target %s is gone (%s)", watch.watch_id, watch.channel_id, reason
        )
        if self.store.set_paused(watch.watch_id, True, f"cannot post: {reason}"):
            self._tell_owner(watch, Paused(gone=reason))

    def _tell_owner(self, watch: Watch, paused: Paused) -> None:
        """Once, by DM where possible (the pause that changed the watch is the one that tells)."""
        poster = self.poster_for(watch.team_id)
        if poster is None or not poster.tell_owner(watch, paused):
            log.warning("watch %s: could not tell its owner %s", watch.watch_id, watch.owner_id)


class _Once:
    """Calls `action` (if any) the first time it is called, never again."""

    def __init__(self, action: Callable[[], None] | None) -> None:
        self._action = action
        self._lock = threading.Lock()

    def __call__(self) -> None:
        with self._lock:
            action, self._action = self._action, None
        if action is not None:
            action()


def _named(slot: Slot) -> tuple[str, datetime]:
    """A slot as the log names it: its watch and its time."""
    return slot.watch.watch_id, slot.slot_at


def _program_key(slot: Slot) -> tuple[str, str, datetime]:
    """What a saved program's outcome depends on besides the data: its code and time zone;
    and only watches due at the same moment share it (a later slot runs on later data)."""
    return slot.watch.code, slot.watch.timezone, slot.slot_at


def _origin(watch: Watch) -> Origin:
    return Origin(
        source="watch",
        team_id=watch.team_id,
        channel_id=watch.channel_id,
        user_id=watch.owner_id,
        thread_ts=watch.thread_ts,
    )
