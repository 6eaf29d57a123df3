"""Engines, migrations and the first-use set-up of the embedded default database."""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import InvalidatePoolError

import migrations
import tools
from bot.settings import SettingsError, mask_passwords

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(migrations.__file__).parent
CONNECT_TIMEOUT_S = 10  # PostgreSQL: how long to wait for a connection
MIGRATION_LOCK = 0x6465616C626F74  # PostgreSQL advisory lock key while migrating ("dealbot")


def normalize_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs (the driver dealbot installs)."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names, made absolute; None for other databases and in-memory ones."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    if parsed.database.startswith("file:"):
        return None
    return Path(parsed.database).resolve()


def describe_database(url: str) -> str:
    """The database as a person looks for it: a SQLite file's full path, else the URL with its
    password masked."""
    path = sqlite_file(url)
    return str(path) if path is not None else mask_passwords(url)


def make_engine(url: str) -> Engine:
    """An engine for the bot's own reads and writes (the tools derive a read-only one)."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # A server that takes the connection and then says nothing is an error within seconds,
    # not a wait without end.
    connect_args = {"connect_timeout": CONNECT_TIMEOUT_S} if "connect_timeout" not in url else {}
    engine = create_engine(url, pool_size=10, max_overflow=20, connect_args=connect_args)
    event.listen(engine, "checkin", _note_idle)
    event.listen(engine, "checkout", functools.partial(_ping_if_idle, engine.dialect))
    return engine


# A pooled connection is pinged before use only when it has been idle this long (as
# HikariCP's aliveBypassWindowMs): one back in the pool a moment ago is alive but for the rare
# failure a ping would race anyway, and under load (a storm of watches: a connection out and
# back every millisecond or two) pool_pre_ping's round trip on every borrowing was ~2 % of the
# machine — the bot's CPU and the server's.
PING_AFTER_IDLE_S = 1.0


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


@contextlib.contextmanager
def transaction(engine: Engine, connection: Connection | None = None) -> Iterator[Connection]:
    """`connection`, in the transaction its caller runs (so writes of several stores commit
    together), or else a transaction of its own on `engine`."""
    if connection is not None:
        yield connection
        return
    with engine.begin() as own:
        yield own


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL syncs at checkpoints, not at every commit: a commit survives the
    # process crashing; only a power cut may lose the last ones, and never corrupts the file.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    url = engine.url.render_as_string(hide_password=False)
    # The option is read through configparser, where "%" (in an encoded password) is special.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to `revision` on the engine's database, one process at a time:
    several starting at once on a new database (a deploy of several `serve`) take turns, and
    the later ones find it migrated."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        if revision == "head" and _at_head(connection):
            return  # every command starts here: Alembic's own run costs tens of milliseconds
        _hold_migrations(connection)
        if revision == "head" and _at_head(connection):
            return  # migrated by the process we waited for
        config.attributes["connection"] = connection
        try:
            command.upgrade(config, revision)
        except CommandError as exc:
            if "Can't locate revision" not in str(exc):
                raise
            current = MigrationContext.configure(connection).get_current_revision()
            raise NewerDatabase(
                f"DATABASE_URL: the database is at migration {current!r}, which this dealbot "
                "does not know: it was migrated by a newer dealbot; run that one, or upgrade"
            ) from None


class NewerDatabase(SettingsError):
    """The database was migrated by a newer version of dealbot."""


def _hold_migrations(connection: Connection) -> None:
    """Until the transaction ends, the only process migrating this database: PostgreSQL's
    advisory lock of dealbot's own; on SQLite the database's write lock (its DDL then runs in
    that transaction, as PostgreSQL's does)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
    elif connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@functools.cache
def _head_revision() -> str | None:
    """The newest migration (the scripts do not change while the process runs)."""
    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def _at_head(connection: Connection) -> bool:
    return MigrationContext.configure(connection).get_current_revision() == _head_revision()


def prepare(
    url: str,
    *,
    seed_if_empty: bool,
    timezone: str,
    after_seed: Callable[[Engine], object] | None = None,
) -> Engine:
    """An engine on a migrated database; the embedded default also gets demo data on first use,
    dated around today in `timezone` (the shoppers' today, not the server's), then
    `after_seed` (the demo's saved programs)."""
    engine = make_engine(url)
    upgrade(engine)
    if seed_if_empty and not tools.has_deals(engine):
        log.info("empty database: seeding demo data")
        tools.seed_demo(engine, today=today_in(timezone))
        if after_seed is not None:
            after_seed(engine)
    return engine


def today_in(timezone: str) -> date:
    return datetime.now(ZoneInfo(timezone)).date()
