"""Engines on a database server (PostgreSQL): the bot's own (bot/database.py) and the tools'
readers (readonly.py) connect within seconds and check a pooled connection before use only
after it has idled."""

from __future__ import annotations

import functools
import time
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Dialect
from sqlalchemy.exc import InvalidatePoolError

# A server that takes the connection and then says nothing is an error within seconds, not a
# wait without end (unless the URL sets its own connect_timeout).
CONNECT_TIMEOUT_S = 10

# A pooled connection is pinged before use only when it has been idle this long (as
# HikariCP's aliveBypassWindowMs): one back in the pool a moment ago is alive but for the rare
# failure a ping would race anyway, and under load (a storm of watches: a connection out and
# back every millisecond or two) pool_pre_ping's round trip on every borrowing was ~2 % of the
# machine — the bot's CPU and the server's.
PING_AFTER_IDLE_S = 1.0


def server_engine(
    url: str | URL, *, connect_args: dict[str, Any] | None = None, **options
) -> Engine:
    """create_engine for a database server, with the connect timeout and the idle ping."""
    query = url.query if isinstance(url, URL) else url
    timeout = {} if "connect_timeout" in query else {"connect_timeout": CONNECT_TIMEOUT_S}
    engine = create_engine(url, connect_args=timeout | (connect_args or {}), **options)
    event.listen(engine, "checkin", _note_idle)
    event.listen(engine, "checkout", functools.partial(_ping_if_idle, engine.dialect))
    return engine


def _note_idle(_dbapi_connection, record) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dialect: Dialect, dbapi_connection, record, _proxy) -> None:
    """pool_pre_ping for a connection idle a while (a new one has no mark: it is not pinged).
    A ping that finds the connection gone invalidates the pool, as pool_pre_ping does: the
    pool connects again, and the connections older than this one are replaced as used."""
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_S:
        return
    try:
        dialect.do_ping(dbapi_connection)
    except dialect.loaded_dbapi.Error as exc:
        if dialect.is_disconnect(exc, dbapi_connection, None):
            raise InvalidatePoolError(f"connection lost while idle: {exc}") from exc
        raise
