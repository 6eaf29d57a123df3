"""The code history: records each question as a pending run before work starts, then its outcome."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, cast

from sqlalchemy import (
    Connection,
    Engine,
    Insert,
    Result,
    Row,
    Select,
    Update,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, NoResultFound
from sqlalchemy.orm import selectinload, sessionmaker

from bot.database import transaction
from bot.records import Attempt, Origin, Outcome, RunRecord, RunStatus, Source, Usage
from bot.structured import Chart, Table
from bot.tables import AttemptRow, RunRow
from sandbox import ErrorKind
from sandbox.text import clean_text

if TYPE_CHECKING:
    from bot.leases import Leases

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

# Lower-case letters and digits without look-alikes (0/o, 1/l/i), so an id is easy to type.
_ID_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
_ID_LENGTH = 7
# A top-level DM message continues the DM's conversation of this long ago.
DM_MEMORY = timedelta(minutes=30)
UNFINISHED = ("pending", "recovering")


class Finished(NamedTuple):
    """A run to record finished (History.add_many): what was asked, how it ended, by whom."""

    question: str
    outcome: Outcome
    origin: Origin


class DuplicateEvent(Exception):
    """This event was already recorded: another delivery or another process is answering it."""


class LeaseLost(Exception):
    """Another process took this run (its lease ran out here): this process's result is late
    and must be neither stored nor shown."""


@dataclass(frozen=True)
class Claimed:
    """A run taken over by this process, and the instance that held it before (None: none)."""

    run: RunRecord
    previous_owner: str | None


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def new_run_id() -> str:
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(_ID_LENGTH))


class History:
    """Reads and writes runs on the bot's database."""

    def __init__(self, engine: Engine, leases: Leases | None = None) -> None:
        self.engine = engine
        # With leases (`dealbot serve`), runs are recorded and finished under this instance's.
        self.leases = leases
        self._session = sessionmaker(engine)  # reads; every write is one Core statement

    def start(
        self, question: str, *, origin: Origin, model: str, event_key: str | None = None
    ) -> RunRecord:
        """Record a pending run; raises DuplicateEvent when `event_key` was seen before."""
        values = _asked_values(question, origin, model) | {
            "event_key": event_key,
            "created_at": utcnow(),
            "status": "pending",
        }
        if self.leases is not None:
            values |= {
                "lease_owner": self.leases.instance_id,
                "lease_until": self.leases.lease_until(),
            }
        for _ in range(5):
            run_id = new_run_id()
            try:
                with self.engine.begin() as connection:
                    row = connection.execute(_START, values | {"run_id": run_id}).one()
                    if self.leases is not None:
                        self.leases.hold(run_id)
                    return _to_record(row, attempts=())
            except IntegrityError as exc:
                if event_key is not None and self._has_event(event_key):
                    raise DuplicateEvent(event_key) from exc
                log.info("run id collision, drawing another")
        raise RuntimeError("could not allocate a run id")

    def add(
        self,
        question: str,
        outcome: Outcome,
        *,
        origin: Origin,
        model: str,
        along: Callable[[Connection, RunRecord], T] | None = None,
    ) -> tuple[RunRecord, T | None]:
        """Record a finished run at once, with its attempts: for work whose own record keeps it
        from being lost until it ends (a watch's claimed slot), so it needs no pending run.
        `along` writes what goes with the run (the slot's end) in the same transaction, and
        what it returns comes back beside the stored run."""
        row = _finished_values(Finished(question, outcome, origin), model, utcnow())
        attempts = _cleaned_attempts(outcome)

        def write(connection: Connection) -> tuple[RunRecord, T | None]:
            drawn = row | {"run_id": new_run_id()}
            stored = _inserted(connection, _START, [drawn]).one()
            _add_attempts(connection, [(drawn["run_id"], attempts)])
            run = _to_record(stored, attempts=attempts)
            return run, along(connection, run) if along is not None else None

        return self._with_new_ids(write)

    def add_many(
        self,
        finished: Sequence[Finished],
        *,
        model: str,
        along: Callable[[Connection, list[str]], T] | None = None,
    ) -> tuple[list[str], T | None]:
        """`add` for several runs in one transaction, not read back: their ids, in order, and
        `along` given them in the same transaction. Each table's rows go by one executemany of
        a one-row statement (a multi-row INSERT … RETURNING, which reads them back, cost the
        bot ~0.23 ms a run on PostgreSQL, most of it the driver rewriting the long statement's
        placeholders; now ~0.1)."""
        now = utcnow()
        rows = [_finished_values(item, model, now) for item in finished]
        attempts = [_cleaned_attempts(item.outcome) for item in finished]

        def write(connection: Connection) -> tuple[list[str], T | None]:
            drawn = [row | {"run_id": new_run_id()} for row in rows]
            run_ids = [row["run_id"] for row in drawn]
            _inserted(connection, _ADD_FINISHED, drawn)
            _add_attempts(connection, list(zip(run_ids, attempts, strict=True)))
            return run_ids, along(connection, run_ids) if along is not None else None

        return self._with_new_ids(write)

    def _with_new_ids(self, write: Callable[[Connection], R]) -> R:
        """`write` in a transaction of its own, again with other run ids while the ones it drew
        are taken."""
        for _ in range(5):
            try:
                with self.engine.begin() as connection:
                    return write(connection)
            except _IdTaken:
                log.info("run id collision, drawing others")
        raise RuntimeError("could not allocate run ids")

    def finish(self, run_id: str, outcome: Outcome) -> RunRecord:
        """Store a run's outcome; with leases, only while this instance still holds the run
        (else LeaseLost: another process took it and answers it). One UPDATE, its attempts
        replaced, and the stored run read back by RETURNING: the path every answer takes."""
        attempts = _cleaned_attempts(outcome)
        ended = {"finished_at": utcnow(), "lease_owner": None, "lease_until": None}
        values = _outcome_values(outcome) | ended | {"the_run": run_id}
        statement = _FINISH
        if self.leases is not None:
            statement, values["holder"] = _FINISH_HELD, self.leases.instance_id
        try:
            with self.engine.begin() as connection:
                row = connection.execute(statement, values).one_or_none()
                if row is None:
                    if self.leases is not None:
                        raise LeaseLost(run_id)
                    raise NoResultFound(f"no run {run_id}")
                connection.execute(_FORGET_ATTEMPTS, {"the_run": row.id})
                _add_attempts(connection, [(run_id, attempts)])
                return _to_record(row, attempts=attempts)
        finally:
            self.let_go(run_id)

    def _still_ours(self, run: RunRow) -> bool:
        assert self.leases is not None
        return run.status in UNFINISHED and run.lease_owner in (None, self.leases.instance_id)

    def let_go(self, run_id: str) -> None:
        """Stop renewing a run's lease (finished, or failed here: recovery takes it later)."""
        if self.leases is not None:
            self.leases.release(run_id)

    def claim_unfinished(self, unleased_after: timedelta, *, gone: list[str]) -> list[Claimed]:
        """Take over Slack runs nobody is working on: a lease run out, or held by an instance
        in `gone`; a run recorded without a lease once older than `unleased_after`. Each is
        taken with a conditional UPDATE, so one process wins it."""
        now = utcnow()
        leased = and_(
            RunRow.lease_owner.is_not(None),
            or_(RunRow.lease_until < now, RunRow.lease_owner.in_(gone)),
        )
        unleased = and_(
            RunRow.lease_owner.is_(None),
            RunRow.status == "pending",
            RunRow.created_at <= now - unleased_after,
        )
        query = (
            select(RunRow)
            .options(selectinload(RunRow.attempts))
            .where(RunRow.status.in_(UNFINISHED), RunRow.source == "slack", or_(leased, unleased))
            .order_by(RunRow.created_at)
        )
        with self._session() as session:
            candidates = [
                (_to_record(run), run.lease_owner, run.lease_until)
                for run in session.scalars(query)
            ]
        return [
            Claimed(run, owner)
            for run, owner, until in candidates
            if self._claim(run.run_id, owner, until)
        ]

    def _claim(self, run_id: str, owner: str | None, until: datetime | None) -> bool:
        me = self.leases.instance_id if self.leases is not None else None
        statement = (
            update(RunRow)
            .where(
                RunRow.run_id == run_id,
                RunRow.status.in_(UNFINISHED),
                RunRow.lease_owner.is_(None) if owner is None else RunRow.lease_owner == owner,
                RunRow.lease_until.is_(None) if until is None else RunRow.lease_until == until,
            )
            .values(
                status="recovering",
                lease_owner=me,
                lease_until=self.leases.lease_until() if self.leases is not None else None,
            )
        )
        with self.engine.begin() as connection:
            won = _updated_one(connection, statement)
        if won and self.leases is not None:
            self.leases.hold(run_id)
        return won

    def set_progress(self, run_id: str, ts: str) -> None:
        """Remember the message showing progress, which a recovered answer replaces."""
        with self.engine.begin() as connection:
            connection.execute(update(RunRow).where(RunRow.run_id == run_id).values(progress_ts=ts))

    def get(self, run_id: str) -> RunRecord | None:
        """A run by its id, whatever its origin or workspace: the operator's view."""
        return self._one(select(RunRow).where(RunRow.run_id == run_id.lower()))

    def _one(self, query: Select) -> RunRecord | None:
        with self._session() as session:
            run = session.scalars(query.options(selectinload(RunRow.attempts))).one_or_none()
            return _to_record(run) if run else None

    def recent(self, *, limit: int = 10) -> list[RunRecord]:
        """The newest runs of every origin and workspace: the operator's view."""
        return self._newest(select(RunRow), limit)

    def in_workspace(self, team_id: str | None) -> WorkspaceRuns:
        """What the users of one Slack workspace may list, open, count and rate."""
        return WorkspaceRuns(self, team_id)

    def _newest(self, query: Select, limit: int) -> list[RunRecord]:
        query = query.options(selectinload(RunRow.attempts))
        query = query.order_by(RunRow.created_at.desc(), RunRow.id.desc()).limit(limit)
        with self._session() as session:
            return [_to_record(run) for run in session.scalars(query)]

    def conversation(self, origin: Origin, *, before_run: str | None = None) -> list[RunRecord]:
        """Earlier finished runs of the same conversation, oldest first: the same Slack
        thread, or for a top-level DM message the DM's runs of the last half hour."""
        if origin.thread_ts is not None:
            scope = RunRow.thread_ts == origin.thread_ts
        elif origin.is_dm and origin.channel_id is not None:
            scope = RunRow.created_at >= utcnow() - DM_MEMORY
        else:
            return []
        query = (
            select(RunRow)
            .options(selectinload(RunRow.attempts))
            .where(
                scope,
                RunRow.team_id == origin.team_id,
                RunRow.channel_id == origin.channel_id,
                RunRow.status != "pending",
            )
            .order_by(RunRow.created_at, RunRow.id)
        )
        if before_run is not None:
            query = query.where(RunRow.run_id != before_run)
        with self._session() as session:
            return [_to_record(run) for run in session.scalars(query)]

    def mark_interrupted(self, run_id: str, error: str) -> bool:
        """End a run still pending because its process was stopped (Ctrl-C, SIGTERM)."""
        statement = (
            update(RunRow)
            .where(RunRow.run_id == run_id, RunRow.status == "pending")
            .values(status="interrupted", error=error, finished_at=utcnow())
        )
        with self.engine.begin() as connection:
            return _updated_one(connection, statement)

    def set_reply(
        self,
        run_id: str,
        reply_ts: str,
        thread_ts: str | None = None,
        *,
        connection: Connection | None = None,
    ) -> None:
        """Remember the answer message and the thread it is in (`thread_ts`, else the answer
        starts one): a question asked outside a thread continues in its answer's thread.
        In `connection`'s transaction when given."""
        starts_thread = and_(RunRow.thread_ts.is_(None), RunRow.source == "slack")
        statement = (
            update(RunRow)
            .where(RunRow.run_id == run_id)
            .values(
                reply_ts=reply_ts,
                thread_ts=case((starts_thread, thread_ts or reply_ts), else_=RunRow.thread_ts),
            )
        )
        with transaction(self.engine, connection) as connection:
            if connection.execute(statement).rowcount != 1:
                raise NoResultFound(f"no run {run_id}")

    def _has_event(self, event_key: str) -> bool:
        with self._session() as session:
            return (
                session.scalar(select(RunRow.id).where(RunRow.event_key == event_key)) is not None
            )


class WorkspaceRuns:
    """The runs of one Slack workspace. Every query filters by its team id, so nothing asked
    in one workspace is listed, shown, counted or rated from another."""

    def __init__(self, history: History, team_id: str | None) -> None:
        self._history = history
        self._session = history._session
        self.team_id = team_id

    def recent(self, user_id: str, *, limit: int = 10) -> list[RunRecord]:
        """The user's newest runs in this workspace."""
        query = select(RunRow).where(RunRow.team_id == self.team_id, RunRow.user_id == user_id)
        return self._history._newest(query, limit)

    def get(self, run_id: str) -> RunRecord | None:
        """A run of this workspace by its id; None for another workspace's run, as for none."""
        query = select(RunRow).where(
            RunRow.run_id == run_id.lower(), RunRow.team_id == self.team_id
        )
        return self._history._one(query)

    def answered_in_thread(self, channel_id: str, thread_ts: str) -> bool:
        """Whether dealbot has answered in this thread (so a reply there is meant for it)."""
        query = select(RunRow.id).where(
            RunRow.team_id == self.team_id,
            RunRow.channel_id == channel_id,
            RunRow.thread_ts == thread_ts,
            RunRow.reply_ts.is_not(None),
        )
        with self._session() as session:
            return session.scalar(query.limit(1)) is not None

    def asked_at(self, user_id: str, since: datetime, *, nth_newest: int) -> datetime | None:
        """When the user asked their `nth_newest` question (1 = the latest) since `since`."""
        query = (
            select(RunRow.created_at)
            .where(
                RunRow.team_id == self.team_id,
                RunRow.user_id == user_id,
                RunRow.created_at >= since,
            )
            .order_by(RunRow.created_at.desc(), RunRow.id.desc())
            .offset(nth_newest - 1)
            .limit(1)
        )
        with self._session() as session:
            return session.scalar(query)

    def count_since(self, user_id: str, since: datetime) -> int:
        """How many questions the user asked in this workspace since `since` (the rate limit)."""
        query = select(func.count()).where(
            RunRow.team_id == self.team_id, RunRow.user_id == user_id, RunRow.created_at >= since
        )
        with self._session() as session:
            return session.scalar(query) or 0

    def set_feedback(self, run_id: str, feedback: str, user_id: str | None) -> bool:
        """Store 👍/👎 on a run of this workspace; False when there is none with that id."""
        statement = (
            update(RunRow)
            .where(RunRow.run_id == run_id, RunRow.team_id == self.team_id)
            .values(feedback=feedback, feedback_user=user_id)
        )
        with self._history.engine.begin() as connection:
            return _updated_one(connection, statement)


class _IdTaken(Exception):
    """The run id drawn is another run's: the transaction is rolled back and tried again."""


def _inserted(connection: Connection, statement: Insert, rows: list[dict[str, Any]]) -> Result:
    """Runs' rows inserted; _IdTaken when a run id drawn is another run's."""
    try:
        return connection.execute(statement, rows)
    except IntegrityError as exc:
        raise _IdTaken() from exc


def _add_attempts(connection: Connection, runs: list[tuple[str, tuple[Attempt, ...]]]) -> None:
    """The attempts of runs already written, by run id, in one executemany."""
    rows = [
        _attempt_values(run_id, seq, attempt)
        for run_id, attempts in runs
        for seq, attempt in enumerate(attempts)
    ]
    if rows:
        connection.execute(_ADD_ATTEMPT, rows)


def _updated_one(connection: Connection, statement: Update) -> bool:
    """Run an UPDATE; whether it changed exactly one row."""
    return connection.execute(statement).rowcount == 1


def _cleaned(values: dict[str, Any]) -> dict[str, Any]:
    """Every text value through clean_text(), so no text can keep a run from being saved."""
    return {key: clean_text(v) if isinstance(v, str) else v for key, v in values.items()}


def _asked_values(question: str, origin: Origin, model: str) -> dict[str, Any]:
    """A run's columns for what was asked, where and by whom."""
    return _cleaned(
        {
            "question": question,
            "model": model,
            "source": origin.source,
            "team_id": origin.team_id,
            "channel_id": origin.channel_id,
            "user_id": origin.user_id,
            "thread_ts": origin.thread_ts,
            "message_ts": origin.message_ts,
            "is_dm": origin.is_dm,
        }
    )


def _outcome_values(outcome: Outcome) -> dict[str, Any]:
    """Each field of the outcome onto its column, by the columns' names in the table (the
    attempts go onto rows of their own)."""
    return _cleaned(
        {
            "status": outcome.status,
            "answer": outcome.answer,
            "answer_table": outcome.table.to_json() if outcome.table else None,
            "answer_chart": outcome.chart.to_json() if outcome.chart else None,
            "code": outcome.code,
            "error": outcome.error,
            "llm_calls": outcome.usage.llm_calls,
            "input_tokens": outcome.usage.input_tokens,
            "output_tokens": outcome.usage.output_tokens,
            "cache_read_tokens": outcome.usage.cache_read_tokens,
            "cache_write_tokens": outcome.usage.cache_write_tokens,
            "tool_calls": outcome.tool_calls,
            "model_ms": outcome.model_ms,
            "sandbox_ms": outcome.sandbox_ms,
            "duration_ms": outcome.duration_ms,
            "reused_from": outcome.reused_from,
        }
    )


def _finished_values(item: Finished, model: str, now: datetime) -> dict[str, Any]:
    """A finished run's columns but its id."""
    return (
        _asked_values(item.question, item.origin, model)
        | _outcome_values(item.outcome)
        | {"created_at": now, "finished_at": now}
    )


def _cleaned_attempts(outcome: Outcome) -> tuple[Attempt, ...]:
    return tuple(_cleaned_attempt(attempt) for attempt in outcome.attempts)


def _cleaned_attempt(attempt: Attempt) -> Attempt:
    return replace(
        attempt,
        code=clean_text(attempt.code),
        error=clean_text(attempt.error) if attempt.error is not None else None,
        stdout=clean_text(attempt.stdout),
    )


def _attempt_values(run_id: str, seq: int, attempt: Attempt) -> dict[str, Any]:
    """An attempt's row, its run named by id (`_ADD_ATTEMPT`'s parameters)."""
    return {
        "of_run": run_id,
        "attempt_seq": seq,
        "attempt_code": attempt.code,
        "attempt_ok": attempt.ok,
        "attempt_error": attempt.error,
        "attempt_error_kind": attempt.error_kind,
        "attempt_stdout": attempt.stdout,
        "attempt_duration_ms": attempt.duration_ms,
        "attempt_tool_calls": attempt.tool_calls,
    }


def _attempt(row: AttemptRow) -> Attempt:
    return Attempt(
        code=row.code,
        ok=row.ok,
        error=row.error,
        error_kind=cast(ErrorKind | None, row.error_kind),
        stdout=row.stdout,
        duration_ms=row.duration_ms,
        tool_calls=row.tool_calls,
    )


# A run's columns under their attribute names ("table" is the column answer_table), so a
# row that RETURNING gives back reads like the mapped class.
_RUN_FIELDS = tuple(
    attribute.columns[0].label(attribute.key) for attribute in inspect(RunRow).column_attrs
)
# The statements every run takes, built once: Core on the tables, their SET and VALUES
# clauses from the keys of the parameters each execution passes (the columns' names).
_runs = RunRow.metadata.tables[RunRow.__tablename__]
_attempts = AttemptRow.metadata.tables[AttemptRow.__tablename__]
_START = insert(_runs).returning(*_RUN_FIELDS)
_ADD_FINISHED = insert(_runs)
_FINISH = update(_runs).where(_runs.c.run_id == bindparam("the_run")).returning(*_RUN_FIELDS)
_FINISH_HELD = _FINISH.where(  # with leases: only while no other instance took the run over
    _runs.c.status.in_(UNFINISHED),
    or_(_runs.c.lease_owner.is_(None), _runs.c.lease_owner == bindparam("holder")),
)
_FORGET_ATTEMPTS = delete(_attempts).where(_attempts.c.run_pk == bindparam("the_run"))
# An attempt's row by its run's id (run_pk read from the run's row in the same statement), so
# runs written without being read back get their attempts in one executemany; each column
# from the parameter of its name in _attempt_values.
_ATTEMPT_COLUMNS = (
    "seq",
    "code",
    "ok",
    "error",
    "error_kind",
    "stdout",
    "duration_ms",
    "tool_calls",
)
_ADD_ATTEMPT = insert(_attempts).from_select(
    ["run_pk", *_ATTEMPT_COLUMNS],
    select(
        _runs.c.id,
        *(bindparam(f"attempt_{name}", type_=_attempts.c[name].type) for name in _ATTEMPT_COLUMNS),
    ).where(_runs.c.run_id == bindparam("of_run")),
)


def _to_record(run: RunRow | Row[Any], attempts: tuple[Attempt, ...] | None = None) -> RunRecord:
    return RunRecord(
        run_id=run.run_id,
        question=run.question,
        created_at=run.created_at,
        origin=Origin(
            source=cast(Source, run.source),
            team_id=run.team_id,
            channel_id=run.channel_id,
            user_id=run.user_id,
            thread_ts=run.thread_ts,
            message_ts=run.message_ts,
            is_dm=run.is_dm,
        ),
        model=run.model,
        feedback=run.feedback,
        reply_ts=run.reply_ts,
        status=cast(RunStatus, run.status),
        answer=run.answer,
        table=Table.from_json(run.table) if run.table else None,
        chart=Chart.from_json(run.chart) if run.chart else None,
        code=run.code,
        error=run.error,
        attempts=tuple(_attempt(row) for row in run.attempts) if attempts is None else attempts,
        usage=Usage(
            llm_calls=run.llm_calls,
            input_tokens=run.input_tokens,
            output_tokens=run.output_tokens,
            cache_read_tokens=run.cache_read_tokens,
            cache_write_tokens=run.cache_write_tokens,
        ),
        tool_calls=run.tool_calls,
        model_ms=run.model_ms,
        sandbox_ms=run.sandbox_ms,
        duration_ms=run.duration_ms,
        reused_from=run.reused_from,
        progress_ts=run.progress_ts,
    )
