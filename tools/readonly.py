"""Read-only, time-limited use of the application's database, for the tools alone.

SQLite: the tools borrow connections from the engine's own pool and fence each borrowing with
`PRAGMA query_only` and a progress handler that stops a statement past its deadline, both
taken down before the connection goes back (one that cannot be cleaned is discarded).

PostgreSQL: the tools read through a pool of their own on the same database (`_reader_engine`, one
per engine and time limit, disposed with the engine), whose connections are fenced once, for
their whole life, when they connect: read-only, a statement timeout, no parallel workers. They
run in autocommit, so a borrowing is its query alone — one round trip, not five (a ping,
BEGIN, a fence, the query, COMMIT): find_deals cost the bot 0.82 -> 0.40 ms of CPU and the
server 0.56 -> 0.33. Being the tools' alone, these connections never carry the fence to the
bot's writes; psycopg keeps their prepared statements, as no transaction ends in a ROLLBACK.
"""

from __future__ import annotations

import functools
import logging
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import cast

from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from tools.engines import server_engine
from tools.errors import DatabaseBusy, QueryTimeout

log = logging.getLogger(__name__)

PROGRESS_STEPS = 1000
QUERY_CANCELED = "57014"
# The readers' pool on PostgreSQL: 5 connections kept, up to 30 at once (as the bot's own; a
# process runs at most 32 tool calls at once, on the sandbox's tool threads), and a borrower
# waits for one no longer than its queries may run.
READERS = 5
READERS_OVERFLOW = 25
READERS_NAME = "dealbot-tools"  # their application_name, as pg_stat_activity shows them

TimedOut = Callable[[DBAPIError], bool]


class ReadOnlyDatabase:
    """Hands out read-only connections whose statements stop after `timeout_s` seconds."""

    def __init__(self, engine: Engine, *, timeout_s: float = 2.0) -> None:
        self.engine = engine
        self.timeout_s = timeout_s

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection that cannot write; raises QueryTimeout when a statement runs out of
        time."""
        reading = _postgres_reading if self.dialect == "postgresql" else _sqlite_reading
        with reading(self.engine, self.timeout_s) as (connection, timed_out):
            try:
                yield connection
            except DBAPIError as exc:
                if timed_out(exc):
                    raise QueryTimeout(f"over the {self.timeout_s:g} s limit") from exc
                raise


@contextmanager
def _postgres_reading(engine: Engine, timeout_s: float) -> Iterator[tuple[Connection, TimedOut]]:
    try:
        borrowed = _reader_engine(engine, timeout_s).connect()
    except PoolTimeout as exc:
        raise DatabaseBusy(f"no database connection came free within {timeout_s:g} s") from exc
    with borrowed as connection:
        yield connection, _canceled


def _canceled(exc: DBAPIError) -> bool:
    return getattr(exc.orig, "sqlstate", None) == QUERY_CANCELED


# By app engine, then time limit.
_reader_engines: weakref.WeakKeyDictionary[Engine, dict[float, Engine]] = (
    weakref.WeakKeyDictionary()
)
_reader_engines_lock = threading.Lock()


def _reader_engine(engine: Engine, timeout_s: float) -> Engine:
    """The tools' engine on `engine`'s PostgreSQL database for this time limit: made on first
    use, disposed when `engine` is."""
    with _reader_engines_lock:
        made = _reader_engines.get(engine)
        if made is None:
            made = _reader_engines[engine] = {}
            event.listen(engine, "engine_disposed", _dispose_readers)
        reader = made.get(timeout_s)
        if reader is None:
            reader = made[timeout_s] = server_engine(
                engine.url,
                isolation_level="AUTOCOMMIT",
                pool_size=READERS,
                max_overflow=READERS_OVERFLOW,
                pool_timeout=timeout_s,
                connect_args={"application_name": READERS_NAME},
            )
            timeout_ms = max(1, round(timeout_s * 1000))
            event.listen(reader, "connect", functools.partial(_fence_session, timeout_ms))
        return reader


def _dispose_readers(engine: Engine) -> None:
    """`engine`'s readers closed with its own connections. They stay its readers (a disposed
    engine connects again when used), so one borrowed meanwhile is closed with them next time.
    Like the bot's pool after a fork, a child process must not dispose them."""
    with _reader_engines_lock:
        made = list(_reader_engines.get(engine, {}).values())
    for reader in made:
        reader.dispose()


def _fence_session(timeout_ms: int, dbapi_connection, _record) -> None:
    """A reader's session, once, as it connects: its transactions cannot write, its statements
    stop after `timeout_ms`, and — as parallel workers cost more to start than these small
    queries take (and make the planner undervalue the GIN text index) — none."""
    cursor = dbapi_connection.cursor()  # in autocommit already (SQLAlchemy's hook runs first)
    try:
        cursor.execute(
            "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY;"
            f" SET statement_timeout = {timeout_ms};"
            " SET max_parallel_workers_per_gather = 0"
        )
    finally:
        cursor.close()


@contextmanager
def _sqlite_reading(engine: Engine, timeout_s: float) -> Iterator[tuple[Connection, TimedOut]]:
    with engine.connect() as connection, _sqlite_fence(connection, timeout_s) as timed_out:
        try:
            yield connection, timed_out
        finally:
            connection.rollback()  # it wrote nothing (it could not)


@contextmanager
def _sqlite_fence(connection: Connection, timeout_s: float):
    raw = cast(sqlite3.Connection, connection.connection.driver_connection)
    deadline = time.monotonic() + timeout_s
    stopped = []

    def past_deadline() -> int:
        if time.monotonic() > deadline:
            stopped.append(True)
            return 1
        return 0

    raw.execute("PRAGMA query_only = ON")
    raw.set_progress_handler(past_deadline, PROGRESS_STEPS)
    try:
        yield lambda _exc: bool(stopped)
    finally:
        _take_down_sqlite_fence(connection, raw)


def _take_down_sqlite_fence(connection: Connection, raw: sqlite3.Connection) -> None:
    try:
        raw.set_progress_handler(None, 0)
        raw.execute("PRAGMA query_only = OFF")
    except sqlite3.Error:
        log.warning("could not restore a SQLite connection after a tool query; discarding it")
        connection.invalidate()
