"""Read-only, time-limited use of the application's engine, for the tools alone.

The tools borrow connections from the engine's own pool (no second pool, no extra
connections per question) and fence each borrowing: SQLite gets `PRAGMA query_only` and a
progress handler that stops a statement past its deadline; PostgreSQL gets a read-only
transaction with a local `statement_timeout`. The fence is taken down before the
connection goes back to the pool, and a connection that cannot be cleaned is discarded.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from tools.errors import QueryTimeout

log = logging.getLogger(__name__)

PROGRESS_STEPS = 1000
QUERY_CANCELED = "57014"


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
        """A connection in a transaction that cannot write; raises QueryTimeout when a
        statement runs out of time."""
        with self.engine.connect() as connection:
            fence = _postgres_fence if self.dialect == "postgresql" else _sqlite_fence
            with fence(connection, self.timeout_s) as timed_out:
                try:
                    yield connection
                except DBAPIError as exc:
                    if timed_out(exc):
                        raise QueryTimeout(f"over the {self.timeout_s:g} s limit") from exc
                    raise
                finally:
                    _end_reading(connection)


def _end_reading(connection: Connection) -> None:
    """End a borrowing's transaction, which wrote nothing (it could not). On PostgreSQL an
    intact one is committed, not rolled back: psycopg forgets the connection's prepared
    statements at every ROLLBACK, and the tools run the same few statements over and over —
    prepared, PostgreSQL plans them once per connection instead of every call (find_deals:
    0.9 ms of planning against 0.4 ms of execution, the server's CPU per call 2.4 -> 1.1 ms)."""
    if connection.dialect.name == "postgresql":
        from psycopg.pq import TransactionStatus

        raw = connection.connection.driver_connection
        if raw is not None and raw.info.transaction_status == TransactionStatus.INTRANS:
            connection.commit()
            return
    connection.rollback()


# One round trip fences a borrowing: read-only, a local statement timeout and, as parallel
# workers cost more to start than these small queries take (and make the planner undervalue
# the GIN text index), none. Settings made with is_local last until the transaction ends.
POSTGRES_FENCE = text(
    "SELECT set_config('transaction_read_only', 'on', true),"
    " set_config('statement_timeout', :timeout, true),"
    " set_config('max_parallel_workers_per_gather', '0', true)"
)


@contextmanager
def _postgres_fence(connection: Connection, timeout_s: float):
    connection.execute(POSTGRES_FENCE, {"timeout": str(max(1, round(timeout_s * 1000)))})
    yield lambda exc: getattr(exc.orig, "sqlstate", None) == QUERY_CANCELED


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
