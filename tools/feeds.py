"""Importing a deals feed: all of it in one transaction, or nothing when any row is bad.

Deals are matched on the feed's own id, products on (name, brand) and stores on name, so
importing the same file again changes nothing and an edited file updates in place.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tools.feed_rows import FeedError, FeedRow, read_feed
from tools.models import DEAL_COLUMNS, Deal, Product, Store
from tools.product_names import product_type

log = logging.getLogger(__name__)

CHUNK = 500
PRODUCT_FIELDS = ("category", "size", "unit", "regular_price_cents", "tags", "pack_count")

__all__ = ["FeedError", "ImportReport", "import_feed"]


@dataclass(frozen=True)
class ImportReport:
    """What one import did to the deals (and which stores and products it added)."""

    inserted: int
    updated: int
    unchanged: int
    stores_added: int = 0
    products_added: int = 0


def import_feed(engine: Engine, path: str | Path) -> ImportReport:
    """Load the CSV or JSON feed at `path`; raises FeedError (nothing written) on bad rows."""
    rows = read_feed(path)
    with Session(engine) as session, session.begin():
        stores, stores_added = _stores(session, rows)
        products, products_added = _products(session, rows)
        counts = _deals(session, rows, stores, products)
    report = ImportReport(*counts, stores_added=stores_added, products_added=products_added)
    log.info("imported %s: %s", path, report)
    return report


def _stores(session: Session, rows: list[FeedRow]) -> tuple[dict[str, Store], int]:
    known = {store.name.lower(): store for store in session.scalars(select(Store))}
    added = 0
    for row in rows:
        if row.store.lower() not in known:
            known[row.store.lower()] = Store(name=row.store, city=row.city)
            session.add(known[row.store.lower()])
            added += 1
    session.flush()
    return known, added


def _products(session: Session, rows: list[FeedRow]) -> tuple[dict[tuple, Product], int]:
    names = {row.product for row in rows}
    known = {
        (product.name, product.brand): product
        for chunk in _chunks(sorted(names))
        for product in session.scalars(select(Product).where(Product.name.in_(chunk)))
    }
    added = 0
    for row in rows:
        product = known.get((row.product, row.brand))
        if product is None:
            product = known[(row.product, row.brand)] = Product(name=row.product, brand=row.brand)
            session.add(product)
            added += 1
        values = {name: getattr(row, name) for name in PRODUCT_FIELDS}
        _assign(product, values | {"product_type": product_type(row.product, row.brand, row.tags)})
    session.flush()
    return known, added


def _deals(session, rows, stores, products) -> tuple[int, int, int]:
    known = {
        deal.feed_id: deal
        for chunk in _chunks([row.feed_id for row in rows])
        for deal in session.scalars(select(Deal).where(Deal.feed_id.in_(chunk)))
    }
    inserted = updated = 0
    for row in rows:
        values = _deal_values(row, stores, products)
        deal = known.get(row.feed_id)
        if deal is None:
            session.add(Deal(feed_id=row.feed_id, **values))
            inserted += 1
        elif _assign(deal, values):
            updated += 1
    return inserted, updated, len(rows) - inserted - updated


def _deal_values(row: FeedRow, stores: dict, products: dict) -> dict:
    values = {name: getattr(row, name) for name in DEAL_COLUMNS[3:]}  # kind onwards
    values["product_id"] = products[(row.product, row.brand)].id
    values["store_id"] = stores[row.store.lower()].id
    return values


def _assign(target: object, values: dict) -> bool:
    """Set only the attributes that differ; True when anything changed."""
    changed = {name: value for name, value in values.items() if getattr(target, name) != value}
    for name, value in changed.items():
        setattr(target, name, value)
    return bool(changed)


def _chunks(values: list) -> Iterable[list]:
    return (values[start : start + CHUNK] for start in range(0, len(values), CHUNK))
