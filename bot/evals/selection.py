"""Which deals a question is about, found through the deals tools, and how they are priced:
per item, per unit of size, or only in whole multi-buy sets."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.evals.checks import name_words
from bot.evals.windows import Window

Tools = Mapping[str, Callable[..., Any]]

MAX_DEALS = 500
TIE = 1e-6
CONVERSIONS = {("lb", "oz"): 16.0}


class ReferenceProblem(Exception):
    """A reference could not work out its facts (too many deals to see, a bad argument)."""


@dataclass(frozen=True)
class Filters:
    """Which deals a question is about; `find_deals` arguments plus a few exact conditions."""

    query: str | None = None
    product: str | None = None  # an exact product name
    category: str | None = None
    store: str | None = None
    kind: str | None = None
    min_percent_off: float | None = None
    card: bool | None = None  # True: only deals that need a card; False: only those that don't
    ending: bool = False  # ends inside the window
    starting: bool = False  # starts inside the window
    lasting: bool = False  # still on on the window's last day
    exclude: Sequence[str] = ()  # leave out products whose name has these words

    def keeps(self, deal: dict, window: Window) -> bool:
        start, end = window
        return (
            (self.product is None or deal["product"] == self.product)
            and (self.card is None or deal["requires_card"] == self.card)
            and (not self.ending or start <= deal["ends"] <= end)
            and (not self.starting or start <= deal["starts"] <= end)
            and (not self.lasting or deal["ends"] >= end)
            and not _excluded(deal["product"], self.exclude)
        )


def _excluded(product: str, exclude: Sequence[str]) -> bool:
    words = set(name_words(product))
    return any(set(name_words(phrase)) <= words for phrase in exclude)


def matching(tools: Tools, window: Window, filters: Filters) -> list[dict]:
    """Every deal the filters describe in the window; category by category when nothing
    narrows the search, so that no tool limit hides a deal."""
    if filters.query or filters.product or filters.category:
        found = _find(tools, window, filters, filters.category)
    else:
        categories = tools["list_categories"]()
        found = [deal for name in categories for deal in _find(tools, window, filters, name)]
    return [deal for deal in found if filters.keeps(deal, window)]


def _find(tools: Tools, window: Window, filters: Filters, category: str | None) -> list[dict]:
    start, end = window
    found = tools["find_deals"](
        filters.product or filters.query,
        category=category,
        store=filters.store,
        start=start,
        end=end,
        limit=MAX_DEALS,
        kind=filters.kind,
        min_percent_off=filters.min_percent_off,
    )
    if len(found) >= MAX_DEALS:
        raise ReferenceProblem(f"{MAX_DEALS} or more deals match {filters}; narrow the question")
    return found


def per_item(deal: dict) -> float:
    """What one item costs with the deal, unrounded (3 for $10 is 3.333…)."""
    return deal["price"] / deal["quantity"]


def size_in(deal: dict, unit: str) -> float | None:
    """The product's size in `unit` ("item" counts items), or None when it has no such size."""
    if unit == "item":
        return 1.0
    factor = 1.0 if deal["unit"] == unit else CONVERSIONS.get((deal["unit"], unit))
    return deal["size"] * factor if deal["size"] and factor else None


def per_unit(deal: dict, unit: str) -> float | None:
    size = size_in(deal, unit)
    return per_item(deal) / size if size else None


def strict_cost(deal: dict, count: int) -> float:
    """`count` items when the deal only applies to whole sets of its quantity."""
    sets, rest = divmod(count, deal["quantity"])
    return sets * deal["price"] + rest * deal["regular_price"]


def ties(deals: Iterable[dict], key: Callable[[dict], float]) -> list[dict]:
    """The deals with the lowest `key`, all of them when several share it."""
    scored = [(key(deal), deal) for deal in deals]
    lowest = min(score for score, _deal in scored)
    return [deal for score, deal in scored if score <= lowest + TIE]
