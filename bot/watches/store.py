"""Watches in the database: creating and managing them, and claiming due slots so that each
slot of each watch runs once and posts at most once, whatever number of processes share it.

A slot is claimed by moving the watch's `next_run_at` on and recording a `watch_slots` row
under the slot's key (watch, slot time) in the same transaction, the due rows held meanwhile
(PostgreSQL: locked with SKIP LOCKED, so claimants take disjoint batches; SQLite: the
database's write lock, so they take turns). A slot row's state goes running → posting →
posted; a claimant that dies leaves a lease that runs out: a running slot is run again, a
posting one is never posted again.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal, cast, get_args

from sqlalchemy import (
    Connection,
    CursorResult,
    Engine,
    Executable,
    Row,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.database import transaction
from bot.history import new_run_id, utcnow
from bot.watches.schedule import Schedule
from bot.watches.tables import WatchRow, WatchSlotRow

log = logging.getLogger(__name__)

Target = Literal["thread", "channel", "dm"]
SlotState = Literal["running", "posting", "posted", "unchanged", "failed", "gone", "lost"]
UNFINISHED: tuple[SlotState, ...] = ("running", "posting")
# How handling one due slot ended (the dealbot_watch_runs_total{outcome} label).
SlotOutcome = Literal["posted", "unchanged", "failed", "target_gone", "skipped"]
SLOT_OUTCOMES: tuple[str, ...] = get_args(SlotOutcome)


class TooManyWatches(Exception):
    """The owner holds the most watches a user may."""


@dataclass(frozen=True)
class NewWatch:
    team_id: str | None
    owner_id: str
    target: Target
    channel_id: str  # where posts go: a channel, or the owner's user id for their DMs
    thread_ts: str | None
    question: str
    code: str
    source_run_id: str
    timezone: str
    schedule: Schedule
    only_changes: bool = True
    # The answer its owner saw when making it (the source run's): a first run that answers the
    # same has nothing new to say ("tell me when Tide Pods go on BOGO": not "no BOGO" again).
    seen_answer: str | None = None


@dataclass(frozen=True)
class Watch:
    watch_id: str
    team_id: str | None
    owner_id: str
    target: Target
    channel_id: str
    thread_ts: str | None
    question: str
    code: str
    source_run_id: str
    timezone: str
    schedule: Schedule
    only_changes: bool
    paused: bool
    pause_reason: str | None
    failures: int
    next_run_at: datetime
    last_answer: str | None
    last_posted_at: datetime | None
    last_run_id: str | None
    created_at: datetime
    pk: int = 0


@dataclass(frozen=True)
class Slot:
    """One claimed run of a watch: the slot's time (its key) and the watch as claimed."""

    pk: int
    watch: Watch
    slot_at: datetime
    state: SlotState
    run_id: str | None = None
    manual: bool = False  # "Run now": posts whatever the answer
    lease_until: datetime | None = None  # the claim's lease, as taken (None: not known)


@dataclass(frozen=True)
class Claimed:
    slots: list[Slot]
    skipped: int  # due slots too old to run (after downtime): the next slot was scheduled


class WatchStore:
    def __init__(self, engine: Engine, *, max_per_owner: int = 20) -> None:
        self.engine = engine
        self._session = sessionmaker(engine, expire_on_commit=False)
        self.max_per_owner = max_per_owner
        self._skip_locked = engine.dialect.name == "postgresql"

    # --- managing ---------------------------------------------------------------------------

    def create(self, new: NewWatch, *, now: datetime | None = None) -> Watch:
        """A new watch whose first run is the schedule's next slot; TooManyWatches when the
        owner already holds `max_per_owner`."""
        now = now or utcnow()
        if self.count_of(new.team_id, new.owner_id) >= self.max_per_owner:
            raise TooManyWatches(new.owner_id)  # the usual refusal, before any write
        for _ in range(5):
            row = WatchRow(
                watch_id=new_run_id(),
                team_id=new.team_id,
                owner_id=new.owner_id,
                target=new.target,
                channel_id=new.channel_id,
                thread_ts=new.thread_ts,
                question=new.question,
                code=new.code,
                source_run_id=new.source_run_id,
                timezone=new.timezone,
                rule=new.schedule.rule,
                only_changes=new.only_changes,
                last_answer=new.seen_answer,
                paused=False,
                failures=0,
                next_run_at=new.schedule.next_after(now, new.timezone),
                created_at=now,
            )
            try:
                with self._session() as session, session.begin():
                    self._hold_owner(session, new.team_id, new.owner_id)
                    session.add(row)
                    session.flush()
                    owned = session.scalar(
                        select(func.count()).where(_owned(new.team_id, new.owner_id))
                    )
                    if (owned or 0) > self.max_per_owner:  # others made theirs meanwhile
                        raise TooManyWatches(new.owner_id)
                return _to_watch(row)
            except IntegrityError:
                log.info("watch id collision, drawing another")
        raise RuntimeError("could not allocate a watch id")

    def _hold_owner(self, session: Session, team_id: str | None, owner_id: str) -> None:
        """Until the transaction ends, the only one making a watch for this owner, so that its
        count is the count: on PostgreSQL a lock of the owner's own; SQLite's first write
        (the insert) waits for every other writer, and then reads what they wrote."""
        if self.engine.dialect.name == "postgresql":
            key = f"dealbot watches of {team_id or ''}:{owner_id}"
            session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})

    def count_of(self, team_id: str | None, owner_id: str) -> int:
        query = select(func.count()).where(_owned(team_id, owner_id))
        with self._session() as session:
            return session.scalar(query) or 0

    def get(self, watch_id: str) -> Watch | None:
        with self._session() as session:
            row = session.scalars(select(WatchRow).where(WatchRow.watch_id == watch_id)).first()
            return _to_watch(row) if row else None

    def of_owner(self, team_id: str | None, owner_id: str) -> list[Watch]:
        query = select(WatchRow).where(_owned(team_id, owner_id)).order_by(WatchRow.created_at)
        with self._session() as session:
            return [_to_watch(row) for row in session.scalars(query)]

    def all(self) -> list[Watch]:
        """Every watch of every workspace: the operator's view."""
        query = select(WatchRow).order_by(WatchRow.created_at, WatchRow.id)
        with self._session() as session:
            return [_to_watch(row) for row in session.scalars(query)]

    def set_paused(self, watch_id: str, paused: bool, reason: str | None = None) -> bool:
        """Pause (with why) or resume; True when this call changed it. Resuming forgets the
        failures in a row, and the next run is the next slot from now (none is caught up)."""
        values: dict = {"paused": paused, "pause_reason": reason if paused else None}
        with self._session() as session, session.begin():
            row = session.scalars(select(WatchRow).where(WatchRow.watch_id == watch_id)).first()
            if row is None or row.paused == paused:
                return False
            if not paused:
                schedule = Schedule.from_rule(row.rule)
                values |= {
                    "failures": 0,
                    "next_run_at": schedule.next_after(utcnow(), row.timezone),
                }
            statement = (
                update(WatchRow)
                .where(WatchRow.id == row.id, WatchRow.paused == (not paused))
                .values(**values)
            )
            return _changed(session, statement) == 1

    def delete(self, watch_id: str) -> bool:
        with self._session() as session, session.begin():
            pk = session.scalar(select(WatchRow.id).where(WatchRow.watch_id == watch_id))
            if pk is None:
                return False
            session.execute(delete(WatchSlotRow).where(WatchSlotRow.watch_pk == pk))
            session.execute(delete(WatchRow).where(WatchRow.id == pk))
            return True

    # --- claiming ---------------------------------------------------------------------------

    def has_due(self, now: datetime) -> bool:
        """Whether run_due at `now` would find work: a watch due, or a slot whose claimant's
        lease ran out."""
        due = select(WatchRow.id).where(WatchRow.paused.is_(False), WatchRow.next_run_at <= now)
        abandoned = select(WatchSlotRow.id).where(_abandoned(utcnow()))
        with self.engine.connect() as connection:
            return any(connection.scalar(query.limit(1)) is not None for query in (due, abandoned))

    def claim_due(
        self, now: datetime, *, claimant: str, limit: int, lease: timedelta, fresh: timedelta
    ) -> Claimed:
        """Claim up to `limit` watches due at `now`. After downtime a watch runs once, for its
        latest missed slot, and only if that slot is at most `fresh` old; either way its next
        run becomes the schedule's first slot after `now`."""
        query = (
            select(*_WATCH_FIELDS)
            .where(WatchRow.paused.is_(False), WatchRow.next_run_at <= now)
            # The due index's own order, so a claim reads only the rows it takes: with a
            # tie-break on id, PostgreSQL read and sorted every due watch for each claim (all
            # 10,000 of a storm share one due time).
            .order_by(WatchRow.next_run_at)
            .limit(limit)
        )
        if self._skip_locked:
            query = query.with_for_update(skip_locked=True)
        with self.engine.begin() as connection:
            if connection.dialect.name == "sqlite":
                # The write lock before the read, as PostgreSQL's row locks do: no claimant
                # moves these watches on between the read and the moves below.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            # Watches due together mostly share a schedule, time zone and due time: their
            # slot and next run are worked out once per claim, not once per watch.
            planned: dict[tuple[str, str, datetime], tuple[datetime, datetime]] = {}
            due = []
            for row in connection.execute(query).all():
                key = (row.rule, row.timezone, row.next_run_at)
                if key not in planned:
                    planned[key] = _slot_and_next(row.rule, row.timezone, row.next_run_at, now)
                due.append((row, *planned[key]))
            if not due:
                return Claimed([], 0)
            # One statement for every watch, another for every slot (a round trip each on
            # PostgreSQL), not two per watch.
            moves = [
                {"the_watch": row.id, "was": row.next_run_at, "next_run_at": following}
                for row, _, following in due
            ]
            moved = cast("CursorResult[Any]", connection.execute(_MOVE_ON, moves)).rowcount
            if moved != len(due):  # the locks above make this impossible: say so loudly
                raise RuntimeError(f"claimed {len(due)} due watches, but moved {moved} on")
            taken, stale = [], 0
            for row, slot_at, following in due:
                if now - slot_at > fresh:
                    log.info("watch %s: skipping the stale slot %s", row.watch_id, slot_at)
                    stale += 1
                else:
                    taken.append((row, slot_at, following))
            lease_until = utcnow() + lease
            slot_pks = _add_slots(
                connection, [(row.id, slot_at) for row, slot_at, _ in taken], claimant, lease_until
            )
            slots = [
                Slot(
                    pk,
                    _to_watch(row, next_run_at=following),
                    slot_at,
                    "running",
                    lease_until=lease_until,
                )
                for pk, (row, slot_at, following) in zip(slot_pks, taken, strict=True)
            ]
        return Claimed(slots, stale)

    def claim_now(self, watch_id: str, *, claimant: str, lease: timedelta) -> Slot | None:
        """A slot for "Run now", keyed by this second (a second click within it is the same
        run) and RUN_NOW_MICROSECOND: never the key of a scheduled slot, which falls on a
        whole second, so clicked at 9:00:00 it does not take the 9:00 slot's key (whose claim
        would then fail for good, with its batch). Its schedule is left as it is."""
        now = utcnow().replace(microsecond=RUN_NOW_MICROSECOND)
        query = select(*_WATCH_FIELDS).where(WatchRow.watch_id == watch_id)
        try:
            with self.engine.begin() as connection:
                row = connection.execute(query).first()
                if row is None:
                    return None
                lease_until = utcnow() + lease
                (slot_pk,) = _add_slots(connection, [(row.id, now)], claimant, lease_until)
                return Slot(
                    slot_pk, _to_watch(row), now, "running", manual=True, lease_until=lease_until
                )
        except IntegrityError:
            return None  # clicked twice within the second: that run is under way

    def reclaim_expired(
        self, *, claimant: str, lease: timedelta, limit: int, gone: Collection[str] = ()
    ) -> list[Slot]:
        """Slots whose claimant died: its lease ran out, or it is among the instances known to
        be `gone` (bot/leases.py). A running one is run again; a posting one may have posted,
        so it is marked lost and never posted again."""
        now = utcnow()
        query = (
            select(WatchSlotRow, WatchRow)
            .join(WatchRow, WatchRow.id == WatchSlotRow.watch_pk)
            .where(_abandoned(now, gone))
            .limit(limit)
        )
        reclaimed = []
        with self._session() as session, session.begin():
            for slot, row in session.execute(query).all():
                lost = slot.state == "posting"
                taken = _changed(
                    session,
                    update(WatchSlotRow)
                    .where(WatchSlotRow.id == slot.id, WatchSlotRow.lease_until == slot.lease_until)
                    .values(
                        claimed_by=claimant,
                        lease_until=now + lease,
                        state="lost" if lost else slot.state,
                        finished_at=now if lost else None,
                    )
                    .execution_options(synchronize_session=False),
                )
                if taken != 1:
                    continue
                log.info(
                    "watch %s: slot %s recovered from instance %s",
                    row.watch_id,
                    slot.slot_at,
                    slot.claimed_by,
                )
                if lost:
                    log.warning(
                        "watch %s: slot %s may have posted; not posting again",
                        row.watch_id,
                        slot.slot_at,
                    )
                    continue
                reclaimed.append(
                    Slot(
                        slot.id,
                        _to_watch(row),
                        slot.slot_at,
                        "running",
                        slot.run_id,
                        lease_until=now + lease,
                    )
                )
        return reclaimed

    # --- recording what a slot did ------------------------------------------------------------

    def renew(self, slot: Slot, lease: timedelta) -> Slot | None:
        """The slot with its lease running from now, if it is still as claimed (no claimant
        took it meanwhile: taking a slot changes its lease); None if another has it."""
        lease_until = utcnow() + lease
        values = {"the_slot": slot.pk, "held": slot.lease_until, "lease_until": lease_until}
        with self.engine.begin() as connection:
            renewed = cast("CursorResult[Any]", connection.execute(_RENEW_SLOT, values)).rowcount
        return replace(slot, lease_until=lease_until) if renewed == 1 else None

    def begin_post(self, slot: Slot, run_id: str, *, connection: Connection | None = None) -> bool:
        """Mark the slot as posting `run_id`'s answer before the post is sent; False when it is
        not ours to post (it was deleted with its watch, or already posted or lost)."""
        with transaction(self.engine, connection) as connection:
            values = {"the_slot": slot.pk, "run_id": run_id}
            return connection.execute(_BEGIN_POST, values).rowcount == 1

    def finish_slot(self, slot: Slot, state: SlotState, *, post_ts: str | None = None) -> None:
        self._update_slot(slot, state=state, post_ts=post_ts, finished_at=utcnow())

    def _update_slot(self, slot: Slot, **values: object) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(WatchSlotRow).where(WatchSlotRow.id == slot.pk).values(**values)
            )

    def record_run(
        self,
        watch: Watch,
        run_id: str,
        *,
        ok: bool,
        code: str | None = None,
        posted_answer: str | None = None,
        connection: Connection | None = None,
    ) -> int:
        """After a run: the failures in a row (returned), a repaired program, what was posted."""
        with transaction(self.engine, connection) as connection:
            return _record_run(connection, watch, run_id, ok, code, posted_answer)

    def settle(
        self,
        slot: Slot,
        state: SlotState,
        run_id: str,
        *,
        ok: bool,
        code: str | None = None,
        posted_answer: str | None = None,
        post_ts: str | None = None,
        connection: Connection | None = None,
    ) -> int:
        """`record_run` and the slot's end in one transaction (`connection`'s, when given: the
        run's own); returns the failures in a row."""
        with transaction(self.engine, connection) as connection:
            failures = _record_run(connection, slot.watch, run_id, ok, code, posted_answer)
            ended = {"state": state, "run_id": run_id, "post_ts": post_ts, "finished_at": utcnow()}
            connection.execute(_UPDATE_SLOT, ended | {"the_slot": slot.pk})
            return failures

    def settle_unchanged(self, connection: Connection, ran: Sequence[tuple[Slot, str]]) -> None:
        """The end of slots whose programs ran well and answered as last posted (`ran`: each
        slot and its run), in `connection`'s transaction: one statement per table for all."""
        ended = utcnow()
        connection.execute(
            _SETTLE_WATCH_OK,
            [{"the_watch": slot.watch.pk, "last_run_id": run_id} for slot, run_id in ran],
        )
        connection.execute(
            _UPDATE_SLOT,
            [
                {"the_slot": slot.pk, "state": "unchanged", "run_id": run_id, "finished_at": ended}
                for slot, run_id in ran
            ],
        )

    def prune_slots(self, older_than: timedelta) -> int:
        """Forget finished slots older than `older_than` (a watch keeps its last answer)."""
        cutoff = utcnow() - older_than
        statement = delete(WatchSlotRow).where(
            WatchSlotRow.state.not_in(UNFINISHED), WatchSlotRow.slot_at < cutoff
        )
        with self._session() as session, session.begin():
            return _changed(session, statement)

    def slots_of(self, watch_id: str) -> list[tuple[datetime, str, str | None]]:
        """(slot time, state, post ts) of a watch's slots, oldest first: for operators and tests."""
        query = (
            select(WatchSlotRow.slot_at, WatchSlotRow.state, WatchSlotRow.post_ts)
            .join(WatchRow, WatchRow.id == WatchSlotRow.watch_pk)
            .where(WatchRow.watch_id == watch_id)
            .order_by(WatchSlotRow.slot_at)
        )
        with self._session() as session:
            return [(row.slot_at, row.state, row.post_ts) for row in session.execute(query)]


def _record_run(
    connection: Connection,
    watch: Watch,
    run_id: str,
    ok: bool,
    code: str | None,
    posted_answer: str | None,
) -> int:
    values: dict[str, Any] = {"last_run_id": run_id, "the_watch": watch.pk}
    if code is not None:
        values["code"] = code
    if posted_answer is not None:
        values |= {"last_answer": posted_answer, "last_posted_at": utcnow()}
    return connection.scalar(_RECORD_OK if ok else _RECORD_FAILED, values) or 0


def _slot_and_next(
    rule: str, timezone: str, due: datetime, now: datetime
) -> tuple[datetime, datetime]:
    """The slot a watch due at `due` runs for at `now` (its latest missed one), and its next."""
    schedule = Schedule.from_rule(rule)
    return schedule.latest_between(due, now, timezone), schedule.next_after(now, timezone)


RUN_NOW_MICROSECOND = 1


def _add_slots(
    connection: Connection,
    slots: Sequence[tuple[int, datetime]],
    claimant: str,
    lease_until: datetime,
) -> list[int]:
    """Running slots under their keys (watch, slot time); their primary keys, in the same
    order."""
    if not slots:
        return []
    values = [
        {
            "watch_pk": watch_pk,
            "slot_at": slot_at,
            "state": "running",
            "claimed_by": claimant,
            "lease_until": lease_until,
        }
        for watch_pk, slot_at in slots
    ]
    return list(connection.execute(_ADD_SLOTS, values).scalars())


def _abandoned(now: datetime, gone: Collection[str] = ()):
    """Unfinished slots whose claimant died: its lease ran out, or it is among the instances
    known to be `gone`."""
    left = or_(WatchSlotRow.lease_until < now, WatchSlotRow.claimed_by.in_(list(gone)))
    return WatchSlotRow.state.in_(UNFINISHED) & left


def _owned(team_id: str | None, owner_id: str):
    team = WatchRow.team_id.is_(None) if team_id is None else WatchRow.team_id == team_id
    return team & (WatchRow.owner_id == owner_id)


# The statements each slot takes, built once: Core on the tables (no ORM unit of work),
# their SET and VALUES clauses from the keys of the parameters each execution passes.
_watches = WatchRow.metadata.tables[WatchRow.__tablename__]
_slots = WatchSlotRow.metadata.tables[WatchSlotRow.__tablename__]
_WATCH_FIELDS = tuple(_watches.columns)
_MOVE_ON = update(_watches).where(  # unless another claimant moved it first
    _watches.c.id == bindparam("the_watch"), _watches.c.next_run_at == bindparam("was")
)
_ADD_SLOTS = insert(_slots).returning(_slots.c.id, sort_by_parameter_order=True)
_UPDATE_SLOT = update(_slots).where(_slots.c.id == bindparam("the_slot"))
_RENEW_SLOT = _UPDATE_SLOT.where(
    _slots.c.lease_until == bindparam("held"), _slots.c.state.in_(UNFINISHED)
)
_BEGIN_POST = _UPDATE_SLOT.where(_slots.c.state == "running").values(state="posting")
_RECORD_RUN = update(_watches).where(_watches.c.id == bindparam("the_watch"))
_SETTLE_WATCH_OK = _RECORD_RUN.values(failures=0)  # for many watches at once: no RETURNING
_RECORD_OK = _SETTLE_WATCH_OK.returning(_watches.c.failures)
_RECORD_FAILED = _RECORD_RUN.values(failures=_watches.c.failures + 1).returning(_watches.c.failures)


def _to_watch(row: WatchRow | Row[Any], **changes: object) -> Watch:
    fields = {
        "pk": row.id,
        "watch_id": row.watch_id,
        "team_id": row.team_id,
        "owner_id": row.owner_id,
        "target": row.target,
        "channel_id": row.channel_id,
        "thread_ts": row.thread_ts,
        "question": row.question,
        "code": row.code,
        "source_run_id": row.source_run_id,
        "timezone": row.timezone,
        "schedule": Schedule.from_rule(row.rule),
        "only_changes": row.only_changes,
        "paused": row.paused,
        "pause_reason": row.pause_reason,
        "failures": row.failures,
        "next_run_at": row.next_run_at,
        "last_answer": row.last_answer,
        "last_posted_at": row.last_posted_at,
        "last_run_id": row.last_run_id,
        "created_at": row.created_at,
    }
    return Watch(**(fields | changes))  # type: ignore[arg-type]


def _changed(session: Session, statement: Executable) -> int:
    """How many rows an UPDATE or DELETE changed."""
    return cast("CursorResult[Any]", session.execute(statement)).rowcount
