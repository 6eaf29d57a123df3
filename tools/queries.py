"""The deals queries behind the tools: checked arguments in, plain dicts and lists out."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from itertools import groupby
from typing import Literal

from sqlalchemy import (
    BindParameter,
    Boolean,
    ColumnElement,
    Connection,
    Date,
    Float,
    Integer,
    Row,
    Select,
    String,
    bindparam,
    cast,
    func,
    literal,
    select,
)

from tools.tables import Deal, Product, Store
from tools.text_search import MATCH, SearchTerms, loosened, match_parameters, matches

# The most deals (or products, one per product) find_deals(limit=None) returns; past it,
# it says how many match instead of cutting the list.
MAX_MATCHES = 5_000

Grouping = Literal["store", "category", "brand", "product", "kind"]
GROUPINGS: tuple[Grouping, ...] = ("store", "category", "brand", "product", "kind")
Match = Literal["all", "some"]

PRODUCT_COLUMNS = (
    Product.id,
    Product.name,
    Product.brand,
    Product.category,
    Product.size,
    Product.unit,
    Product.pack_count,
    Product.regular_price_cents,
)

DEAL_COLUMNS = (
    Deal.id,
    Deal.product_id,
    Product.name.label("product"),
    Product.brand,
    Product.category,
    Product.size,
    Product.unit,
    Product.pack_count,
    Store.name.label("store"),
    Deal.kind,
    Deal.description,
    Deal.price_cents,
    Deal.quantity,
    Deal.must_buy,
    Deal.regular_price_cents,
    Deal.starts,
    Deal.ends,
    Deal.requires_card,
    Deal.limit_per_customer,
)


# Every statement is built once per shape (see Shape) around these parameters and run with
# their values: building a Select and its cache key costs the bot process several times
# what running the query does, and a storm of due watches calls the tools thousands of times.
START = bindparam("start", type_=Date)
END = bindparam("end", type_=Date)
LIMIT = bindparam("limit", type_=Integer)
CATEGORY = bindparam("category", type_=String)
STORE_ID = bindparam("store_id", type_=Integer)
KIND = bindparam("kind", type_=String)
REQUIRES_CARD = bindparam("requires_card", type_=Boolean)
PERCENT_DIGITS = 1  # a deal's percent off, as shown: 33.3
MOST_PAID = bindparam("most_paid", type_=Float)  # the highest share of the regular price
PRODUCT_ID = bindparam("product_id", type_=Integer)


@dataclass(frozen=True)
class Shape:
    """What a statement's SQL depends on: the database's dialect and which parameters it is
    given (the filters set, the words searched for); their values are bound when it runs."""

    dialect: str
    given: frozenset[str]

    @classmethod
    def of(cls, connection: Connection, values: dict[str, object]) -> Shape:
        return cls(connection.dialect.name, frozenset(values))

    def has(self, parameter: BindParameter) -> bool:
        return parameter.key in self.given


class TooManyMatches(Exception):
    """find_deals(limit=None) matched more than MAX_MATCHES; `count` says how many, and
    `some_words` whether they have only some of the query's words (none had them all)."""

    def __init__(self, count: int, per_product: bool, some_words: bool = False) -> None:
        self.count = count
        self.per_product = per_product
        self.some_words = some_words
        super().__init__(count)


@dataclass(frozen=True)
class DealFilter:
    """A find_deals or count_deals request after its arguments were checked and resolved.

    `limit` None is every match (at most MAX_MATCHES); `per_product` gives one deal per
    product, its lowest price per item, with every store that has that price.
    """

    start: date
    end: date
    terms: SearchTerms | None = None
    category: str | None = None
    store_id: int | None = None
    kind: str | None = None
    min_percent_off: float | None = None
    requires_card: bool | None = None
    limit: int | None = 50
    per_product: bool = False


def dollars(cents: float) -> float:
    """Cents (possibly fractional, as in a per-item price of 3 for $5) as dollars, rounded
    half up to the cent: 249.5 -> 2.5."""
    return math.floor(cents + 0.5) / 100


def rate(cents: float) -> float:
    """A price per ounce, per can or per piece: dollars to a hundredth of a cent."""
    return round(cents / 100, 4)


# --- Products ---


def search_products(
    connection: Connection, terms: SearchTerms, category: str | None, limit: int
) -> list[dict]:
    """Best matches first; products with some of the words when none has them all."""
    found = _search_products(connection, terms, category, limit, "all")
    if not found and (loose := loosened(connection, terms)):
        found = _search_products(connection, loose, category, limit, "some")
    return found


def _search_products(
    connection: Connection, terms: SearchTerms, category: str | None, limit: int, match: Match
) -> list[dict]:
    values: dict[str, object] = {LIMIT.key: limit}
    values |= match_parameters(connection.dialect.name, terms)
    if category is not None:
        values[CATEGORY.key] = category
    rows = connection.execute(_products_found(Shape.of(connection, values)), values)
    return [product_dict(row, match) for row in rows]


@cache
def _products_found(shape: Shape) -> Select:
    """Rank in the text index alone, then read only the products returned."""
    found = matches(shape.dialect)
    chosen = select(found.c.product_id, found.c.rank)
    if shape.has(CATEGORY):
        chosen = chosen.join(Product, Product.id == found.c.product_id).where(
            Product.category == CATEGORY
        )
    ranked = chosen.order_by(found.c.rank, found.c.product_id).limit(LIMIT).subquery("chosen")
    return (
        select(*PRODUCT_COLUMNS)
        .join(ranked, ranked.c.product_id == Product.id)
        .order_by(ranked.c.rank, Product.id)
    )


def product_dict(row: Row, match: Match = "all") -> dict:
    return {
        "id": row.id,
        "name": row.name,
        "brand": row.brand,
        "category": row.category,
        "size": row.size,
        "unit": row.unit,
        "pack_count": row.pack_count,
        "regular_price": dollars(row.regular_price_cents),
        "match": match,
    }


def product_exists(connection: Connection, product_id: int) -> bool:
    return connection.scalar(_product(), {PRODUCT_ID.key: product_id}) is not None


@cache
def _product() -> Select:
    return select(Product.id).where(Product.id == PRODUCT_ID)


# --- Deals ---


def find_deals(connection: Connection, wanted: DealFilter) -> list[dict]:
    """The deals `wanted` asks for; with some of the words when no product has them all.
    Raises TooManyMatches when `wanted.limit` is None and more than MAX_MATCHES match."""
    found = _find_deals(connection, wanted, "all")
    if not found and wanted.terms and (loose := loosened(connection, wanted.terms)):
        found = _find_deals(connection, replace(wanted, terms=loose), "some")
    return found


def _find_deals(connection: Connection, wanted: DealFilter, match: Match) -> list[dict]:
    most = MAX_MATCHES + 1 if wanted.limit is None else wanted.limit
    values = _filter_values(connection, wanted) | {LIMIT.key: most}
    shape = Shape.of(connection, values)
    if wanted.per_product:
        rows = connection.execute(_best_per_product(shape), values)
        found = [_with_stores(list(deals), match) for _id, deals in groupby(rows, _product_id)]
    else:
        rows = connection.execute(_every_deal(shape), values)
        found = [deal_dict(row, match) for row in rows]
    if wanted.limit is None and len(found) > MAX_MATCHES:
        by: Grouping | None = "product" if wanted.per_product else None
        counted = count_deals(connection, wanted, by)
        raise TooManyMatches(
            len(counted) if isinstance(counted, dict) else counted, bool(by), match == "some"
        )
    return found


def _filter_values(connection: Connection, wanted: DealFilter) -> dict[str, object]:
    """The values of the parameters for the filters `wanted` sets: days, words and those
    _narrowed() applies."""
    values: dict[str, object] = {START.key: wanted.start, END.key: wanted.end}
    if wanted.terms:
        values |= match_parameters(connection.dialect.name, wanted.terms)
    if wanted.category is not None:
        values[CATEGORY.key] = wanted.category
    if wanted.store_id is not None:
        values[STORE_ID.key] = wanted.store_id
    if wanted.kind is not None:
        values[KIND.key] = wanted.kind
    if wanted.requires_card is not None:
        values[REQUIRES_CARD.key] = wanted.requires_card
    if wanted.min_percent_off is not None:
        # At least the percent a deal shows (rounded to PERCENT_DIGITS): 24.96 % shows as 25.0.
        shown_from = wanted.min_percent_off - 0.5 / 10**PERCENT_DIGITS
        values[MOST_PAID.key] = 1 - shown_from / 100 + 1e-9
    return values


@cache
def _every_deal(shape: Shape) -> Select:
    """Two steps: rank candidates from the covering indexes (ids, match rank and price
    share only), then read whole rows for those returned."""
    chosen = _chosen(shape).subquery("chosen")
    order = [chosen.c.rank] if shape.has(MATCH) else []
    return (
        _deals().join(chosen, chosen.c.id == Deal.id).order_by(*order, chosen.c.share, chosen.c.id)
    )


def _chosen(shape: Shape) -> Select:
    share = _paid_share()
    statement = select(Deal.id, share.label("share")).where(Deal.starts <= END, Deal.ends >= START)
    order = [share, Deal.id]
    if shape.has(MATCH):
        # Best first: a broad match (thousands of products) then reads the deals of its
        # best-ranked products only, as many as the limit needs.
        found = matches(shape.dialect, best_first=True)
        statement = statement.add_columns(found.c.rank).join(
            found, found.c.product_id == Deal.product_id
        )
        order.insert(0, found.c.rank)
    return _narrowed(statement, shape).order_by(*order).limit(LIMIT)


@cache
def _best_per_product(shape: Shape) -> Select:
    """One deal per product: its lowest price per item, with every store that has it.
    Products come in the order find_deals ranks deals (best match, then percent off)."""
    rank: ColumnElement[float] = literal(0.0)  # without a query every product matches alike
    candidates = select(
        Deal.id,
        Deal.product_id,
        (cast(Deal.price_cents, Float) / Deal.quantity).label("each"),
        _paid_share().label("share"),
    ).where(Deal.starts <= END, Deal.ends >= START)
    if shape.has(MATCH):
        found = matches(shape.dialect)
        candidates = candidates.join(found, found.c.product_id == Deal.product_id)
        rank = found.c.rank
    offers = _narrowed(candidates.add_columns(rank.label("rank")), shape).cte("candidates").c
    best = (
        select(
            offers.product_id,
            func.min(offers.each).label("lowest"),
            func.min(offers.share).label("share"),
            func.min(offers.rank).label("rank"),
        )
        .group_by(offers.product_id)
        .order_by("rank", "share", offers.product_id)
        .limit(LIMIT)
        .subquery("best")
    )
    tied = (
        select(offers.id, offers.share, best.c.rank, best.c.share.label("product_share"))
        .add_columns(best.c.product_id)
        .join(best, (best.c.product_id == offers.product_id) & (offers.each == best.c.lowest))
        .subquery("tied")
    )
    order = (tied.c.rank, tied.c.product_share, tied.c.product_id, tied.c.share, Deal.id)
    return _deals().join(tied, tied.c.id == Deal.id).order_by(*order)


def _product_id(row: Row) -> int:
    return row.product_id


def _with_stores(rows: list[Row], match: Match) -> dict:
    deal = deal_dict(rows[0], match)
    deal["stores"] = list(dict.fromkeys(row.store for row in rows))
    return deal


def count_deals(
    connection: Connection, wanted: DealFilter, by: Grouping | None
) -> int | dict[str, int]:
    """How many deals match (every word of the query, no loosening), counted by the
    database: a number, or by `by` a dict of group -> count, most first."""
    values = _filter_values(connection, wanted)
    statement = _count(Shape.of(connection, values), by)
    if by is None:
        return connection.scalar(statement, values) or 0
    counts: dict[str, int] = {}
    for name, count in connection.execute(statement, values):
        counts[name] = counts.get(name, 0) + count  # two products may share a name
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


@cache
def _count(shape: Shape, by: Grouping | None) -> Select:
    """One number, or by `by` (name, count) per group."""
    if by is None:
        return _narrowed(_counted(shape, func.count()), shape)
    key = _group_key(by)
    grouped = _counted(shape, key, func.count())
    by_product = by in ("category", "brand")
    if by_product:
        grouped = grouped.join(Product, Product.id == Deal.product_id)
    grouped = _narrowed(grouped, shape, products_joined=by_product)
    return _group_names(by, grouped.group_by(key).subquery("grouped"))


def _counted(shape: Shape, *columns) -> Select:
    statement = select(*columns).select_from(Deal).where(Deal.starts <= END, Deal.ends >= START)
    if shape.has(MATCH):
        found = matches(shape.dialect)
        statement = statement.join(found, found.c.product_id == Deal.product_id)
    return statement


def _group_key(by: Grouping):
    return {
        "store": Deal.store_id,
        "category": Product.category,
        "brand": Product.brand,
        "product": Deal.product_id,
        "kind": Deal.kind,
    }[by]


def _group_names(by: Grouping, grouped) -> Select:
    """(name, count) per group: stores and products are counted by id, then named."""
    key, count = grouped.c[0], grouped.c[1]
    if by == "store":
        return select(Store.name, count).join(grouped, key == Store.id)
    if by == "product":
        return select(Product.name, count).join(grouped, key == Product.id)
    return select(key, count)


def _narrowed(statement: Select, shape: Shape, *, products_joined: bool = False) -> Select:
    """The filters beyond days and words."""
    if shape.has(CATEGORY):
        if not products_joined:
            statement = statement.join(Product, Product.id == Deal.product_id)
        statement = statement.where(Product.category == CATEGORY)
    if shape.has(STORE_ID):
        statement = statement.where(Deal.store_id == STORE_ID)
    if shape.has(KIND):
        statement = statement.where(Deal.kind == KIND)
    if shape.has(REQUIRES_CARD):
        statement = statement.where(Deal.requires_card == REQUIRES_CARD)
    if shape.has(MOST_PAID):
        statement = statement.where(_paid_share() <= MOST_PAID)
    return statement


def deal_history(
    connection: Connection, product_id: int, since: date, until: date, limit: int
) -> list[dict]:
    """Deals on one product active on any day from `since` to `until`, newest first."""
    values = {PRODUCT_ID.key: product_id, START.key: since, END.key: until, LIMIT.key: limit}
    return [deal_dict(row) for row in connection.execute(_history(), values)]


@cache
def _history() -> Select:
    return (
        _deals()
        .where(Deal.product_id == PRODUCT_ID, Deal.ends >= START, Deal.starts <= END)
        .order_by(Deal.starts.desc(), Deal.id.desc())
        .limit(LIMIT)
    )


def _paid_share():
    """What one item costs with the deal, as a share of its regular price (0.75 = 25% off)."""
    # Multiplied as floats: PostgreSQL's integer product of the two overflows at 2**31
    # (5,000 items of a $5,000 product).
    return cast(Deal.price_cents, Float) / (
        cast(Deal.quantity, Float) * cast(Deal.regular_price_cents, Float)
    )


def _deals() -> Select:
    return (
        select(*DEAL_COLUMNS)
        .join(Product, Product.id == Deal.product_id)
        .join(Store, Store.id == Deal.store_id)
    )


def deal_dict(row: Row, match: Match = "all") -> dict:
    """One deal as plain data; savings and percent off are per item, whatever the kind.
    Fields are read by name through the row's mapping (several times faster than
    attributes, which counts at thousands of rows)."""
    field = row._mapping
    price, quantity, size = field["price_cents"], field["quantity"], field["size"]
    regular, pieces = field["regular_price_cents"], field["pack_count"]
    unit_cents = price / quantity
    saved_cents = regular - unit_cents
    return {
        "id": field["id"],
        "product_id": field["product_id"],
        "product": field["product"],
        "brand": field["brand"],
        "category": field["category"],
        "size": size,
        "unit": field["unit"],
        "pack_count": pieces,
        "store": field["store"],
        "kind": field["kind"],
        "description": field["description"],
        "price": dollars(price),
        "quantity": quantity,
        "must_buy": field["must_buy"],
        "unit_price": dollars(unit_cents),
        "price_per_unit": rate(unit_cents / size) if size else None,
        "price_per_piece": rate(unit_cents / pieces),
        "regular_price": dollars(regular),
        "savings": dollars(saved_cents),
        "percent_off": round(100 * saved_cents / regular, PERCENT_DIGITS),
        "starts": field["starts"],
        "ends": field["ends"],
        "requires_card": bool(field["requires_card"]),
        "limit_per_customer": field["limit_per_customer"],
        "match": match,
    }


# --- Categories and stores ---


def list_categories(connection: Connection) -> list[str]:
    return list(connection.scalars(_categories()))


@cache
def _categories() -> Select:
    """Distinct categories by hopping through the index, one probe per category."""
    first = select(func.min(Product.category).label("name"))
    walk = first.cte("categories", recursive=True)
    following = select(Product.category).where(Product.category > walk.c.name)
    walk = walk.union_all(
        select(following.with_only_columns(func.min(Product.category)).scalar_subquery()).where(
            walk.c.name.is_not(None)
        )
    )
    return select(walk.c.name).where(walk.c.name.is_not(None)).order_by(walk.c.name)


def list_stores(connection: Connection) -> list[dict]:
    rows = connection.execute(_stores())
    return [{"id": row.id, "name": row.name, "city": row.city} for row in rows]


@cache
def _stores() -> Select:
    return select(Store.id, Store.name, Store.city).order_by(Store.name)
