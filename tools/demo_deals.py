"""Demo deals: the hand-placed ones that make each QUESTIONS.md question answerable, then
random weekly-ad deals over the past six months and the next two weeks."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

from tools.describe import describe, shelf_price

if TYPE_CHECKING:
    from tools.demo import DemoProduct

# Every demo deal's feed id starts with this, which is how seed_demo tells them from a feed's.
DEMO_ID_PREFIX = "demo-"
HISTORY_DAYS = 182
AHEAD_DAYS = 14
WEDNESDAY = 2
STAPLE_SHARE = 0.15
STAPLE_DEALS = 60  # at most, per staple over the half year: about one a fortnight a store
EVERY = "*"

# (product, stores, kind, terms, window, requires card). Terms: sale and member_price, the
# price in cents; multi_buy, (quantity, total cents) and, when one item rings up at the
# deal's price on its own, 1 (else the whole set must be bought); bogo, (paid, free) items;
# coupon, cents off. Windows are named in _window(); a number is "that many days ago, for a
# week".
# fmt: off
PLACED = (
    # 1. orange soda this weekend
    ("Sunkist Orange Soda 12 pk 12 fl oz cans", "Mission, Marina",
     "multi_buy", (2, 1100), "weekend", False),
    ("Fanta Orange 2 L", "Sunset, Rockridge, Mission", "sale", 199, "weekend", False),
    ("Fanta Orange 12 pk 12 fl oz cans", "Daly City", "bogo", (2, 1), "weekend", False),
    ("Crush Orange 12 pk 12 fl oz cans", "Downtown Berkeley", "sale", 499, "weekend", False),
    ("Bayside Orange Soda 12 pk 12 fl oz cans", EVERY, "member_price", 349, "weekend", True),
    # 2. cheapest cereal per ounce now; 7. Cheerios history
    ("Cheerios 18 oz", "Mission", "sale", 399, "today", False),
    ("Cheerios 18 oz", "Marina", "sale", 349, 30, False),
    ("Cheerios 18 oz", "Sunset", "member_price", 379, 75, True),
    ("Cheerios 18 oz", "Mission", "sale", 429, 120, False),
    ("Cheerios 18 oz", EVERY, "coupon", 150, 160, True),
    ("Cheerios 12 oz", "Rockridge", "sale", 299, 45, False),
    ("Honey Nut Cheerios 18.8 oz", "Sunset", "sale", 449, "week", False),
    ("Frosted Flakes 24 oz", "Marina", "sale", 499, "today", False),
    ("Raisin Bran 16.6 oz", "Rockridge", "multi_buy", (2, 700), "today", False),
    ("Bayside Toasted Oats 12 oz", EVERY, "sale", 199, "today", False),
    ("Kashi GO Original 13.1 oz", "Mission", "coupon", 200, "today", True),
    # 3. tacos on Friday
    ("Bayside 85% Lean Ground Beef 1 lb", EVERY, "sale", 499, "friday", False),
    ("Guerrero Soft Taco Flour Tortillas 10 ct", "Mission, Sunset",
     "multi_buy", (2, 500), "friday", False),
    ("La Banderita Corn Tortillas 30 ct", EVERY, "sale", 249, "friday", False),
    ("Tillamook Shredded Mexican Four Cheese Blend 8 oz", EVERY, "sale", 299, "friday", False),
    ("Pace Chunky Salsa Medium 16 oz", "Mission, Marina, Rockridge",
     "bogo", (1, 1), "friday", False),
    ("Hass Avocados each", "Sunset, Daly City", "multi_buy", (4, 500, 1), "friday", False),
    ("Old El Paso Hard Taco Shells 12 ct", EVERY, "sale", 199, "friday", False),
    # 4. snack deals this week, most at Mission
    ("Lay's Classic Potato Chips 8 oz", "Mission", "multi_buy", (2, 600), "week", False),
    ("Lay's Classic Potato Chips 8 oz", "Rockridge", "sale", 349, "week", False),
    ("Doritos Nacho Cheese Tortilla Chips 9.25 oz", "Mission", "bogo", (1, 1), "week", True),
    ("Tostitos Scoops Tortilla Chips 10 oz", "Mission", "sale", 399, "week", False),
    ("Goldfish Cheddar Crackers 6.6 oz", "Sunset", "multi_buy", (2, 500), "week", False),
    ("Oreo Chocolate Sandwich Cookies 13.29 oz", "Marina", "sale", 349, "week", False),
    ("Kettle Brand Sea Salt Potato Chips 8.5 oz", "Mission", "member_price", 329, "week", True),
    # 5. BOGO ice cream without a card (and one that needs it)
    ("Ben & Jerry's Half Baked Ice Cream 1 pint", "Mission, Marina", "bogo", (1, 1), "week", False),
    ("Häagen-Dazs Vanilla Ice Cream 14 fl oz", "Sunset", "bogo", (1, 1), "week", True),
    ("Breyers Natural Vanilla Ice Cream 48 fl oz", "Rockridge", "sale", 399, "week", False),
    ("Tillamook Mudslide Ice Cream 48 fl oz", EVERY, "multi_buy", (2, 1000), "week", False),
    # 6. cases of Coke and bags of chips; 10. Pepsi or Coke per can
    ("Coca-Cola Classic 24 pk 12 fl oz cans", EVERY, "sale", 1199, "week", False),
    ("Coca-Cola Classic 12 pk 12 fl oz cans", "Mission, Sunset",
     "multi_buy", (3, 1800), "week", False),
    ("Pepsi 12 pk 12 fl oz cans", EVERY, "multi_buy", (2, 1100), "week", False),
    ("Pepsi 24 pk 12 fl oz cans", "Daly City", "member_price", 1299, "week", True),
    # 8. deals ending tomorrow
    ("Dave's Killer Bread 21 Whole Grains and Seeds 27 oz", "Mission",
     "sale", 499, "ends_tomorrow", False),
    ("Chobani Greek Yogurt Plain 32 oz", EVERY, "sale", 449, "ends_tomorrow", False),
    ("Atlantic Salmon Fillet per lb", "Marina, Rockridge",
     "member_price", 899, "ends_tomorrow", True),
    ("Gala Apples per lb", "Sunset", "sale", 129, "ends_tomorrow", False),
    # 9. coffee over 30% off (and some under)
    ("Peet's Major Dickason's Blend Ground Coffee 10.5 oz", EVERY, "sale", 699, "week", False),
    ("Starbucks Pike Place Roast Ground Coffee 12 oz", "Marina", "bogo", (1, 1), "week", False),
    ("Folgers Classic Roast Ground Coffee 25.9 oz", "Mission", "sale", 999, "week", False),
    ("Lavazza Super Crema Whole Bean Coffee 2.2 lb", "Sunset", "coupon", 300, "week", True),
    ("Starbucks Pike Place Roast K-Cup Pods 22 ct", "Rockridge", "sale", 1099, "week", False),
    ("Bayside French Roast Ground Coffee 12 oz", EVERY, "sale", 549, "week", False),
    # 11. produce at Mission; 16. milk, eggs, bread, bananas today
    ("Bananas per lb", "Mission", "sale", 49, "today", False),
    ("Bananas per lb", "Marina, Sunset, Rockridge", "member_price", 59, "today", True),
    ("Strawberries 1 lb", "Mission", "multi_buy", (2, 600, 1), "today", False),
    ("Hass Avocados each", "Mission", "sale", 99, "today", False),
    ("Romaine Hearts 3 ct", "Mission", "sale", 299, "today", False),
    ("Blueberries 6 oz", "Mission", "sale", 299, "today", False),
    ("Bayside Whole Milk 1 gal", EVERY, "sale", 349, "today", False),
    ("Bayside Large Grade A Eggs 12 ct", "Mission, Marina", "sale", 279, "today", False),
    ("Bayside Sandwich White Bread 20 oz", EVERY, "multi_buy", (2, 300, 1), "today", False),
    # 12. digital coupons for diapers
    ("Pampers Swaddlers Diapers Size 3 74 ct", EVERY, "coupon", 300, "week", True),
    ("Huggies Little Snugglers Diapers Size 2 64 ct", EVERY, "coupon", 400, "week", True),
    ("Pampers Sensitive Baby Wipes 336 ct", EVERY, "coupon", 200, "week", True),
    ("Bayside Baby Diapers Size 4 84 ct", "Sunset", "sale", 1599, "week", False),
    # 13. 36 cans of sparkling water
    ("LaCroix Sparkling Water Lime 12 pk 12 fl oz cans", EVERY,
     "multi_buy", (3, 1200), "week", False),
    ("LaCroix Sparkling Water Pamplemousse 12 pk 12 fl oz cans", "Mission",
     "sale", 499, "week", False),
    ("Bubly Sparkling Water Lime 8 pk 12 fl oz cans", "Marina, Sunset",
     "multi_buy", (2, 700), "week", False),
    ("Polar Seltzer Original 12 pk 12 fl oz cans", "Rockridge", "sale", 399, "week", False),
    ("Bayside Sparkling Water Lime 12 pk 12 fl oz cans", EVERY, "sale", 349, "week", False),
    # 14. new since Monday
    ("Honey Nut Cheerios 10.8 oz", "Daly City", "sale", 349, "since_monday", False),
    ("Sprite Lemon-Lime 2 L", EVERY, "multi_buy", (2, 500, 1), "since_monday", False),
    ("Tide Original Liquid Laundry Detergent 92 fl oz", "Mission",
     "sale", 1099, "since_monday", False),
    ("Sabra Classic Hummus 10 oz", "Marina", "sale", 349, "since_monday", False),
    # 15. frozen pizza by price per ounce
    ("DiGiorno Rising Crust Pepperoni Pizza 27.5 oz", EVERY, "sale", 599, "week", False),
    ("DiGiorno Four Cheese Pizza 26.2 oz", "Mission", "multi_buy", (2, 1200), "week", False),
    ("Red Baron Classic Crust Pepperoni Pizza 20.6 oz", EVERY,
     "multi_buy", (3, 1000), "week", False),
    ("Tombstone Original Supreme Pizza 21.6 oz", "Sunset", "sale", 399, "week", False),
    ("Amy's Margherita Pizza 13 oz", "Marina", "coupon", 150, "week", True),
    ("Bayside Thin Crust Margherita Pizza 15 oz", EVERY, "sale", 349, "week", False),
    # 17. multi-buys that save and ones that do not
    ("Kraft Macaroni & Cheese Original 7.25 oz", EVERY, "multi_buy", (5, 500, 1), "week", False),
    ("Barilla Spaghetti 16 oz", EVERY, "multi_buy", (2, 400), "week", False),
    ("Skippy Creamy Peanut Butter 16.3 oz", "Mission", "multi_buy", (2, 700), "week", False),
    ("Dasani Purified Water 24 pk 16.9 fl oz bottles", EVERY,
     "multi_buy", (2, 1400), "week", False),
    # 19. gluten-free this week
    ("Udi's Gluten Free Whole Grain Bread 12 oz", EVERY, "sale", 499, "week", False),
    ("Barilla Gluten Free Spaghetti 12 oz", "Mission, Rockridge", "sale", 229, "week", False),
    ("KIND Dark Chocolate Nuts & Sea Salt Bars 6 ct", EVERY, "multi_buy", (2, 1100), "week", False),
    # 20. when Tide pods were last on sale
    ("Tide PODS Original Laundry Detergent Pacs 42 ct", "Mission", "sale", 1099, 21, False),
    ("Tide PODS Original Laundry Detergent Pacs 42 ct", EVERY, "coupon", 300, 64, True),
    ("Tide PODS Original Laundry Detergent Pacs 42 ct", "Sunset", "member_price", 1149, 130, True),
    ("Tide PODS Original Laundry Detergent Pacs 81 ct", "Marina", "sale", 1999, 45, False),
)
# fmt: on

# Random deals: kind, weight, share of them needing a card.
# Coupons are digital coupons, which always need the card.
KINDS = (
    ("sale", 45, 0.0),
    ("multi_buy", 15, 0.1),
    ("bogo", 10, 0.3),
    ("coupon", 15, 1.0),
    ("member_price", 15, 1.0),
)


def demo_deals(
    rng: random.Random,
    products: Sequence[DemoProduct],
    stores: Sequence[str],
    count: int,
    today: date,
    *,
    staples: int,
) -> Iterator[tuple]:
    """The placed deals, then random ones until `count` rows (at least all placed ones).
    The first `staples` products are the catalog's staples."""
    made = 0
    for row in _placed(products, stores, today):
        made += 1
        yield (f"{DEMO_ID_PREFIX}{made:07d}", *row)
    draw = _RandomDeals(rng, products, staples, count, len(stores), today)
    while made < count:
        made += 1
        yield (f"{DEMO_ID_PREFIX}{made:07d}", *draw.one())


def _placed(products: Sequence[DemoProduct], stores: Sequence[str], today: date):
    by_name = {p.name: p for p in products}
    store_ids = {name: number for number, name in enumerate(stores, start=1)}
    for name, where, kind, terms, window, card in PLACED:
        item = by_name[name]
        bought = _terms(kind, terms, item.regular_price_cents)
        starts, ends = _window(window, today)
        chosen = stores if where == EVERY else where.split(", ")
        for store in chosen:
            yield _row(item, store_ids[store], kind, bought, starts, ends, card)


def _terms(kind: str, terms, regular: int) -> tuple[int, int, int]:
    """(price in cents, quantity it buys, items to buy) from a PLACED entry's terms."""
    if kind == "multi_buy":
        quantity, total, *alone = terms
        return total, quantity, alone[0] if alone else quantity
    if kind == "bogo":
        paid, free = terms
        return paid * regular, paid + free, paid + free
    if kind == "coupon":
        return regular - terms, 1, 1
    return terms, 1, 1


def _window(window: str | int, today: date) -> tuple[date, date]:
    """The first and last day of a named stretch around `today`."""
    day = timedelta(days=1)
    saturday = today + day * ((5 - today.weekday()) % 7)
    friday = today + day * ((4 - today.weekday()) % 7)
    monday = today - day * today.weekday()
    windows = {
        "weekend": (today - day, saturday + 2 * day),
        "week": (today - 2 * day, today + 6 * day),
        "today": (today - 3 * day, today + 3 * day),
        "ends_tomorrow": (today - 5 * day, today + day),
        "since_monday": (monday, monday + 9 * day),
        "friday": (min(today, friday - 2 * day), friday + day),
    }
    if isinstance(window, int):
        return today - day * window, today - day * (window - 6)
    return windows[window]


def _row(item, store_id, kind, terms, starts, ends, card, limit=None) -> tuple:
    """A deals row in DEAL_COLUMNS order; `terms` is (price, quantity, must buy)."""
    price, quantity, must_buy = terms
    regular = item.regular_price_cents
    return (
        item.id,
        store_id,
        kind,
        describe(kind, price, quantity, regular),
        price,
        quantity,
        regular,
        starts.isoformat(),
        ends.isoformat(),
        card,
        limit,
        must_buy,
    )


class _RandomDeals:
    """Weekly-ad deals (Wednesday to Tuesday) and coupons of two to four weeks, on random
    products at random stores; staples, the products people buy most, get a fair share."""

    def __init__(self, rng, products, staples: int, count: int, stores: int, today: date):
        self.rng = rng
        self.products = products
        self.staples = products[:staples]
        self.staple_share = min(STAPLE_SHARE, STAPLE_DEALS * staples / max(count, 1))
        self.store_count = stores
        self.first_day = today.toordinal() - HISTORY_DAYS
        self.days = HISTORY_DAYS + AHEAD_DAYS
        self.kinds = [kind for kind, _weight, _card in KINDS]
        self.weights = [weight for _kind, weight, _card in KINDS]
        self.card_share = {kind: card for kind, _weight, card in KINDS}

    def one(self) -> tuple:
        rng = self.rng
        pool = self.staples if rng.random() < self.staple_share else self.products
        item = pool[int(rng.random() * len(pool))]
        kind = rng.choices(self.kinds, self.weights)[0]
        price, quantity = getattr(self, f"_{kind}")(item.regular_price_cents)
        starts, ends = self._dates(kind)
        card = rng.random() < self.card_share[kind]
        limit = rng.randint(2, 6) if rng.random() < 0.15 else None
        store = 1 + int(rng.random() * self.store_count)
        terms = (price, quantity, self._must_buy(kind, quantity))
        return _row(item, store, kind, terms, starts, ends, card, limit)

    def _must_buy(self, kind: str, quantity: int) -> int:
        """BOGO needs every item; half the multi-buys ring up each item at the deal's price."""
        if kind == "multi_buy" and self.rng.random() < 0.5:
            return 1
        return quantity if kind in ("bogo", "multi_buy") else 1

    def _dates(self, kind: str) -> tuple[date, date]:
        start = date.fromordinal(self.first_day + int(self.rng.random() * self.days))
        if kind == "coupon":
            return start, start + timedelta(days=self.rng.choice((13, 20, 27)))
        start -= timedelta(days=(start.weekday() - WEDNESDAY) % 7)
        return start, start + timedelta(days=6)

    def _off(self, low: float, high: float) -> float:
        return 1 - self.rng.uniform(low, high)

    def _sale(self, regular: int) -> tuple[int, int]:
        return shelf_price(regular * self._off(0.1, 0.45)), 1

    def _member_price(self, regular: int) -> tuple[int, int]:
        return shelf_price(regular * self._off(0.1, 0.3)), 1

    def _multi_buy(self, regular: int) -> tuple[int, int]:
        quantity = self.rng.choice((2, 2, 3, 4, 5))
        total = quantity * regular * self._off(0.05, 0.35)
        return max(100, int(total / 100) * 100), quantity

    def _bogo(self, regular: int) -> tuple[int, int]:
        paid, quantity = self.rng.choice(((1, 2), (1, 2), (2, 3), (1.5, 2)))
        return round(paid * regular), quantity

    def _coupon(self, regular: int) -> tuple[int, int]:
        off = min(self.rng.choice((50, 75, 100, 150, 200, 300)), regular * 2 // 5)
        return regular - max(off, 10), 1
