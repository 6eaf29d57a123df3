"""What a right answer states, computed now through the same deals tools the model uses.

A reference is a small function of the tools mapping (`tools.build_tools`), a window of
days (for the dated ones: what the tools' date_range makes of the question's `when`) and a
question's arguments. It returns the facts a right answer names, by label (see checks.py),
or no facts when nothing matches. References run at eval time, so expected facts follow
the database as the demo dates move. Where a question has winners, every tied winner is a
fact; where it asks for a list, the products that do not fit are named as ones the answer
must not state. Every dated reference also has `dates`: the first and last day it covers.
"""

from __future__ import annotations

import inspect
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from bot.evals.checks import AMOUNT, COUNT, DATE, NAME, PERCENT, Facts, in_order, names, one_of
from bot.evals.selection import (
    TIE,
    Filters,
    ReferenceProblem,
    Tools,
    Window,
    deal_cost,
    matching,
    per_item,
    per_unit,
    size_in,
    ties,
    topic,
)

LISTED = 3
DATES = "dates"
NOTHING: Facts = MappingProxyType({})


def _products(deals: Iterable[dict]) -> list[str]:
    return list(dict.fromkeys(deal["product"] for deal in deals))


def _prices(deals: Iterable[dict]) -> list[float]:
    return [value for deal in deals for value in (deal["unit_price"], deal["price"])]


# The references. Each returns NOTHING or every one of its labels.


def deals(tools: Tools, window: Window, **filters: Any) -> Facts:
    """A list of deals: some of its products and none that do not fit, its stores and no
    other, how many, the best percent off."""
    wanted = Filters(**filters)
    found = matching(tools, window, wanted)
    if not found:
        return NOTHING
    products = _products(found)
    offers = {(deal["product"], deal["description"]) for deal in found}
    stores = [deal["store"] for deal in found]
    best = ties(found, lambda deal: -deal["percent_off"])
    unfit = _products(topic(tools, window, wanted))
    every_store = [store["name"] for store in tools["list_stores"]()]
    return {
        "products": (names(products, need=LISTED, outside=unfit),),
        "stores": (names(stores, outside=every_store),),
        "count": (one_of(COUNT, [len(found), len(products), len(offers)]),),
        "best": (one_of(NAME, _products(best)),),
    }


SCORES: dict[str, Callable[[dict, str], float | None]] = {
    "unit_price": lambda deal, unit: per_item(deal),
    "per_unit": per_unit,
    "per_piece": lambda deal, unit: per_item(deal) / deal["pack_count"],
    "percent_off": lambda deal, unit: -deal["percent_off"],
    "savings": lambda deal, unit: -deal["savings"],
    "most_expensive": lambda deal, unit: -per_item(deal),
}


def best_deal(
    tools: Tools, window: Window, by: str = "unit_price", unit: str = "item", **filters: Any
) -> Facts:
    """The best deal by `by` (lowest price, per-unit or per-piece price, most off or saved):
    every tied product and store must be named."""
    if by not in SCORES:
        raise ReferenceProblem(f"by must be one of {', '.join(SCORES)}, not {by!r}")
    score = SCORES[by]
    found = [d for d in matching(tools, window, Filters(**filters)) if score(d, unit) is not None]
    if not found:
        return NOTHING
    winners = ties(found, lambda deal: score(deal, unit))
    return {
        "product": (names(_products(winners)),),
        "store": (names([deal["store"] for deal in winners]),),
        "price": (one_of(AMOUNT, _prices(winners)),),
        "per_unit": (one_of(AMOUNT, [_per_unit(deal, by, unit) for deal in winners]),),
        "percent": (one_of(PERCENT, [deal["percent_off"] for deal in winners]),),
        "savings": (one_of(AMOUNT, [deal["savings"] for deal in winners]),),
    }


def _per_unit(deal: dict, by: str, unit: str) -> float | None:
    """The price per unit a best-deal answer states: per piece when ranked by piece."""
    return SCORES["per_piece"](deal, unit) if by == "per_piece" else per_unit(deal, unit)


def sorted_by_unit(tools: Tools, window: Window, unit: str, **filters: Any) -> Facts:
    """Products by their lowest price per `unit`: the first ones in order, and the cheapest."""
    lowest: dict[str, float] = {}
    wanted = Filters(**filters)
    for deal in matching(tools, window, wanted):
        value = per_unit(deal, unit)
        if value is not None:
            lowest[deal["product"]] = min(value, lowest.get(deal["product"], math.inf))
    if not lowest:
        return NOTHING
    ranked = sorted(lowest.items(), key=lambda item: item[1])
    leading = [ranked[0]]
    for item in ranked[1:LISTED]:
        if item[1] <= leading[-1][1] + TIE:
            break
        leading.append(item)
    return {
        "order": (in_order([product for product, _value in leading]),),
        "products": (
            names(
                [product for product, _value in ranked],
                need=LISTED,
                outside=_products(topic(tools, window, wanted)),
            ),
        ),
        "per_unit": (one_of(AMOUNT, [ranked[0][1]]),),
    }


def store_with_most(tools: Tools, window: Window, counting: str = "deals", **filters: Any) -> Facts:
    """The store with the most deals (counting "deals", the database counts them) or the
    most different products on a deal ("products"): every store that ties."""
    wanted = Filters(**filters)
    if counting == "deals" and wanted.countable:
        start, end = window
        counts = tools["count_deals"](**wanted.count_arguments(), start=start, end=end, by="store")
    elif counting in ("deals", "products"):
        found = matching(tools, window, wanted)
        pairs = [(d["store"], d["product"] if counting == "products" else d["id"]) for d in found]
        counts = Counter(store for store, _item in set(pairs))
    else:
        raise ReferenceProblem(f"counting must be deals or products, not {counting!r}")
    if not counts:
        return NOTHING
    stores, most = _leaders(counts)
    return {"store": (names(stores),), "count": (one_of(COUNT, [most]),)}


def count(tools: Tools, window: Window, **filters: Any) -> Facts:
    """How many deals match, counted by the database: deals, or different products."""
    wanted = Filters(**filters)
    if not wanted.countable:
        raise ReferenceProblem("count takes find_deals' filters only")
    start, end = window
    arguments = wanted.count_arguments() | {"start": start, "end": end}
    total = tools["count_deals"](**arguments)
    if not total:
        return NOTHING
    products = len(tools["count_deals"](**arguments, by="product"))
    return {"count": (one_of(COUNT, [total, products]),)}


def most_often(tools: Tools, window: Window, by: str = "product", **filters: Any) -> Facts:
    """The product (or brand) on a deal most often in the window, counted by the database:
    every one that ties, and how often."""
    wanted = Filters(**filters)
    if not wanted.countable or by not in ("product", "brand"):
        raise ReferenceProblem("most_often counts by product or brand, with find_deals' filters")
    start, end = window
    counts = tools["count_deals"](**wanted.count_arguments(), start=start, end=end, by=by)
    if not counts:
        return NOTHING
    winners, most = _leaders(counts)
    return {"winners": (names(winners),), "count": (one_of(COUNT, [most]),)}


def _leaders(counts: Mapping[str, int]) -> tuple[list[str], int]:
    """Every name with the highest count (all of a tie), and that count."""
    most = max(counts.values())
    return [name for name, count in counts.items() if count == most], most


def basket(tools: Tools, window: Window, items: Mapping[str, int], **filters: Any) -> Facts:
    """A shopping list {query: how many} at the deals that save the most: the total and the
    savings, each deal priced as its terms say (whole sets where it needs them)."""
    cost, saved, products = 0.0, 0.0, []
    for query, wanted in items.items():
        found = matching(tools, window, Filters(query=query, **filters))
        if not found:
            cost += wanted * _regular_price(tools, query)
            continue
        best = ties(found, _overspend(wanted))
        cost += deal_cost(best[0], wanted)
        saved -= _overspend(wanted)(best[0])
        products.append(one_of(NAME, _products(best), about=query))
    if not products:
        return NOTHING
    return {
        "total": (one_of(AMOUNT, [cost]),),
        "savings": (one_of(AMOUNT, [saved]),),
        "products": tuple(products),
    }


def _overspend(count: int) -> Callable[[dict], float]:
    """What a deal costs above the regular price for `count` items (lower saves more)."""
    return lambda deal: deal_cost(deal, count) - count * deal["regular_price"]


def _regular_price(tools: Tools, query: str) -> float:
    found = tools["search_products"](query, limit=1)
    if not found:
        raise ReferenceProblem(f"no product matches {query!r}")
    return found[0]["regular_price"]


def items_on_sale(tools: Tools, window: Window, items: Sequence[str], **filters: Any) -> Facts:
    """For each item on a list that has deals, one of its deal products."""
    facts = []
    for item in items:
        found = matching(tools, window, Filters(query=item, **filters))
        if found:
            facts.append(names(_products(found), need=1, about=item))
    return {"products": tuple(facts)} if facts else NOTHING


def compare(
    tools: Tools, window: Window, options: Mapping[str, Mapping[str, Any]], unit: str = "item"
) -> Facts:
    """Options side by side ({label: filters}): each one's best price per `unit`."""
    per_units, prices = [], []
    for label, option in options.items():
        found = [d for d in matching(tools, window, Filters(**option)) if per_unit(d, unit)]
        if not found:
            continue
        best = ties(found, lambda deal: per_unit(deal, unit))
        per_units.append(one_of(AMOUNT, [per_unit(deal, unit) for deal in best], about=label))
        prices.append(one_of(AMOUNT, _prices(best), about=label))
    if not per_units:
        return NOTHING
    return {"per_unit": tuple(per_units), "prices": tuple(prices)}


def _history(tools: Tools, name: str, days: int, kind: str | None, exact: bool) -> list[dict]:
    products = tools["search_products"](name, limit=20)
    if exact:
        products = [product for product in products if product["name"] == name]
    found = [deal for p in products for deal in tools["deal_history"](p["id"], days=days)]
    return [deal for deal in found if kind is None or deal["kind"] == kind]


def history_low(tools: Tools, product: str, days: int = 180, kind: str | None = None) -> Facts:
    """One product's lowest price per item over the last `days`: how much, where, when."""
    found = _history(tools, product, days, kind, exact=True)
    if not found:
        return NOTHING
    lows = ties(found, per_item)
    return {
        "lowest": (one_of(AMOUNT, _prices(lows)),),
        "store": (one_of(NAME, [deal["store"] for deal in lows]),),
        "date": (one_of(DATE, [day for deal in lows for day in (deal["starts"], deal["ends"])]),),
    }


def last_deal(tools: Tools, query: str, days: int = 180, kind: str | None = None) -> Facts:
    """The most recent deal on the products matching `query`: when, how much, where."""
    found = _history(tools, query, days, kind, exact=False)
    if not found:
        return NOTHING
    latest = ties(found, lambda deal: -deal["starts"].toordinal())
    return {
        "date": (one_of(DATE, [deal["starts"] for deal in latest]),),
        "price": (one_of(AMOUNT, _prices(latest)),),
        "store": (one_of(NAME, [deal["store"] for deal in latest]),),
    }


def history_count(tools: Tools, product: str, days: int = 90, kind: str | None = None) -> Facts:
    """How often one product was on a deal: deals at each store, or promotions."""
    found = _history(tools, product, days, kind, exact=True)
    if not found:
        return NOTHING
    promotions = {(deal["starts"], deal["kind"], deal["description"]) for deal in found}
    starts = {deal["starts"] for deal in found}
    return {"count": (one_of(COUNT, [len(found), len(promotions), len(starts)]),)}


def days_left(tools: Tools, window: Window, product: str, store: str | None = None) -> Facts:
    """How many days a deal on one product still runs, counted from the window's first day."""
    found = matching(tools, window, Filters(product=product, store=store))
    if not found:
        return NOTHING
    last = max(deal["ends"] for deal in found)
    days = (last - window[0]).days
    return {"days": (one_of(COUNT, [days, days + 1]),), "date": (one_of(DATE, [last]),)}


def multi_buys(tools: Tools, window: Window, **filters: Any) -> Facts:
    """Multi-buy deals split into those cheaper per item than the regular price and not."""
    found = matching(tools, window, Filters(kind="multi_buy", **filters))
    if not found:
        return NOTHING
    worse = [deal for deal in found if per_item(deal) >= deal["regular_price"] - TIE]
    better = [deal for deal in found if per_item(deal) < deal["regular_price"] - TIE]
    return {
        "not_cheaper": (names(_products(worse), need=LISTED),) if worse else (),
        "cheaper": (names(_products(better), need=LISTED),) if better else (),
    }


def cheapest_for(
    tools: Tools, window: Window, count: int, unit: str = "item", **filters: Any
) -> Facts:
    """The cheapest single deal to buy at least `count` units (whole packs)."""
    found = [d for d in matching(tools, window, Filters(**filters)) if size_in(d, unit)]
    if not found:
        return NOTHING

    def packs(deal: dict) -> int:
        size = size_in(deal, unit)
        assert size, "found holds only deals with a size in `unit`"
        return math.ceil(count / size - TIE)

    def cost(deal: dict) -> float:
        return deal_cost(deal, packs(deal))

    best = ties(found, cost)
    return {
        "product": (one_of(NAME, _products(best)),),
        "total": (one_of(AMOUNT, [cost(best[0])]),),
    }


def top_discounts(
    tools: Tools, window: Window, n: int = 3, by: str = "percent_off", **filters: Any
) -> Facts:
    """The `n` products with the biggest discounts (percent off or dollars saved)."""
    if by not in ("percent_off", "savings"):
        raise ReferenceProblem(f"by must be percent_off or savings, not {by!r}")
    best: dict[str, float] = {}
    for deal in matching(tools, window, Filters(**filters)):
        best[deal["product"]] = max(deal[by], best.get(deal["product"], -math.inf))
    if not best:
        return NOTHING
    ranked = sorted(best.values(), reverse=True)
    threshold = ranked[min(n, len(ranked)) - 1]
    leaders = [product for product, value in best.items() if value >= threshold - TIE]
    return {"products": (names(leaders, need=n, outside=list(best)),)}


@dataclass(frozen=True)
class Reference:
    """A reference function and the labels of the facts it returns."""

    function: Callable[..., Facts]
    labels: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.function.__name__

    @property
    def dated(self) -> bool:
        return "window" in inspect.signature(self.function).parameters

    def argument_problem(self, args: Mapping[str, Any]) -> str | None:
        """Why `args` do not fit this reference, or None."""
        placeholders = (None, None) if self.dated else (None,)
        try:
            bound = inspect.signature(self.function).bind(*placeholders, **args)
            Filters(**bound.arguments.get("filters", {}))
        except TypeError as exc:
            return str(exc)
        return None

    @property
    def all_labels(self) -> tuple[str, ...]:
        """What a question may check: the reference's facts, and `dates` when it is dated."""
        return (*self.labels, DATES) if self.dated else self.labels

    def run(self, tools: Tools, window: Window | None, args: Mapping[str, Any]) -> Facts:
        facts = self.function(tools, window, **args) if self.dated else self.function(tools, **args)
        missing = set(self.labels) - set(facts) if facts else set()
        if missing:
            raise ReferenceProblem(f"{self.name} returned no {', '.join(sorted(missing))}")
        if facts and window is not None:
            facts = {**facts, DATES: tuple(one_of(DATE, [day]) for day in dict.fromkeys(window))}
        return facts


REFERENCES: dict[str, Reference] = {
    reference.name: reference
    for reference in (
        Reference(deals, ("products", "stores", "count", "best")),
        Reference(best_deal, ("product", "store", "price", "per_unit", "percent", "savings")),
        Reference(sorted_by_unit, ("order", "products", "per_unit")),
        Reference(store_with_most, ("store", "count")),
        Reference(count, ("count",)),
        Reference(most_often, ("winners", "count")),
        Reference(basket, ("total", "savings", "products")),
        Reference(items_on_sale, ("products",)),
        Reference(compare, ("per_unit", "prices")),
        Reference(history_low, ("lowest", "store", "date")),
        Reference(last_deal, ("date", "price", "store")),
        Reference(history_count, ("count",)),
        Reference(days_left, ("days", "date")),
        Reference(multi_buys, ("not_cheaper", "cheaper")),
        Reference(cheapest_for, ("product", "total")),
        Reference(top_discounts, ("products",)),
    )
}


def fact_list(facts: Facts) -> dict[str, list[dict]]:
    """Facts as plain data for the JSON report."""
    return {label: [fact.as_json() for fact in group] for label, group in facts.items()}
