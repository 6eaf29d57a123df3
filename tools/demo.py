"""Realistic, deterministic demo data: stores, products and deals dated around `today`.

The same seed and day always give the same rows. The catalog's staples come first, so
every question in QUESTIONS.md has its products whatever the size asked for; word-list
products fill up the rest. Everything is loaded in bulk (see tools/bulk.py).
"""

from __future__ import annotations

import logging
import random
import re
import time
from dataclasses import dataclass
from datetime import date
from itertools import product as combinations

from sqlalchemy import Connection, Engine, func, select

from tools.bulk import after_load, clear_deals_tables, insert_rows, vacuum
from tools.catalog import SHELVES, STAPLES, STORE_BRAND, STORES, Shelf, Size
from tools.demo_deals import DEMO_ID_PREFIX, demo_deals
from tools.describe import shelf_price
from tools.product_names import pack_count, product_type
from tools.tables import DEAL_COLUMNS, PRODUCT_COLUMNS, Deal

log = logging.getLogger(__name__)

SEARCHABLE_QUALIFIERS = {"Organic", "Gluten-Free", "Grass-Fed", "Keto", "Grain-Free"}
PREMIUM_QUALIFIERS = {"Organic", "Grass-Fed", "Gluten-Free", "Craft", "Single Origin"}
LEADING_NUMBER = re.compile(r"^\d+(\.\d+)?(?= )")


@dataclass(frozen=True, slots=True)
class DemoProduct:
    id: int
    name: str
    brand: str
    category: str
    size: float
    unit: str
    regular_price_cents: int
    tags: str
    pack_count: int
    product_type: str


class NotDemoData(Exception):
    """The database holds deals that demo seeding did not make (a feed's); nothing was changed."""

    def __init__(self, count: int) -> None:
        super().__init__(f"the database holds {count:,} deals that are not demo deals")
        self.count = count


@dataclass(frozen=True)
class SeedReport:
    """What seed_demo loaded."""

    stores: int
    products: int
    deals: int
    today: date
    seconds: float


def seed_demo(
    engine: Engine,
    *,
    products: int = 2000,
    deals: int = 20000,
    seed: int = 7,
    today: date | None = None,
    replace: bool = False,
) -> SeedReport:
    """Replace every store, product and deal with demo data dated around `today`.

    At least the catalog's staples (about 160 products) and the deals that make the
    shopper questions answerable (about 250) are always loaded. Raises NotDemoData, changing
    nothing, when the database holds deals demo seeding did not make, unless `replace`.
    """
    started = time.perf_counter()
    today = today or date.today()
    rng = random.Random(seed)
    catalog = demo_products(rng, products)
    stores = [(number, name, city) for number, (name, city) in enumerate(STORES, start=1)]
    with engine.begin() as connection:
        if not replace and (foreign := count_other_deals(connection)):
            raise NotDemoData(foreign)
        clear_deals_tables(connection)
        insert_rows(connection, "stores", ("id", "name", "city"), stores)
        product_rows = (tuple(getattr(p, name) for name in PRODUCT_COLUMNS) for p in catalog)
        insert_rows(connection, "products", PRODUCT_COLUMNS, product_rows)
        names = [name for _number, name, _city in stores]
        rows = demo_deals(rng, catalog, names, deals, today, staples=staple_count())
        loaded = insert_rows(connection, "deals", DEAL_COLUMNS, rows)
        after_load(connection)
    vacuum(engine)
    report = SeedReport(len(stores), len(catalog), loaded, today, time.perf_counter() - started)
    log.info("seeded demo data: %s", report)
    return report


def has_deals(engine: Engine) -> bool:
    """Whether the deals table exists and holds at least one deal (else: seed on first use)."""
    with engine.connect() as connection:
        if not connection.dialect.has_table(connection, Deal.__tablename__):
            return False
        return connection.scalar(select(Deal.id).limit(1)) is not None


def count_other_deals(connection: Connection) -> int:
    """How many deals demo seeding did not make (imported from feeds)."""
    prefix = func.substr(Deal.feed_id, 1, len(DEMO_ID_PREFIX))
    query = select(func.count()).select_from(Deal).where(prefix != DEMO_ID_PREFIX)
    return connection.scalar(query) or 0


def demo_products(rng: random.Random, count: int) -> list[DemoProduct]:
    """The staples, then word-list products up to `count` (as many as the lists allow)."""
    staples = list(_staples())
    taken = {(p.name, p.brand) for p in staples}
    space = [item for shelf in SHELVES for item in _shelf_space(shelf)]
    rng.shuffle(space)
    filler = (item for item in space if (item[0], item[1]) not in taken)
    wanted = max(0, count - len(staples))
    numbered = zip(range(len(staples) + 1, len(staples) + wanted + 1), filler, strict=False)
    made = [_filler(rng, item, number) for number, item in numbered]
    if len(made) < wanted:
        log.warning("the catalog's word lists make only %d products", len(staples) + len(made))
    return staples + made


def staple_count() -> int:
    return sum(len(line.varieties) * len(line.sizes) for line in STAPLES)


def _staples():
    number = 0
    for line in STAPLES:
        for variety in line.varieties:
            for label, amount, unit, cents in line.sizes:
                number += 1
                name = f"{line.name.format(variety)} {label}"
                yield DemoProduct(
                    number,
                    name,
                    line.brand,
                    line.category,
                    amount,
                    unit,
                    cents,
                    line.tags,
                    pack_count(name, amount, unit),
                    product_type(name, line.brand, line.tags),
                )


def _shelf_space(shelf: Shelf):
    """Every (name, brand, category, tags, size, qualifier) the shelf's lists combine."""
    for kind in shelf.kinds:
        sizes = (*kind.sizes, *_value_size(kind.sizes[0]))
        for brand, variety, qualifier, size in combinations(
            shelf.brands, kind.variety_names(), shelf.qualifiers, sizes
        ):
            words = (brand, qualifier, variety, kind.name, size[0])
            name = " ".join(word for word in words if word)
            yield name, brand, shelf.category, kind.tags, size, qualifier


def _value_size(size: Size) -> tuple[Size, ...]:
    """The double-size pack of a size labelled by its amount ("8 oz" -> "16 oz")."""
    label, amount, unit, cents = size
    found = LEADING_NUMBER.match(label)
    if not found or float(found.group()) != amount:
        return ()
    doubled = amount * 2
    return ((f"{doubled:g}{label[found.end() :]}", doubled, unit, int(cents * 1.7)),)


def _filler(rng: random.Random, item: tuple, number: int) -> DemoProduct:
    name, brand, category, tags, (_label, amount, unit, cents), qualifier = item
    factor = rng.uniform(0.85, 1.2) * (0.75 if brand == STORE_BRAND else 1.0)
    if qualifier in PREMIUM_QUALIFIERS:
        factor *= 1.25
    extra = [qualifier.lower()] if qualifier in SEARCHABLE_QUALIFIERS else []
    if brand == STORE_BRAND:
        extra.append("store brand")
    tags = ", ".join([tags, *extra])
    return DemoProduct(
        number,
        name,
        brand,
        category,
        amount,
        unit,
        shelf_price(cents * factor),
        tags,
        pack_count(name, amount, unit),
        product_type(name, brand, tags),
    )
