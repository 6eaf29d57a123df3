"""How prices read on a shelf tag: deal wording ("2 for $5", "Buy 1 Get 1 Free") and prices
that end in 9 cents."""

from __future__ import annotations


def money(cents: float) -> str:
    """$5, $2.50: whole dollars without cents, as shelf tags print them."""
    dollars = cents / 100
    return f"${dollars:.0f}" if float(cents) % 100 == 0 else f"${dollars:.2f}"


def describe(kind: str, price_cents: int, quantity: int, regular_price_cents: int) -> str:
    """The shelf-tag wording of a deal: `price_cents` buys `quantity` items."""
    if kind == "multi_buy":
        return f"{quantity} for {money(price_cents)}"
    if kind == "bogo":
        return _bogo(price_cents, quantity, regular_price_cents)
    if kind == "coupon":
        saved = quantity * regular_price_cents - price_cents
        return f"{money(saved)} off with digital coupon"
    if kind == "member_price":
        return f"Member price {money(price_cents)}"
    return f"Sale {money(price_cents)}, was {money(regular_price_cents)}"


def _bogo(price_cents: int, quantity: int, regular_price_cents: int) -> str:
    paid_items = price_cents / regular_price_cents
    if paid_items == quantity - 1:
        return f"Buy {quantity - 1} Get 1 Free"
    if quantity == 2 and paid_items == 1.5:
        return "Buy 1 Get 1 50% Off"
    return f"Buy {quantity} for {money(price_cents)}"


def shelf_price(cents: float) -> int:
    """A price as shelves print it, ending in 9 cents (349, 1199); at least 9 cents."""
    return max(9, round(cents / 10) * 10 - 1)
