"""Running due watches: `run_due` once (the CLI, cron, tests), or a `WatchScheduler` thread in
`dealbot serve` that claims due slots in small batches and runs them on a few threads of its
own, stepping back to one while live questions are being answered."""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from bot.history import utcnow
from bot.ops import metrics
from bot.watches.runner import WatchRunner
from bot.watches.store import Slot, SlotOutcome

log = logging.getLogger(__name__)

POLL_SECONDS = 15.0  # how often an idle scheduler looks for due watches
# Slots past their program — recording it, posting it, waiting out Slack's Retry-After — that
# may be in flight beside the programs running: they wait on the network, not on the cores.
# (With Slack answering in ~150 ms, 4 threads that also posted drained every-answer-new
# storms at ~20 slots/s whatever the cores could do.)
POSTING_SLOTS = 8
BUSY_PAUSE_SECONDS = 0.02  # between claims while there is due work
PRUNE_EVERY = timedelta(hours=1)
KEEP_SLOTS = timedelta(days=30)


def claimant_name() -> str:
    """Who claimed a slot, for operators reading the table: host, process, a random tag."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


def run_due(
    runner: WatchRunner, at: datetime | None = None, *, workers: int = 2
) -> Counter[SlotOutcome]:
    """Run, once, every watch due at `at` (naive UTC; default now) and every slot a dead
    claimant left; returns how each slot ended. Claims go a batch ahead of the threads, so
    no slot waits long under a claim it holds."""
    at = at or utcnow()
    config, store = runner.config, runner.store
    me = claimant_name()
    outcomes: Counter[SlotOutcome] = Counter()
    counting = threading.Lock()
    failures: list[BaseException] = []  # a slot that could not even record its failure
    # Slots claimed and not yet finished: at most a batch beyond the threads.
    threads = workers + POSTING_SLOTS
    room = threading.BoundedSemaphore(threads + config.batch)
    programs = threading.BoundedSemaphore(workers)  # at most `workers` programs at once

    def run(slot: Slot) -> None:
        try:
            programs.acquire()
            outcome = runner.run(slot, program_done=programs.release)
            with counting:
                outcomes[outcome] += 1
        except BaseException as exc:
            failures.append(exc)
        finally:
            room.release()

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="watch") as pool:
        slots = store.reclaim_expired(claimant=me, lease=config.lease, limit=10_000)
        while True:
            for slot in slots:
                room.acquire()
                pool.submit(run, slot)
            claimed = store.claim_due(
                at, claimant=me, limit=config.batch, lease=config.lease, fresh=config.fresh
            )
            with counting:
                outcomes["skipped"] += _note_skipped(claimed.skipped)
            if not claimed.slots and not claimed.skipped:
                break
            slots = claimed.slots
    runner.flush()
    if failures:
        raise failures[0]
    if not outcomes["skipped"]:
        del outcomes["skipped"]
    return outcomes


def _note_skipped(skipped: int) -> int:
    if skipped:
        metrics.shared().watch_runs.labels("skipped").inc(skipped)
    return skipped


class WatchScheduler:
    """A thread that claims due slots while `serve` runs: at most `workers` programs at once,
    and up to `posting` more slots past their program (recording, posting). Live questions
    come first: while any is being answered (`live_in_flight`: serve counts an answer waiting
    on the model as not), no slot starts beside another."""

    def __init__(
        self,
        runner: WatchRunner,
        *,
        workers: int,
        live_in_flight: Callable[[], int],
        poll_s: float = POLL_SECONDS,
        claimant: str | None = None,
        gone: Callable[[], Collection[str]] = tuple,
        posting: int = POSTING_SLOTS,
    ) -> None:
        self.runner = runner
        self.workers = workers
        self.posting = posting
        self.live_in_flight = live_in_flight
        self.poll_s = poll_s
        # With leases (serve), the instance id, and the instances proven gone whose slots
        # are taken at once instead of when their lease runs out.
        self.claimant = claimant or claimant_name()
        self.gone = gone
        self._pool = ThreadPoolExecutor(max_workers=workers + posting, thread_name_prefix="watch")
        self._running = 0  # slots in flight
        self._programs = 0  # of which, running their program
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="watch-scheduler", daemon=True)
        self._pruned = 0.0
        # Slots claimed but not yet started: a claim takes a batch (the runner's config), so
        # that its transaction and the look for abandoned slots are paid once per batch, not
        # per slot (in a storm, 8 a claim cost 0.53 ms of this process's CPU a slot on SQLite
        # and 0.91 on PostgreSQL; 50: 0.18 and 0.52). A slot that waits here past half its
        # lease (slow programs, live questions) renews it as it starts (WatchRunner.run).
        self._claimed: deque[Slot] = deque()

    def start(self) -> WatchScheduler:
        self._thread.start()
        return self

    def wake(self) -> None:
        """Look for due work now (a new watch, "Run now")."""
        self._wake.set()

    def submit(self, slot: Slot) -> None:
        """Run a slot claimed elsewhere (Run now) on the watch threads."""
        with self._lock:
            self._running += 1
            self._programs += 1
        self._pool.submit(self._run, slot)

    def stop(self, timeout_s: float) -> bool:
        """Claim nothing more and wait up to `timeout_s` for slots in flight (an unfinished one,
        and one claimed but not started, is run again by the next claimant once its lease runs
        out or this instance is known to be gone)."""
        deadline = time.monotonic() + timeout_s

        def left() -> float:
            return max(0.0, deadline - time.monotonic())

        self._stop.set()
        self._wake.set()
        self._thread.join(left())
        with self._lock:
            finished = self._idle.wait_for(lambda: self._running == 0, timeout=left())
        self._pool.shutdown(wait=False, cancel_futures=True)
        return self.runner.flush(left()) and finished

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self._tick()
            except Exception:
                log.exception("watch scheduler: claiming failed; trying again shortly")
                busy = False
            self._wake.wait(BUSY_PAUSE_SECONDS if busy else self.poll_s)
            self._wake.clear()

    def _tick(self) -> bool:
        """Start the slots there is room for now, from slots claimed a few at a time (one
        claim's transaction serves several slots); True when more may be waiting."""
        self._prune_now_and_then()
        free = self._free_slots()
        if free <= 0:
            return True
        more = True
        if not self._claimed:
            more = self._claim(max(free, self.runner.config.batch))
        for _ in range(min(free, len(self._claimed))):
            self.submit(self._claimed.popleft())
        return more or bool(self._claimed)

    def _claim(self, limit: int) -> bool:
        """Claim up to `limit` slots into the queue; True when more may be waiting."""
        config, store = self.runner.config, self.runner.store
        slots = store.reclaim_expired(
            claimant=self.claimant, lease=config.lease, limit=limit, gone=self.gone()
        )
        if slots:
            metrics.shared().recovered_runs.labels("watch_slot").inc(len(slots))
        skipped = 0
        if len(slots) < limit:
            claimed = store.claim_due(
                utcnow(),
                claimant=self.claimant,
                limit=limit - len(slots),
                lease=config.lease,
                fresh=config.fresh,
            )
            skipped = _note_skipped(claimed.skipped)
            slots += claimed.slots
        self._claimed.extend(slots)
        return bool(skipped) or len(slots) >= limit

    def _free_slots(self) -> int:
        """How many slots may start now: programs up to the limit, threads permitting; while a
        live question is being answered, one slot in all (one posting holds the bot's process
        too: its rendering, its client and its records)."""
        if self.live_in_flight() == 0:
            programs, slots = self.workers, self.workers + self.posting
        else:
            programs, slots = 1, 1
        with self._lock:
            return min(programs - self._programs, slots - self._running)

    def _run(self, slot: Slot) -> None:
        try:
            self.runner.run(slot, program_done=self._program_done)
        finally:
            with self._lock:
                self._running -= 1
                self._idle.notify_all()
            self._wake.set()

    def _program_done(self) -> None:
        with self._lock:
            self._programs -= 1
        self._wake.set()

    def _prune_now_and_then(self) -> None:
        if time.monotonic() - self._pruned < PRUNE_EVERY.total_seconds():
            return
        self._pruned = time.monotonic()
        pruned = self.runner.store.prune_slots(KEEP_SLOTS)
        if pruned:
            log.info("watch scheduler: forgot %d finished slots older than %s", pruned, KEEP_SLOTS)
