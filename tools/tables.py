"""The deals domain's tables: stores, products and the deals they run on products.

Money is stored as whole cents (exact, portable, fast to compare); the tools turn it into
dollars. The full-text index over products lives beside these tables and is created by the
migration only (an FTS5 table on SQLite, a tsvector table on PostgreSQL).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

DEAL_KINDS = ("sale", "bogo", "multi_buy", "coupon", "member_price")
RANKED_COLUMNS = (
    "price_cents",
    "quantity",
    "regular_price_cents",
    "store_id",
    "kind",
    "requires_card",
)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Store(Base):
    __tablename__ = "stores"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    city: Mapped[str] = mapped_column(String(100))


PRODUCT_TYPE_CHARS = 300  # products.product_type, what the product is (product_names)


class Product(Base):
    """One item on the shelf; `size` in `unit`s (12 can, 18 oz, 1 lb), price in cents.

    `pack_count` is how many pieces one item holds (12 cans in a 12-pack, 6 rolls, 84
    diapers; 1 for a single bottle or a bag sold by weight), read once from the feed or the
    name when the product is loaded; `product_type` is what the product is ("baby food,
    pouches"), read from its name and tags then, for search to rank first
    (tools/product_names.py).
    """

    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("name", "brand"),
        Index("ix_products_by_category", "category", "id"),
        CheckConstraint("regular_price_cents > 0", name="regular_price_positive"),
        CheckConstraint("pack_count >= 1", name="pack_count_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    brand: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(50))
    size: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(20))
    regular_price_cents: Mapped[int] = mapped_column(Integer)
    tags: Mapped[str] = mapped_column(String(300), default="")
    pack_count: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    product_type: Mapped[str] = mapped_column(
        String(PRODUCT_TYPE_CHARS), default="", server_default=""
    )


class Deal(Base):
    """A price on a product at a store from `starts` to `ends` (both days included).

    `price_cents` buys `quantity` items: "2 for $5" is 500 for 2, "buy one get one free"
    on a $4.99 item is 499 for 2. `must_buy` is how many items a shopper must buy to get
    the deal's price per item (2 for that BOGO; 1 for a "2 for $5" that rings up $2.50
    each). `regular_price_cents` is the price of one item without the deal. `feed_id` is
    the id the deal has in the feed it came from, so that importing the same feed again
    updates the deal instead of adding a second one.
    """

    __tablename__ = "deals"
    __table_args__ = (
        CheckConstraint(f"kind IN {DEAL_KINDS!r}", name="kind_known"),
        CheckConstraint("price_cents >= 0", name="price_not_negative"),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint("ends >= starts", name="ends_after_starts"),
        CheckConstraint("must_buy >= 1", name="must_buy_positive"),
        # Covering indexes: the tools rank, filter and count candidate deals from an index
        # alone and read whole rows only for the few they return. One serves the deals of
        # given products, the other the deals in a date range. (PostgreSQL needs `id`
        # spelled out.)
        Index("ix_deals_by_product", "product_id", "ends", "starts", *RANKED_COLUMNS, "id"),
        Index("ix_deals_by_date", "ends", "starts", *RANKED_COLUMNS, "product_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[str] = mapped_column(String(100), unique=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(200))
    price_cents: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    regular_price_cents: Mapped[int] = mapped_column(Integer)
    starts: Mapped[date] = mapped_column(Date)
    ends: Mapped[date] = mapped_column(Date)
    requires_card: Mapped[bool] = mapped_column(Boolean, default=False)
    limit_per_customer: Mapped[int | None] = mapped_column(Integer)
    must_buy: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    product: Mapped[Product] = relationship()
    store: Mapped[Store] = relationship()


# A deal's own columns (all but the key) in table order: what bulk loads and imports write.
DEAL_COLUMNS = tuple(column.name for column in Deal.__table__.columns if column.name != "id")
PRODUCT_COLUMNS = tuple(column.name for column in Product.__table__.columns)
