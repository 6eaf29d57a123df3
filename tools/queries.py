"""The deals queries behind the tools: checked arguments in, plain dicts and lists out."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import Connection, Float, Row, Select, cast, func, select

from tools.models import Deal, Product, Store
from tools.text_search import SearchTerms, loosened, matches

PRODUCT_COLUMNS = (
    Product.id,
    Product.name,
    Product.brand,
    Product.category,
    Product.size,
    Product.unit,
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
    Store.name.label("store"),
    Deal.kind,
    Deal.description,
    Deal.price_cents,
    Deal.quantity,
    Deal.regular_price_cents,
    Deal.starts,
    Deal.ends,
    Deal.requires_card,
    Deal.limit_per_customer,
)


@dataclass(frozen=True)
class DealFilter:
    """A find_deals request after its arguments were checked and resolved to ids."""

    start: date
    end: date
    terms: SearchTerms | None = None
    category: str | None = None
    store_id: int | None = None
    kind: str | None = None
    min_percent_off: float | None = None
    limit: int = 50


def dollars(cents: float) -> float:
    """Cents (possibly fractional, as in a per-item price of 3 for $5) as dollars, rounded
    half up to the cent: 249.5 -> 2.5."""
    return math.floor(cents + 0.5) / 100


def search_products(
    connection: Connection, terms: SearchTerms, category: str | None, limit: int
) -> list[dict]:
    """Best matches first; products with some of the words when none has them all."""
    found = _search_products(connection, terms, category, limit)
    if not found and (loose := loosened(connection, terms)):
        found = _search_products(connection, loose, category, limit)
    return found


def _search_products(
    connection: Connection, terms: SearchTerms, category: str | None, limit: int
) -> list[dict]:
    """Rank in the text index alone, then read only the products returned."""
    found = matches(connection, terms)
    chosen = select(found.c.product_id, found.c.rank)
    if category is not None:
        chosen = chosen.join(Product, Product.id == found.c.product_id).where(
            Product.category == category
        )
    chosen = chosen.order_by(found.c.rank, found.c.product_id).limit(limit).subquery("chosen")
    statement = (
        select(*PRODUCT_COLUMNS)
        .join(chosen, chosen.c.product_id == Product.id)
        .order_by(chosen.c.rank, Product.id)
    )
    return [product_dict(row) for row in connection.execute(statement)]


def product_dict(row: Row) -> dict:
    return {
        "id": row.id,
        "name": row.name,
        "brand": row.brand,
        "category": row.category,
        "size": row.size,
        "unit": row.unit,
        "regular_price": dollars(row.regular_price_cents),
    }


def find_deals(connection: Connection, wanted: DealFilter) -> list[dict]:
    """The deals `wanted` asks for; with some of the words when no product has them all."""
    found = _find_deals(connection, wanted)
    if not found and wanted.terms and (loose := loosened(connection, wanted.terms)):
        found = _find_deals(connection, replace(wanted, terms=loose))
    return found


def _find_deals(connection: Connection, wanted: DealFilter) -> list[dict]:
    """Two steps: rank candidates from the covering indexes (ids, match rank and price
    share only), then read whole rows for those returned."""
    chosen = _chosen(connection, wanted).subquery("chosen")
    order = [chosen.c.rank] if wanted.terms else []
    statement = (
        _deals().join(chosen, chosen.c.id == Deal.id).order_by(*order, chosen.c.share, chosen.c.id)
    )
    return [deal_dict(row) for row in connection.execute(statement)]


def _chosen(connection: Connection, wanted: DealFilter) -> Select:
    share = _paid_share()
    statement = select(Deal.id, share.label("share")).where(
        Deal.starts <= wanted.end, Deal.ends >= wanted.start
    )
    order = [share, Deal.id]
    if wanted.terms:
        # Best first: a broad match (thousands of products) then reads the deals of its
        # best-ranked products only, as many as the limit needs.
        found = matches(connection, wanted.terms, best_first=True)
        statement = statement.add_columns(found.c.rank).join(
            found, found.c.product_id == Deal.product_id
        )
        order.insert(0, found.c.rank)
    return _narrowed(statement, wanted).order_by(*order).limit(wanted.limit)


def _narrowed(statement: Select, wanted: DealFilter) -> Select:
    if wanted.category is not None:
        statement = statement.join(Product, Product.id == Deal.product_id).where(
            Product.category == wanted.category
        )
    if wanted.store_id is not None:
        statement = statement.where(Deal.store_id == wanted.store_id)
    if wanted.kind is not None:
        statement = statement.where(Deal.kind == wanted.kind)
    if wanted.min_percent_off is not None:
        most_paid = 1 - wanted.min_percent_off / 100 + 1e-9
        statement = statement.where(_paid_share() <= most_paid)
    return statement


def deal_history(
    connection: Connection, product_id: int, since: date, until: date, limit: int
) -> list[dict]:
    statement = (
        _deals()
        .where(Deal.product_id == product_id, Deal.starts >= since, Deal.starts <= until)
        .order_by(Deal.starts.desc(), Deal.id.desc())
        .limit(limit)
    )
    return [deal_dict(row) for row in connection.execute(statement)]


def _paid_share():
    """What one item costs with the deal, as a share of its regular price (0.75 = 25% off)."""
    return cast(Deal.price_cents, Float) / cast(Deal.quantity * Deal.regular_price_cents, Float)


def _deals() -> Select:
    return (
        select(*DEAL_COLUMNS)
        .join(Product, Product.id == Deal.product_id)
        .join(Store, Store.id == Deal.store_id)
    )


def deal_dict(row: Row) -> dict:
    """One deal as plain data; savings and percent off are per item, whatever the kind."""
    (id_, product_id, product, brand, category, size, unit, store, kind, description,
     price, quantity, regular, starts, ends, requires_card, limit) = row  # fmt: skip
    unit_cents = price / quantity
    saved_cents = regular - unit_cents
    return {
        "id": id_,
        "product_id": product_id,
        "product": product,
        "brand": brand,
        "category": category,
        "size": size,
        "unit": unit,
        "store": store,
        "kind": kind,
        "description": description,
        "price": dollars(price),
        "quantity": quantity,
        "unit_price": dollars(unit_cents),
        "regular_price": dollars(regular),
        "savings": dollars(saved_cents),
        "percent_off": round(100 * saved_cents / regular, 1),
        "starts": starts,
        "ends": ends,
        "requires_card": bool(requires_card),
        "limit_per_customer": limit,
    }


def product_exists(connection: Connection, product_id: int) -> bool:
    return connection.scalar(select(Product.id).where(Product.id == product_id)) is not None


def list_categories(connection: Connection) -> list[str]:
    """Distinct categories by hopping through the index, one probe per category."""
    first = select(func.min(Product.category).label("name"))
    walk = first.cte("categories", recursive=True)
    following = select(Product.category).where(Product.category > walk.c.name)
    walk = walk.union_all(
        select(following.with_only_columns(func.min(Product.category)).scalar_subquery()).where(
            walk.c.name.is_not(None)
        )
    )
    statement = select(walk.c.name).where(walk.c.name.is_not(None)).order_by(walk.c.name)
    return list(connection.scalars(statement))


def list_stores(connection: Connection) -> list[dict]:
    statement = select(Store.id, Store.name, Store.city).order_by(Store.name)
    rows = connection.execute(statement)
    return [{"id": row.id, "name": row.name, "city": row.city} for row in rows]
