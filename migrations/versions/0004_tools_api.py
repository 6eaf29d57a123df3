"""The deals tools as an API: pieces per pack, items a deal needs, digital coupons need the
card, and a precise text index.

Revision ID: 0004_tools_api
Revises: 0002_runs

- `products.pack_count`: pieces in one item, and `products.product_type`: what the product
  is, both read from each existing product's name (tools/product_names.py).
- `deals.must_buy`: items a shopper must buy to get the deal's price; BOGO and multi-buy
  deals already stored keep their old meaning (the whole set), everything else is 1.
- Coupons are digital coupons, which need the member card: stored ones are corrected.
- The deals' covering indexes also hold `requires_card`, so that the card filter is
  answered (and counted) from an index alone.
- `product_search` is rebuilt to match whole words only (no stemming: "peppers" must not
  find "Peppered"; tools/text_search.py adds plural forms to the query instead), with the
  fields apart so that each weighs differently: what the product is, then its name without
  the brand, its tags, its brand, its category. Apostrophes are dropped and accents folded
  as tools/text_search.py does with the shopper's words.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from tools.product_names import pack_count, product_type

revision: str = "0004_tools_api"
down_revision: str | None = "0003_workspaces"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    "ALTER TABLE products ADD COLUMN pack_count INTEGER DEFAULT 1 NOT NULL"
    " CONSTRAINT ck_products_pack_count_positive CHECK (pack_count >= 1)",
    "ALTER TABLE products ADD COLUMN product_type VARCHAR(300) DEFAULT '' NOT NULL",
    "ALTER TABLE deals ADD COLUMN must_buy INTEGER DEFAULT 1 NOT NULL"
    " CONSTRAINT ck_deals_must_buy_positive CHECK (must_buy >= 1)",
)
CORRECTIONS = (
    "UPDATE deals SET must_buy = quantity WHERE kind IN ('bogo', 'multi_buy')",
    "UPDATE deals SET requires_card = true WHERE kind = 'coupon'",
)
BATCH = 5_000

RANKED = ["price_cents", "quantity", "regular_price_cents", "store_id", "kind"]
INDEXES = {  # name: (columns before, columns after the ranked ones)
    "ix_deals_by_product": (["product_id", "ends", "starts"], ["id"]),
    "ix_deals_by_date": (["ends", "starts"], ["product_id", "id"]),
}


def _covering_indexes(ranked: list[str]) -> None:
    for name, (before, after) in INDEXES.items():
        op.drop_index(name, table_name="deals")
        op.create_index(name, "deals", [*before, *ranked, *after])


def _sqlite_text(value: str) -> str:
    """A product field as the index reads it: apostrophes dropped (so "Jerry's" is one word,
    "jerrys", as the shopper's words are read)."""
    return f"replace(replace({value}, '''', ''), '’', '')"


def _sqlite_fields(row: str) -> str:
    fields = (
        f"{row}.product_type",
        _sqlite_text(f"replace({row}.name, {row}.brand, ' ')"),
        _sqlite_text(f"{row}.tags"),
        _sqlite_text(f"{row}.brand"),
        f"{row}.category",
    )
    return ", ".join(fields)


SQLITE_COLUMNS = "rowid, what, name, tags, brand, category"

SQLITE_SEARCH = [
    """CREATE VIRTUAL TABLE product_search USING fts5(
        what, name, tags, brand, category,
        content='', tokenize='unicode61 remove_diacritics 2'
    )""",
    f"""CREATE TRIGGER product_search_insert AFTER INSERT ON products BEGIN
        INSERT INTO product_search ({SQLITE_COLUMNS}) VALUES (new.id, {_sqlite_fields("new")});
    END""",
    f"""CREATE TRIGGER product_search_delete AFTER DELETE ON products BEGIN
        INSERT INTO product_search (product_search, {SQLITE_COLUMNS})
        VALUES ('delete', old.id, {_sqlite_fields("old")});
    END""",
    f"""CREATE TRIGGER product_search_update AFTER UPDATE ON products BEGIN
        INSERT INTO product_search (product_search, {SQLITE_COLUMNS})
        VALUES ('delete', old.id, {_sqlite_fields("old")});
        INSERT INTO product_search ({SQLITE_COLUMNS}) VALUES (new.id, {_sqlite_fields("new")});
    END""",
    f"""INSERT INTO product_search ({SQLITE_COLUMNS})
        SELECT id, {_sqlite_fields("products")} FROM products""",
]

SQLITE_SEARCH_DROP = [
    "DROP TRIGGER IF EXISTS product_search_update",
    "DROP TRIGGER IF EXISTS product_search_delete",
    "DROP TRIGGER IF EXISTS product_search_insert",
    "DROP TABLE IF EXISTS product_search",
]

# PostgreSQL's own stand-in for the unaccent extension (which needs a superuser), as in
# 0001; a full stop splits words too ("16.9" is 16 and 9), as SQLite's tokenizer does.
ACCENTED = "ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖòóôõöÙÚÛÜùúûüÝýÿ."
PLAIN = "AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOoooooUUUUuuuuYyy "


def _postgres_words(value: str, weight: str) -> str:
    folded = f"translate(replace(replace({value}, '''', ''), '’', ''), '{ACCENTED}', '{PLAIN}')"
    return f"setweight(to_tsvector('simple', {folded}), '{weight}')"


def postgres_document(row: str, words: Callable[[str, str], str] = _postgres_words) -> str:
    """Four weights for five fields: brand and category share the lowest. `words` reads one
    field's text at one weight (0009 reads words otherwise, in the same fields)."""
    return " || ".join(
        (
            words(f"{row}.product_type", "A"),
            words(f"replace({row}.name, {row}.brand, ' ')", "B"),
            words(f"{row}.tags", "C"),
            words(f"{row}.brand || ' ' || {row}.category", "D"),
        )
    )


def postgres_search(words: Callable[[str, str], str] = _postgres_words) -> list[str]:
    """The trigger function that keeps each product's document, and every document made
    again, with `words`."""
    return [
        f"""CREATE OR REPLACE FUNCTION product_search_refresh() RETURNS trigger LANGUAGE plpgsql
    AS $$
    BEGIN
        INSERT INTO product_search (product_id, document)
        VALUES (NEW.id, {postgres_document("NEW", words)})
        ON CONFLICT (product_id) DO UPDATE SET document = EXCLUDED.document;
        RETURN NULL;
    END
    $$""",
        f"""UPDATE product_search SET document = {postgres_document("products", words)}
        FROM products WHERE products.id = product_search.product_id""",
    ]


POSTGRES_SEARCH = postgres_search()


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if not postgres:
        for statement in SQLITE_SEARCH_DROP:
            op.execute(statement)
    for statement in COLUMNS + CORRECTIONS:
        op.execute(statement)
    _read_names()
    _covering_indexes([*RANKED, "requires_card"])
    for statement in POSTGRES_SEARCH if postgres else SQLITE_SEARCH:
        op.execute(statement)


def _read_names() -> None:
    """Every stored product's pack count and type, from its name and tags."""
    connection = op.get_bind()
    query = sa.text("SELECT id, name, brand, size, unit, tags FROM products")
    rows = connection.execute(query).all()
    values = [
        {
            "id": row.id,
            "pack_count": pack_count(row.name, row.size, row.unit),
            "product_type": product_type(row.name, row.brand, row.tags),
        }
        for row in rows
    ]
    update = sa.text(
        "UPDATE products SET pack_count = :pack_count, product_type = :product_type WHERE id = :id"
    )
    for start in range(0, len(values), BATCH):
        connection.execute(update, values[start : start + BATCH])


def downgrade() -> None:
    first = importlib.import_module("migrations.versions.0001_deals")
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in first.POSTGRES_SEARCH_DROP if postgres else SQLITE_SEARCH_DROP:
        op.execute(statement)
    _covering_indexes(RANKED)
    op.drop_column("deals", "must_buy")
    op.drop_column("products", "product_type")
    op.drop_column("products", "pack_count")
    for statement in first.POSTGRES_SEARCH if postgres else first.SQLITE_SEARCH:
        op.execute(statement)
    if postgres:
        op.execute("UPDATE products SET name = name")
    else:
        op.execute("INSERT INTO product_search (product_search) VALUES ('rebuild')")
