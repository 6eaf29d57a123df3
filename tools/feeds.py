"""Importing a deals feed: all of it in one transaction, or nothing when any row is bad.

The file is streamed, row by checked row, into a temporary table of the import's own
connection, then merged into stores, products and deals by a few set-based statements, so
memory stays flat however long the feed is. Deals are matched on the feed's own id, products
on (name, brand) and stores on name ignoring case, so importing the same file again changes
nothing and an edited file updates in place.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Executable,
    Integer,
    MetaData,
    Table,
    Text,
    and_,
    bindparam,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)

from tools.bulk import analyze, insert_rows, load_cache
from tools.feed_rows import (
    BadRow,
    BadRows,
    FeedError,
    FeedFile,
    FeedRow,
    UnreadableFeed,
    open_feed,
    read_feed,
)
from tools.tables import DEAL_COLUMNS, PRODUCT_COLUMNS, Deal, Product, Store

log = logging.getLogger(__name__)

ANALYZE_AFTER = 10_000  # rows: an import this large refreshes the planner's statistics

ImportProgress = Callable[[str, int, int], None]  # (what is being done, done, out of)

__all__ = [
    "BadRows",
    "FeedError",
    "ImportProgress",
    "ImportReport",
    "UnreadableFeed",
    "import_feed",
    "open_feed",
]

DEALS, PRODUCTS, STORES = Deal.__table__, Product.__table__, Store.__table__
# What a feed row says of its product, beyond the name and brand that identify it.
PRODUCT_FIELDS = tuple(name for name in PRODUCT_COLUMNS if name not in ("id", "name", "brand"))
DEAL_FIELDS = tuple(name for name in DEAL_COLUMNS if name != "feed_id")

STAGING = MetaData()
FEED_ROWS = Table(  # one checked row; columns in the order _staged() writes them
    "dealbot_feed_rows",
    STAGING,
    Column("number", Integer, primary_key=True),
    Column("feed_id", DEALS.c.feed_id.type),
    Column("store_key", Text),  # the store's name in lower case
    Column("store", STORES.c.name.type),
    Column("city", STORES.c.city.type),
    Column("product", PRODUCTS.c.name.type),
    Column("brand", PRODUCTS.c.brand.type),
    Column("category", PRODUCTS.c.category.type),
    Column("size", PRODUCTS.c.size.type),
    Column("unit", PRODUCTS.c.unit.type),
    Column("tags", PRODUCTS.c.tags.type),
    Column("regular_price_cents", DEALS.c.regular_price_cents.type),
    Column("kind", DEALS.c.kind.type),
    Column("description", DEALS.c.description.type),
    Column("price_cents", DEALS.c.price_cents.type),
    Column("quantity", DEALS.c.quantity.type),
    Column("starts", DEALS.c.starts.type),
    Column("ends", DEALS.c.ends.type),
    Column("requires_card", DEALS.c.requires_card.type),
    Column("limit_per_customer", DEALS.c.limit_per_customer.type),
    Column("pack_count", PRODUCTS.c.pack_count.type),
    Column("product_type", PRODUCTS.c.product_type.type),
    Column("must_buy", DEALS.c.must_buy.type),
    prefixes=["TEMPORARY"],
)
FEED_STORES = Table(  # each store the feed names, with its id once known
    "dealbot_feed_stores",
    STAGING,
    Column("store_key", Text, primary_key=True),
    Column("name", STORES.c.name.type),
    Column("city", STORES.c.city.type),
    Column("store_id", Integer),
    prefixes=["TEMPORARY"],
)
FEED_PRODUCTS = Table(  # each product the feed names, as its last row describes it
    "dealbot_feed_products",
    STAGING,
    Column("name", PRODUCTS.c.name.type, primary_key=True),
    Column("brand", PRODUCTS.c.brand.type, primary_key=True),
    *(Column(name, PRODUCTS.c[name].type) for name in PRODUCT_FIELDS),
    Column("product_id", Integer),
    prefixes=["TEMPORARY"],
)


@dataclass(frozen=True)
class ImportReport:
    """What one import did: deals by outcome, and the stores and products it touched."""

    rows: int
    deals_added: int
    deals_updated: int
    deals_unchanged: int
    stores_added: int
    products_added: int
    products_updated: int

    def __str__(self) -> str:
        return (
            f"{self.rows:,} {'deal' if self.rows == 1 else 'deals'}"
            f" ({self.deals_added:,} added, {self.deals_updated:,} updated,"
            f" {self.deals_unchanged:,} unchanged); products: {self.products_added:,} added,"
            f" {self.products_updated:,} updated; stores: {self.stores_added:,} added"
        )


def import_feed(
    engine: Engine, feed: str | Path | FeedFile, progress: ImportProgress | None = None
) -> ImportReport:
    """Load the CSV or JSON feed at `feed`; raises FeedError (nothing written) when the file
    or any row is bad. `progress`, when given, hears how far the import is."""
    feed = feed if isinstance(feed, FeedFile) else open_feed(feed)
    with engine.connect() as connection, load_cache(connection):
        try:
            with connection.begin():
                report = _import(connection, feed, progress or _silent)
        finally:
            _drop_staging(connection)
    if report.rows >= ANALYZE_AFTER:
        analyze(engine)
    log.info("imported %s: %s", feed.path, report)
    return report


def _silent(_what: str, _done: int, _total: int) -> None:
    pass


def _import(connection: Connection, feed: FeedFile, progress: ImportProgress) -> ImportReport:
    STAGING.drop_all(connection, checkfirst=True)
    STAGING.create_all(connection)
    bad = BadRows(feed.path)
    columns = [column.name for column in FEED_ROWS.columns]
    reading = f"reading {feed.path.name}"
    categories = _known_categories(connection)
    read = read_feed(feed, lambda done, total: progress(reading, done, total))
    rows = _staged(read, bad, categories)
    staged = insert_rows(connection, FEED_ROWS.name, columns, rows)
    for repeat in _repeated_ids(connection, feed):
        bad.add(repeat)
    if bad.count:
        raise bad
    steps = (_merge_stores, _merge_products, _merge_deals)
    counts = []
    for done, step in enumerate(steps):
        progress("writing", done, len(steps))
        counts.append(step(connection))
    progress("writing", len(steps), len(steps))
    (stores_added,), (products_added, products_updated), (deals_added, deals_updated) = counts
    return ImportReport(
        rows=staged,
        deals_added=deals_added,
        deals_updated=deals_updated,
        deals_unchanged=staged - deals_added - deals_updated,
        stores_added=stores_added,
        products_added=products_added,
        products_updated=products_updated,
    )


def _known_categories(connection: Connection) -> dict[str, str]:
    """The categories the products have, by their casefolded name."""
    names = connection.scalars(select(PRODUCTS.c.category).distinct())
    return {name.casefold(): name for name in names}


def _staged(
    rows: Iterator[FeedRow | BadRow], bad: BadRows, categories: dict[str, str]
) -> Iterator[tuple]:
    """The checked rows as FEED_ROWS tuples; bad rows go to `bad` instead. A category is
    spelt as the database (or else the feed's first row of it) spells it: "beverages" beside
    "Beverages" would be a category of its own, which no filter could tell apart by name."""
    for row in rows:
        if isinstance(row, BadRow):
            bad.add(row)
            continue
        yield (
            row.number,
            row.feed_id,
            row.store.lower(),
            row.store,
            row.city,
            row.product,
            row.brand,
            categories.setdefault(row.category.casefold(), row.category),
            row.size,
            row.unit,
            row.tags,
            row.regular_price_cents,
            row.kind,
            row.description,
            row.price_cents,
            row.quantity,
            row.starts.isoformat(),
            row.ends.isoformat(),
            row.requires_card,
            row.limit_per_customer,
            row.pack_count,
            row.product_type,
            row.must_buy,
        )


def _repeated_ids(connection: Connection, feed: FeedFile) -> Iterator[BadRow]:
    rows = FEED_ROWS.c
    first = (
        select(rows.feed_id, func.min(rows.number).label("number"))
        .group_by(rows.feed_id)
        .having(func.count() > 1)
        .subquery()
    )
    repeats = (
        select(rows.number, rows.feed_id, first.c.number.label("first"))
        .join(first, rows.feed_id == first.c.feed_id)
        .where(rows.number > first.c.number)
        .order_by(rows.number)
    )
    for number, feed_id, earlier in connection.execute(repeats):
        reason = f"id {feed_id!r} is already used on {feed.unit} {earlier}"
        yield BadRow(feed.unit, number, (reason,))


def _merge_stores(connection: Connection) -> tuple[int]:
    """Add the stores the database does not know yet; returns how many."""
    rows, feed_stores = FEED_ROWS.c, FEED_STORES.c
    first = select(func.min(rows.number)).group_by(rows.store_key)
    named = select(rows.store_key, rows.store, rows.city).where(rows.number.in_(first))
    connection.execute(insert(FEED_STORES).from_select(["store_key", "name", "city"], named))
    stores = connection.execute(select(STORES.c.id, STORES.c.name))
    known = {name.lower(): store_id for store_id, name in stores}
    matches = [
        {"key": key, "id": known[key]}
        for key in connection.scalars(select(feed_stores.store_key))
        if key in known
    ]
    if matches:
        connection.execute(
            update(FEED_STORES)
            .where(feed_stores.store_key == bindparam("key"))
            .values(store_id=bindparam("id")),
            matches,
        )
    new = select(feed_stores.name, feed_stores.city).where(feed_stores.store_id.is_(None))
    added = _changed(connection, insert(Store).from_select(["name", "city"], new))
    by_name = select(STORES.c.id).where(STORES.c.name == feed_stores.name).scalar_subquery()
    connection.execute(
        update(FEED_STORES).where(feed_stores.store_id.is_(None)).values(store_id=by_name)
    )
    return (added,)


def _merge_products(connection: Connection) -> tuple[int, int]:
    """Add new products and update known ones from the last row naming each; returns
    (added, updated)."""
    rows, feed_products = FEED_ROWS.c, FEED_PRODUCTS.c
    last = select(func.max(rows.number)).group_by(rows.product, rows.brand)
    described = select(rows.product, rows.brand, *(rows[name] for name in PRODUCT_FIELDS))
    connection.execute(
        insert(FEED_PRODUCTS).from_select(
            ["name", "brand", *PRODUCT_FIELDS], described.where(rows.number.in_(last))
        )
    )
    _find_products(connection)
    changed = or_(
        *(PRODUCTS.c[name].is_distinct_from(feed_products[name]) for name in PRODUCT_FIELDS)
    )
    updated = _changed(
        connection,
        update(Product)
        .where(PRODUCTS.c.id == feed_products.product_id, changed)
        .values({name: feed_products[name] for name in PRODUCT_FIELDS}),
    )
    fields = (feed_products[name] for name in PRODUCT_FIELDS)
    new = select(feed_products.name, feed_products.brand, *fields)
    added = _changed(
        connection,
        insert(Product).from_select(
            ["name", "brand", *PRODUCT_FIELDS], new.where(feed_products.product_id.is_(None))
        ),
    )
    _find_products(connection)
    return added, updated


def _find_products(connection: Connection) -> None:
    feed_products = FEED_PRODUCTS.c
    product_id = (
        select(PRODUCTS.c.id)
        .where(PRODUCTS.c.name == feed_products.name, PRODUCTS.c.brand == feed_products.brand)
        .scalar_subquery()
    )
    connection.execute(
        update(FEED_PRODUCTS)
        .where(feed_products.product_id.is_(None))
        .values(product_id=product_id)
    )


def _merge_deals(connection: Connection) -> tuple[int, int]:
    """Update the deals whose ids the database knows, add the others; returns (added,
    updated)."""
    rows, feed_products, feed_stores = FEED_ROWS.c, FEED_PRODUCTS.c, FEED_STORES.c
    per_deal = {name: rows[name] for name in DEAL_FIELDS if name in rows}
    per_deal |= {"product_id": feed_products.product_id, "store_id": feed_stores.store_id}
    source = (
        select(rows.number, rows.feed_id, *(per_deal[n].label(n) for n in DEAL_FIELDS))
        .join(
            FEED_PRODUCTS,
            and_(feed_products.name == rows.product, feed_products.brand == rows.brand),
        )
        .join(FEED_STORES, feed_stores.store_key == rows.store_key)
        .subquery()
    )
    changed = or_(*(DEALS.c[name].is_distinct_from(source.c[name]) for name in DEAL_FIELDS))
    updated = _changed(
        connection,
        update(Deal)
        .where(DEALS.c.feed_id == source.c.feed_id, changed)
        .values({name: source.c[name] for name in DEAL_FIELDS}),
    )
    known = exists().where(DEALS.c.feed_id == source.c.feed_id)
    new = select(source.c.feed_id, *(source.c[n] for n in DEAL_FIELDS)).where(~known)
    added = _changed(
        connection,
        insert(Deal).from_select(["feed_id", *DEAL_FIELDS], new.order_by(source.c.number)),
    )
    return added, updated


def _changed(connection: Connection, statement: Executable) -> int:
    """Run an INSERT ... SELECT or UPDATE; how many rows it wrote."""
    return connection.execute(statement.execution_options(preserve_rowcount=True)).rowcount


def _drop_staging(connection: Connection) -> None:
    """Temporary tables belong to the connection, which goes back to the pool: leave none."""
    if not connection.invalidated:
        with connection.begin():
            STAGING.drop_all(connection, checkfirst=True)
