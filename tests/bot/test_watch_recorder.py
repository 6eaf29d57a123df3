"""The recorder of unchanged watch slots: batches, falling back slot by slot, flushing."""

from __future__ import annotations

import threading
import time
from datetime import datetime

from bot.records import Outcome
from bot.watches.recorder import Unchanged, UnchangedRecorder
from bot.watches.store import Slot
from tests.bot.conftest import a_watch

SLOT_AT = datetime(2026, 5, 8, 9, 0)


def _item(n: int) -> Unchanged:
    watch = a_watch(
        watch_id=f"w{n}", last_answer="x", next_run_at=SLOT_AT, created_at=SLOT_AT, pk=n
    )
    return Unchanged(Slot(n, watch, SLOT_AT, "running"), Outcome(status="ok", answer="x"), True)


def _batch_keeper(**options) -> tuple[UnchangedRecorder, list[list[int]]]:
    """A recorder that keeps the slot keys of each batch it writes, and those batches."""
    batches: list[list[int]] = []
    recorder = UnchangedRecorder(
        lambda items: batches.append([i.slot.pk for i in items]),
        lambda item: batches.append([item.slot.pk]),
        **options,
    )
    return recorder, batches


def test_slots_are_written_in_batches_of_at_most_the_batch_size():
    recorder, batches = _batch_keeper(batch=4)
    for n in range(10):
        recorder.put(_item(n))

    assert recorder.flush(5)
    assert sorted(pk for batch in batches for pk in batch) == list(range(10))
    assert all(1 <= len(batch) <= 4 for batch in batches)


def test_slots_that_end_a_little_apart_share_a_batch():
    recorder, batches = _batch_keeper(linger_s=30)
    for n in range(5):
        recorder.put(_item(n))
        time.sleep(0.03)  # a storm's slots end a few milliseconds apart

    assert recorder.flush(5)  # flush writes the lingering batch at once
    assert batches == [[0, 1, 2, 3, 4]]


def test_a_failed_batch_is_written_slot_by_slot_and_a_failed_slot_is_left_alone():
    written: list[int] = []

    def write(_items):
        raise RuntimeError("database gone")

    def write_one(item):
        if item.slot.pk == 1:
            raise RuntimeError("this one too")
        written.append(item.slot.pk)

    recorder = UnchangedRecorder(write, write_one, batch=10)
    for n in range(3):
        recorder.put(_item(n))

    assert recorder.flush(5)
    assert sorted(written) == [0, 2]
    recorder.put(_item(7))  # the recorder lives on after failures
    assert recorder.flush(5) and written[-1] == 7


def test_flush_says_when_slots_are_still_being_written():
    release = threading.Event()
    recorder = UnchangedRecorder(lambda _items: release.wait(5), lambda _item: None)
    recorder.put(_item(0))

    assert not recorder.flush(0.05)
    release.set()
    assert recorder.flush(5)
