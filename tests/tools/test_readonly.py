"""The tools read, never write, and no query runs past its time limit."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from tools import DatabaseBusy, QueryTimeout, build_tools, readonly
from tools.readonly import READERS_NAME, ReadOnlyDatabase
from tools.tables import Store

SLOW = {
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*)"
    " FROM n",
    "postgresql": "SELECT pg_sleep(5)",
}


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO stores (name, city) VALUES ('Sneaky', 'Nowhere')",
        "UPDATE products SET regular_price_cents = 1",
        "DELETE FROM deals",
        "CREATE TABLE sneaky (id integer)",
    ],
)
def test_a_write_through_the_tools_connection_fails(migrated_engine, statement):
    with (
        pytest.raises(DBAPIError),
        ReadOnlyDatabase(migrated_engine).connect() as connection,
    ):
        connection.execute(text(statement))


def test_the_application_can_still_write_after_the_tools_have_read(migrated_engine):
    database = ReadOnlyDatabase(migrated_engine)
    for _ in range(3):
        with database.connect() as connection:
            connection.execute(select(Store.id)).all()
    with migrated_engine.begin() as connection:
        connection.execute(text("INSERT INTO stores (name, city) VALUES ('Mission', 'SF')"))
    with migrated_engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Store)) == 1


def test_a_connection_whose_statement_failed_inside_goes_back_clean(migrated_engine):
    database = ReadOnlyDatabase(migrated_engine)
    with database.connect() as connection, pytest.raises(DBAPIError):
        connection.execute(text("INSERT INTO stores (name, city) VALUES ('Sneaky', 'X')"))
    with database.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Store)) == 0


def test_the_tools_statements_stay_prepared_on_postgresql(seeded_engine):
    """psycopg prepares a statement run five times on a connection, and forgets every
    prepared statement at a ROLLBACK: a borrowing that rolled back would plan each call."""
    if seeded_engine.dialect.name != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's (SQLite's driver caches its own)")
    database = ReadOnlyDatabase(seeded_engine)
    for _ in range(6):
        with database.connect() as connection:  # the pool hands back the same connection
            connection.execute(select(Store.name).where(Store.city == "Oakland")).all()
    with database.connect() as connection:
        prepared = connection.scalars(text("SELECT statement FROM pg_prepared_statements"))
        assert any("FROM stores" in statement for statement in prepared)


def test_a_slow_query_is_stopped_at_the_time_limit(migrated_engine):
    database = ReadOnlyDatabase(migrated_engine, timeout_s=0.2)
    started = time.monotonic()
    with pytest.raises(QueryTimeout), database.connect() as connection:
        connection.execute(text(SLOW[migrated_engine.dialect.name])).all()
    assert time.monotonic() - started < 3


def test_a_connection_works_normally_after_a_timeout(migrated_engine):
    database = ReadOnlyDatabase(migrated_engine, timeout_s=0.2)
    with pytest.raises(QueryTimeout), database.connect() as connection:
        connection.execute(text(SLOW[migrated_engine.dialect.name])).all()
    with database.connect() as connection:
        assert connection.scalar(text("SELECT 1")) == 1


def test_a_tool_that_runs_out_of_time_tells_the_model_how_to_narrow_it(seeded_engine):
    if seeded_engine.dialect.name != "sqlite":
        pytest.skip("a sub-millisecond limit is only exact with SQLite's progress handler")
    tools = build_tools(seeded_engine, timezone="UTC", query_timeout_s=0)
    with pytest.raises(QueryTimeout, match=r"^find_deals: the query took too long .* narrow"):
        tools["find_deals"]("soda")


def _tools_backends(engine) -> list[str]:
    """The states of the tools' backends on the engine's database, as PostgreSQL lists them."""
    with engine.connect() as connection:
        return list(
            connection.scalars(
                text(
                    "SELECT state FROM pg_stat_activity"
                    " WHERE datname = current_database() AND application_name = :name"
                ),
                {"name": READERS_NAME},
            )
        )


def test_on_postgresql_the_tools_read_on_connections_of_their_own_closed_with_the_engine(
    migrated_engine,
):
    if migrated_engine.dialect.name != "postgresql":
        pytest.skip("SQLite's tools borrow the engine's own connections")
    database = ReadOnlyDatabase(migrated_engine)
    with database.connect() as connection:
        fenced = connection.execute(
            text(
                "SELECT current_setting('transaction_read_only'),"
                " current_setting('statement_timeout')"
            )
        ).one()
        assert tuple(fenced) == ("on", "2s")
    with migrated_engine.connect() as connection:  # the bot's own: not fenced
        assert connection.scalar(text("SELECT current_setting('transaction_read_only')")) == "off"
    assert _tools_backends(migrated_engine) == ["idle"]  # autocommit: no transaction left open

    migrated_engine.dispose()

    deadline = time.monotonic() + 5  # a backend leaves the list as it exits, just after
    while _tools_backends(migrated_engine) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _tools_backends(migrated_engine) == []


def test_on_postgresql_a_tool_waits_for_a_free_connection_no_longer_than_its_limit(
    migrated_engine, monkeypatch
):
    if migrated_engine.dialect.name != "postgresql":
        pytest.skip("SQLite's tools borrow the engine's own connections")
    monkeypatch.setattr(readonly, "READERS", 1)
    monkeypatch.setattr(readonly, "READERS_OVERFLOW", 0)
    tools = build_tools(migrated_engine, timezone="UTC", query_timeout_s=0.3)
    with ReadOnlyDatabase(migrated_engine, timeout_s=0.3).connect():  # the one connection
        started = time.monotonic()
        with pytest.raises(DatabaseBusy, match=r"^find_deals: the database is busy"):
            tools["find_deals"]("soda")
        assert time.monotonic() - started < 2
    assert tools["find_deals"]("soda") == []  # free again
