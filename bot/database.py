"""Engines, migrations and the first-use set-up of the embedded default database."""

from __future__ import annotations

import contextlib
import functools
import logging
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
from sqlalchemy.engine import make_url

import migrations
import tools
from bot.settings import SettingsError, mask_passwords
from tools.engines import server_engine

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(migrations.__file__).parent
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
    return server_engine(url, pool_size=10, max_overflow=20)


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
