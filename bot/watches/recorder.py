"""Recording the slots whose answer did not change, a batch per transaction.

On the usual day most due slots end so: the program ran well and answered as last posted, so
nothing is posted and only the run and the slot's end are written. One transaction per slot
was most of a slot's database work; a thread of this module's own writes them in batches
(every run by one statement, every slot by one). Until its batch commits a slot stays claimed
and running, so a process that dies first leaves it to the next claimant, which runs it
again: nothing is held only here.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from bot.records import Outcome
from bot.watches.store import Slot

log = logging.getLogger(__name__)

BATCH = 50  # slots per transaction, at most
# How long a batch waits for more slots once it has one (flush cuts it short). Slots end
# every few milliseconds in a storm: a 10 ms wait wrote most of them one per transaction,
# which cost more than running them (SQLite, 2 cores: 2.6 ms a slot in this thread).
LINGER_S = 0.25
_WAKE = object()  # put by flush: write what the batch holds now


@dataclass(frozen=True)
class Unchanged:
    """A slot whose program ran well and answered as last posted, with how it ran (`ran`:
    here, rather than shared from a run moments ago)."""

    slot: Slot
    outcome: Outcome
    ran: bool


class UnchangedRecorder:
    """Writes unchanged slots with `write` (the runs and the slots' ends of a batch, in one
    transaction); a batch that fails is written slot by slot with `write_one`, and a slot that
    still fails is left claimed for the next claimant to run again."""

    def __init__(
        self,
        write: Callable[[list[Unchanged]], None],
        write_one: Callable[[Unchanged], None],
        *,
        batch: int = BATCH,
        linger_s: float = LINGER_S,
    ) -> None:
        self._write = write
        self._write_one = write_one
        self._batch = batch
        self._linger_s = linger_s
        self._queue: queue.SimpleQueue[Unchanged | object] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._settled = threading.Condition(self._lock)
        self._pending = 0
        self._thread: threading.Thread | None = None

    def put(self, item: Unchanged) -> None:
        with self._lock:
            self._pending += 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._loop, name="watch-recorder", daemon=True
                )
                self._thread.start()
            self._queue.put(item)  # under the lock: a flush's wake-up comes after it

    def flush(self, timeout_s: float | None = None) -> bool:
        """Wait until every slot put so far is written (or given up); False on timeout."""
        with self._lock:
            if self._pending:  # a batch may be lingering: write it now
                self._queue.put(_WAKE)
            return self._settled.wait_for(lambda: self._pending == 0, timeout=timeout_s)

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is _WAKE:
                continue
            items = [cast(Unchanged, first)]
            linger_until = time.monotonic() + self._linger_s
            while len(items) < self._batch:
                try:
                    item = self._queue.get(timeout=max(0.0, linger_until - time.monotonic()))
                except queue.Empty:
                    break
                if item is _WAKE:
                    break
                items.append(cast(Unchanged, item))
            try:
                self._record(items)
            finally:
                with self._lock:
                    self._pending -= len(items)
                    self._settled.notify_all()

    def _record(self, items: list[Unchanged]) -> None:
        try:
            self._write(items)
            return
        except Exception:
            log.exception("recording %d unchanged watch slots failed; one by one", len(items))
        for item in items:
            try:
                self._write_one(item)
            except Exception:
                log.exception(
                    "watch %s: could not record slot %s; its next claimant runs it again",
                    item.slot.watch.watch_id,
                    item.slot.slot_at,
                )
