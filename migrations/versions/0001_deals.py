"""Deals domain: stores, products, deals and the full-text index over products.

Revision ID: 0001_deals
Revises:
Create Date: 2026-11-28

The text index is the database's own: an FTS5 table kept in step by triggers on SQLite, a
tsvector table with a GIN index kept in step by a trigger on PostgreSQL (no extension
needed). Both are named `product_search`; tools/text_search.py queries them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_deals"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_SEARCH = [
    """CREATE VIRTUAL TABLE product_search USING fts5(
        name, brand, category, tags,
        content='products', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    )""",
    """CREATE TRIGGER product_search_insert AFTER INSERT ON products BEGIN
        INSERT INTO product_search (rowid, name, brand, category, tags)
        VALUES (new.id, new.name, new.brand, new.category, new.tags);
    END""",
    """CREATE TRIGGER product_search_delete AFTER DELETE ON products BEGIN
        INSERT INTO product_search (product_search, rowid, name, brand, category, tags)
        VALUES ('delete', old.id, old.name, old.brand, old.category, old.tags);
    END""",
    """CREATE TRIGGER product_search_update AFTER UPDATE ON products BEGIN
        INSERT INTO product_search (product_search, rowid, name, brand, category, tags)
        VALUES ('delete', old.id, old.name, old.brand, old.category, old.tags);
        INSERT INTO product_search (rowid, name, brand, category, tags)
        VALUES (new.id, new.name, new.brand, new.category, new.tags);
    END""",
]

SQLITE_SEARCH_DROP = [
    "DROP TRIGGER IF EXISTS product_search_update",
    "DROP TRIGGER IF EXISTS product_search_delete",
    "DROP TRIGGER IF EXISTS product_search_insert",
    "DROP TABLE IF EXISTS product_search",
]

# PostgreSQL's own stand-in for the unaccent extension (which needs a superuser): fold the
# accents shoppers leave out ("Häagen-Dazs", "jalapeño") as tools/text_search.py does.
ACCENTED = "ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖòóôõöÙÚÛÜùúûüÝýÿ"
PLAIN = "AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOoooooUUUUuuuuYyy"


def _folded(column: str) -> str:
    return f"to_tsvector('english', translate(NEW.{column}, '{ACCENTED}', '{PLAIN}'))"


POSTGRES_SEARCH = [
    """CREATE TABLE product_search (
        product_id integer PRIMARY KEY REFERENCES products (id) ON DELETE CASCADE,
        document tsvector NOT NULL
    )""",
    "CREATE INDEX product_search_document ON product_search USING gin (document)",
    f"""CREATE FUNCTION product_search_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO product_search (product_id, document)
        VALUES (
            NEW.id,
            setweight({_folded("name")}, 'A')
            || setweight({_folded("brand")}, 'B')
            || setweight({_folded("tags")}, 'B')
            || setweight({_folded("category")}, 'C')
        )
        ON CONFLICT (product_id) DO UPDATE SET document = EXCLUDED.document;
        RETURN NULL;
    END
    $$""",
    """CREATE TRIGGER product_search_refresh AFTER INSERT OR UPDATE ON products
        FOR EACH ROW EXECUTE FUNCTION product_search_refresh()""",
]

POSTGRES_SEARCH_DROP = [
    "DROP TRIGGER IF EXISTS product_search_refresh ON products",
    "DROP FUNCTION IF EXISTS product_search_refresh()",
    "DROP TABLE IF EXISTS product_search",
]


def upgrade() -> None:
    op.create_table(
        "stores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("city", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_stores"),
        sa.UniqueConstraint("name", name="uq_stores_name"),
    )
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("brand", sa.String(100), nullable=False),
        sa.Column("category", sa.String(50), nullable=False),
        sa.Column("size", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(20), nullable=False),
        sa.Column("regular_price_cents", sa.Integer(), nullable=False),
        sa.Column("tags", sa.String(300), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_products"),
        sa.UniqueConstraint("name", "brand", name="uq_products_name_brand"),
        sa.CheckConstraint("regular_price_cents > 0", name="ck_products_regular_price_positive"),
    )
    op.create_index("ix_products_by_category", "products", ["category", "id"])
    _create_deals()
    for statement in _search_statements(create=True):
        op.execute(statement)


def _create_deals() -> None:
    op.create_table(
        "deals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feed_id", sa.String(100), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("regular_price_cents", sa.Integer(), nullable=False),
        sa.Column("starts", sa.Date(), nullable=False),
        sa.Column("ends", sa.Date(), nullable=False),
        sa.Column("requires_card", sa.Boolean(), nullable=False),
        sa.Column("limit_per_customer", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_deals"),
        sa.UniqueConstraint("feed_id", name="uq_deals_feed_id"),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name="fk_deals_product_id_products",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name="fk_deals_store_id_stores", ondelete="CASCADE"
        ),
        sa.CheckConstraint(
            "kind IN ('sale', 'bogo', 'multi_buy', 'coupon', 'member_price')",
            name="ck_deals_kind_known",
        ),
        sa.CheckConstraint("price_cents >= 0", name="ck_deals_price_not_negative"),
        sa.CheckConstraint("quantity >= 1", name="ck_deals_quantity_positive"),
        sa.CheckConstraint("ends >= starts", name="ck_deals_ends_after_starts"),
    )
    ranked = ["price_cents", "quantity", "regular_price_cents", "store_id", "kind"]
    by_product = ["product_id", "ends", "starts", *ranked, "id"]
    op.create_index("ix_deals_by_product", "deals", by_product)
    op.create_index("ix_deals_by_date", "deals", ["ends", "starts", *ranked, "product_id", "id"])


def _search_statements(*, create: bool) -> list[str]:
    if op.get_bind().dialect.name == "postgresql":
        return POSTGRES_SEARCH if create else POSTGRES_SEARCH_DROP
    return SQLITE_SEARCH if create else SQLITE_SEARCH_DROP


def downgrade() -> None:
    for statement in _search_statements(create=False):
        op.execute(statement)
    op.drop_table("deals")
    op.drop_index("ix_products_by_category", table_name="products")
    op.drop_table("products")
    op.drop_table("stores")
