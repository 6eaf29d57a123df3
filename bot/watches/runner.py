"""Running one claimed slot of a watch: its saved program in the sandbox with no model call
(one repair call when it breaks), recorded in the code history as a `watch` run, and posted
only when the answer changed. Delivery goes through a Poster: this module knows no Slack."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from cachetools import TTLCache

from bot.agent import Agent
from bot.ops import metrics
from bot.records import Origin, Outcome, RunRecord
from bot.settings import Settings
from bot.watches.store import Slot, SlotOutcome, SlotState, Watch, WatchStore

log = logging.getLogger(__name__)

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
    return f"{slot.watch.watch_id}:{slot.slot_at:%Y-%m-%dT%H:%M:%S}"


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

    def run(self, slot: Slot) -> SlotOutcome:
        """Run a claimed slot to its end; never raises (the slot records what happened)."""
        try:
            outcome = self._run(slot)
        except Exception:
            log.exception("watch %s: slot %s failed", slot.watch.watch_id, slot.slot_at)
            self.store.finish_slot(slot, "failed")
            outcome = "failed"
        metrics.shared().watch_runs.labels(outcome).inc()
        return outcome

    def _run(self, slot: Slot) -> SlotOutcome:
        watch = slot.watch
        done = self._program_run(slot)
        if not done.ok:
            return self._failed(slot, done)
        repaired = done.code if done.code and done.code != watch.code else None
        if repaired:
            log.info(
                "watch %s: keeping the repaired program of run %s", watch.watch_id, done.run_id
            )
        if watch.only_changes and not slot.manual and same_answer(done.answer, watch.last_answer):
            self.store.settle(slot, "unchanged", done.run_id, ok=True, code=repaired)
            return "unchanged"
        if not self.store.begin_post(slot):
            self.store.record_run(watch, done.run_id, ok=True, code=repaired)
            return "unchanged"
        delivery = self._deliver(watch, done, slot)
        if delivery.ts:
            self.agent.history.set_reply(done.run_id, delivery.ts)
            self.store.settle(
                slot,
                "posted",
                done.run_id,
                ok=True,
                code=repaired,
                posted_answer=done.answer,
                post_ts=delivery.ts,
            )
            return "posted"
        state: SlotState = "gone" if delivery.gone else "failed"
        self.store.settle(slot, state, done.run_id, ok=True, code=repaired)
        if delivery.gone:
            self._target_gone(slot, delivery.gone)
            return "target_gone"
        return "failed"

    def _program_run(self, slot: Slot) -> RunRecord:
        """The slot's run in the code history: recorded once, finished once (a slot taken over
        from a dead claimant goes on with the run it recorded)."""
        watch = slot.watch
        run = self.agent.history.get(slot.run_id) if slot.run_id else None
        if run is not None and run.status != "pending":
            return run
        if run is None:
            run = self.agent.record(watch.question, origin=_origin(watch))
            self.store.set_slot_run(slot, run.run_id)
        if slot.manual:  # "Run now" runs the program, whatever ran a moment ago
            return self.agent.rerun(run, watch.code, timezone=watch.timezone, repair=True)
        key = _program_key(slot)
        with self._lock:
            shared = self._recent.get(key)
        if shared is not None:
            return self.agent.share(run, shared)
        done = self.agent.rerun(run, watch.code, timezone=watch.timezone, repair=True)
        if done.ok and done.code == watch.code:  # a repaired program is the watch's own
            with self._lock:
                self._recent[key] = done.outcome()
        return done

    def _deliver(self, watch: Watch, run: RunRecord, slot: Slot) -> Delivery:
        poster = self.poster_for(watch.team_id)
        if poster is None:
            return Delivery(gone="dealbot is no longer installed in the workspace")
        return poster.post(watch, run, slot_key=slot_key(slot))

    def _failed(self, slot: Slot, run: RunRecord) -> SlotOutcome:
        watch = slot.watch
        failures = self.store.settle(slot, "failed", run.run_id, ok=False)
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
