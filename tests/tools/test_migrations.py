"""The deals migration: its text index, and a clean downgrade, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from bot.database import alembic_config, upgrade

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
