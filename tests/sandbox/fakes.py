"""Fake deals tools for the sandbox tests: plain functions with the real tools' shapes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

TODAY = dt.date(2024, 5, 3)  # a Friday
STORES: list[dict[str, Any]] = [
    {"id": 1, "name": "FreshMart", "city": "Springfield"},
    {"id": 2, "name": "ValueFoods", "city": "Shelbyville"},
]
CATEGORIES = ["beverages", "snacks", "cereal", "dairy"]
PRODUCTS = [
    ("Sunkist Orange Soda 12pk", "Sunkist", "beverages", 12, "can", 6.49),
    ("Fanta Orange 2L", "Fanta", "beverages", 2, "l", 2.99),
    ("Coca-Cola 12pk", "Coca-Cola", "beverages", 12, "can", 7.49),
    ("Lay's Classic Chips", "Lay's", "snacks", 8, "oz", 4.29),
    ("Doritos Nacho Cheese", "Doritos", "snacks", 9.25, "oz", 4.79),
    ("Cheerios", "General Mills", "cereal", 18, "oz", 5.49),
    ("Frosted Flakes", "Kellogg's", "cereal", 24, "oz", 6.29),
    ("Whole Milk 1 gal", "Dairyland", "dairy", 1, "gal", 3.89),
]
KINDS = ["sale", "bogo", "multi_buy", "coupon", "member_price"]


class UnknownStore(Exception):
    """Like the real tools' ToolError: not a built-in type, a message for the model."""


def product_dicts() -> list[dict[str, Any]]:
    return [
        {
            "id": index + 1,
            "name": name,
            "brand": brand,
            "category": category,
            "size": size,
            "unit": unit,
            "regular_price": price,
        }
        for index, (name, brand, category, size, unit, price) in enumerate(PRODUCTS)
    ]


def deal_dicts() -> list[dict[str, Any]]:
    deals = []
    for index, product in enumerate(product_dicts()):
        for store in STORES:
            number = index * 2 + store["id"]
            kind = KINDS[number % len(KINDS)]
            quantity = 2 if kind == "multi_buy" else 1
            price = round(product["regular_price"] * quantity * (0.6 + 0.05 * (number % 6)), 2)
            regular = round(product["regular_price"] * quantity, 2)
            starts = TODAY + dt.timedelta(days=(number % 5) - 2)
            deals.append(
                {
                    "id": number,
                    "product_id": product["id"],
                    "product": product["name"],
                    "brand": product["brand"],
                    "category": product["category"],
                    "size": product["size"],
                    "store": store["name"],
                    "kind": kind,
                    "description": f"{kind.replace('_', ' ')} on {product['name']}",
                    "price": price,
                    "quantity": quantity,
                    "regular_price": regular,
                    "savings": round(regular - price, 2),
                    "percent_off": round(100 * (regular - price) / regular, 1),
                    "starts": starts,
                    "ends": starts + dt.timedelta(days=6),
                    "requires_card": kind == "member_price",
                    "limit_per_customer": 4 if kind == "bogo" else None,
                }
            )
    return deals


def today() -> dt.date:
    """The asking user's today."""
    return TODAY


def search_products(query: str, category: str | None = None, limit: int = 20) -> list[dict]:
    words = query.lower().split()
    found = [
        p
        for p in product_dicts()
        if all(w in p["name"].lower() for w in words)
        and (category is None or p["category"] == category)
    ]
    return found[:limit]


def find_deals(
    query: str | None = None,
    category: str | None = None,
    store: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    limit: int = 50,
) -> list[dict]:
    if store is not None and store not in {s["name"] for s in STORES}:
        raise ValueError(f"find_deals: unknown store {store!r}; stores are: FreshMart, ValueFoods")
    if start is not None and not isinstance(start, dt.date):
        raise TypeError("find_deals: start must be a date")
    start = start or TODAY
    end = end or start
    words = (query or "").lower().split()
    deals = [
        d
        for d in deal_dicts()
        if all(w in d["product"].lower() for w in words)
        and (category is None or d["category"] == category)
        and (store is None or d["store"] == store)
        and d["starts"] <= end
        and d["ends"] >= start
    ]
    return deals[:limit]


def list_categories() -> list[str]:
    return list(CATEGORIES)


def list_stores() -> list[dict]:
    return [dict(s) for s in STORES]


def deal_history(product_id: int, days: int = 180) -> list[dict]:
    if not isinstance(product_id, int):
        raise TypeError("deal_history: product_id must be an int")
    return [d for d in deal_dicts() if d["product_id"] == product_id]


def store_hours(store: str) -> str:
    raise UnknownStore(f"store_hours: no hours known for {store!r}")


def deals_tools() -> dict[str, Callable[..., Any]]:
    """The mapping a program gets, as the bot would pass it."""
    return {
        "today": today,
        "search_products": search_products,
        "find_deals": find_deals,
        "list_categories": list_categories,
        "list_stores": list_stores,
        "deal_history": deal_history,
        "store_hours": store_hours,
    }
