"""Fast loading of many rows: COPY on PostgreSQL, executemany in batches on SQLite.

Rows are tuples in the order of `columns`; dates travel as ISO strings, which both
databases read into DATE columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Connection, Engine

if TYPE_CHECKING:
    import psycopg

SQLITE_BATCH = 20_000
SQLITE_LOAD_CACHE_MB = 64  # index inserts in random order otherwise go to disk page by page
SEARCH_TABLES = ("product_search",)


def insert_rows(
    connection: Connection, table: str, columns: Sequence[str], rows: Iterable[tuple]
) -> int:
    """Insert `rows` into `table` within the connection's transaction; returns the count."""
    if connection.dialect.name == "postgresql":
        return _copy(connection, table, columns, rows)
    placeholders = ", ".join("?" for _ in columns)
    statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"
    count = 0
    rows = iter(rows)
    while batch := list(islice(rows, SQLITE_BATCH)):
        connection.exec_driver_sql(statement, batch)
        count += len(batch)
    return count


def _copy(connection: Connection, table: str, columns: Sequence[str], rows) -> int:
    cursor = cast("psycopg.Connection[Any]", connection.connection.driver_connection).cursor()
    count = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


@contextmanager
def load_cache(connection: Connection) -> Iterator[None]:
    """On SQLite, a larger page cache for this connection while a big load runs, put back
    after (the connection returns to the pool); PostgreSQL's cache is the server's."""
    if connection.dialect.name != "sqlite":
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar_one()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_LOAD_CACHE_MB * 1024}")
    connection.commit()
    try:
        yield
    finally:
        connection.rollback()
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")
        connection.commit()


def clear_deals_tables(connection: Connection) -> None:
    """Empty stores, products, deals and the text index, restarting their ids."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "TRUNCATE product_search, deals, products, stores RESTART IDENTITY"
        )
        return
    for table in ("deals", "products", "stores"):
        connection.exec_driver_sql(f"DELETE FROM {table}")


def after_load(connection: Connection) -> None:
    """Bring ids, the text index and SQLite's planner statistics up to date after a bulk
    load, within its transaction (see vacuum() for PostgreSQL's statistics)."""
    if connection.dialect.name == "postgresql":
        for table in ("stores", "products", "deals"):
            connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
            )
        return
    connection.exec_driver_sql("INSERT INTO product_search (product_search) VALUES ('optimize')")
    connection.exec_driver_sql("ANALYZE")


def analyze(engine: Engine) -> None:
    """Planner statistics after a large load has committed (with PostgreSQL's vacuum)."""
    if engine.dialect.name == "postgresql":
        vacuum(engine)
        return
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")


def vacuum(engine: Engine) -> None:
    """PostgreSQL, after a bulk load has committed: planner statistics, and the visibility
    map that lets the covering indexes answer without reading the table."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE stores, products, deals, product_search")
