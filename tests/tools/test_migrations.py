"""The deals migration: its text index, and a clean downgrade, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text

from bot.database import NewerDatabase, alembic_config, make_engine, upgrade
from tests.together import run_together
from tools import build_tools

SEARCH_INDEX = "product_search"


def test_migration_creates_the_search_index_beside_the_tables(migrated_engine):
    tables = set(inspect(migrated_engine).get_table_names())
    assert {"stores", "products", "deals", SEARCH_INDEX} <= tables


def test_search_index_follows_product_inserts_updates_and_deletes(migrated_engine):
    with migrated_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO products (id, name, brand, category, size, unit,"
                " regular_price_cents, tags) VALUES (1, 'Fanta Orange 2 L', 'Fanta',"
                " 'Beverages', 2, 'L', 299, 'soda')"
            )
        )
        assert _indexed_ids(connection) == [1]
        connection.execute(text("UPDATE products SET tags = 'juice' WHERE id = 1"))
        assert _indexed_ids(connection) == []
        connection.execute(text("UPDATE products SET tags = 'soda' WHERE id = 1"))
        connection.execute(text("DELETE FROM products WHERE id = 1"))
        assert _indexed_ids(connection) == []


def _indexed_ids(connection) -> list[int]:
    if connection.dialect.name == "postgresql":
        sql = "SELECT product_id FROM product_search WHERE document @@ 'soda'::tsquery"
    else:
        sql = "SELECT rowid FROM product_search WHERE product_search MATCH 'soda'"
    return list(connection.scalars(text(sql)))


def test_downgrade_removes_every_deals_table(migrated_engine):
    upgrade(migrated_engine, "0001_deals")
    _downgrade_to_base(migrated_engine)
    assert not {"stores", "products", "deals", SEARCH_INDEX} & set(
        inspect(migrated_engine).get_table_names()
    )


def _downgrade_to_base(engine) -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")


def test_upgrading_a_filled_database_reads_pack_sizes_and_deal_rules_and_reindexes(database_url):
    engine = make_engine(database_url)
    try:
        upgrade(engine, "0002_runs")
        with engine.begin() as connection:
            for statement in (STORE, PRODUCTS, DEALS):
                connection.execute(text(statement))
        upgrade(engine)
        with engine.connect() as connection:
            products = connection.execute(
                text("SELECT name, pack_count, product_type FROM products ORDER BY id")
            ).all()
            deals = connection.execute(
                text("SELECT kind, must_buy, requires_card FROM deals ORDER BY id")
            ).all()
        assert [tuple(row) for row in products] == [
            ("Pepsi 12 pk 12 fl oz cans", 12, ""),
            ("Gerber Banana Baby Food Pouches 4 ct", 4, "baby food, pouches"),
        ]
        assert [tuple(row) for row in deals] == [
            ("multi_buy", 2, False),
            ("coupon", 1, True),
            ("sale", 1, False),
        ]
        tools = build_tools(engine, timezone="UTC")
        assert [p["name"] for p in tools["search_products"]("baby food")] == [products[1].name]
    finally:
        engine.dispose()


STORE = "INSERT INTO stores (id, name, city) VALUES (1, 'Mission', 'San Francisco')"
PRODUCTS = """
    INSERT INTO products (id, name, brand, category, size, unit, regular_price_cents, tags)
    VALUES (1, 'Pepsi 12 pk 12 fl oz cans', 'Pepsi', 'Beverages', 12, 'can', 849, 'soda'),
           (2, 'Gerber Banana Baby Food Pouches 4 ct', 'Gerber', 'Baby', 4, 'ct', 549,
            'baby food')
"""

DEALS = """
    INSERT INTO deals (id, feed_id, product_id, store_id, kind, description, price_cents,
        quantity, regular_price_cents, starts, ends, requires_card)
    VALUES (1, 'a', 1, 1, 'multi_buy', '2 for $11', 1100, 2, 849, '2026-11-25', '2026-12-01',
            false),
           (2, 'b', 2, 1, 'coupon', '$1 off', 449, 1, 549, '2026-11-25', '2026-12-01', false),
           (3, 'c', 2, 1, 'sale', 'Sale $3.99', 399, 1, 549, '2026-11-25', '2026-12-01', false)
"""


def test_a_database_at_the_newest_migration_is_not_migrated_again(migrated_engine, monkeypatch):
    """Every command upgrades first; at the head it only reads the revision (Alembic's own
    run cost a cached `dealbot ask` more than half its time)."""
    ran: list[str] = []
    monkeypatch.setattr(command, "upgrade", lambda _config, revision: ran.append(revision))

    upgrade(migrated_engine)
    assert ran == []

    upgrade(migrated_engine, "0002_runs")  # a revision named is always Alembic's to run
    assert ran == ["0002_runs"]


def test_processes_migrating_a_new_database_at_once_take_turns(database_url):
    """As several `serve` processes do after a deploy: each on an engine of its own."""
    engines = [make_engine(database_url) for _ in range(3)]
    for engine in engines:  # connected (SQLite: WAL set up), as started processes are
        with engine.connect():
            pass
    failures: list[BaseException] = []

    def migrate(engine: Engine) -> None:
        try:
            upgrade(engine)
        except BaseException as exc:  # any failure fails the test
            failures.append(exc)

    try:
        run_together(migrate, engines)
        assert failures == []
        assert "deals" in inspect(engines[0]).get_table_names()
    finally:
        for engine in engines:
            engine.dispose()


def test_a_database_migrated_by_a_newer_dealbot_says_so_in_one_line(migrated_engine):
    with migrated_engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099_future'"))

    with pytest.raises(NewerDatabase, match="'0099_future', which this dealbot does not know"):
        upgrade(migrated_engine)
