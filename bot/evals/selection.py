"""Which deals a question is about, found through the deals tools, and how they are priced:
per item, per unit of size, or only in whole multi-buy sets."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.evals.checks import name_words

Tools = Mapping[str, Callable[..., Any]]
# The first and last day of a question's days, as the tools' date_range reads its `when`.
Window = tuple[date, date]

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
            deal["match"] == "all"
            and (self.product is None or deal["product"] == self.product)
            and (not self.ending or start <= deal["ends"] <= end)
            and (not self.starting or start <= deal["starts"] <= end)
            and (not self.lasting or deal["ends"] >= end)
            and not _excluded(deal["product"], self.exclude)
        )

    @property
    def countable(self) -> bool:
        """Whether count_deals can count these (no condition beyond find_deals' filters)."""
        return not (self.product or self.ending or self.starting or self.lasting or self.exclude)

    def count_arguments(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "category": self.category,
            "store": self.store,
            "kind": self.kind,
            "min_percent_off": self.min_percent_off,
            "requires_card": self.card,
        }


def _excluded(product: str, exclude: Sequence[str]) -> bool:
    words = set(name_words(product))
    return any(set(name_words(phrase)) <= words for phrase in exclude)


def matching(tools: Tools, window: Window, filters: Filters) -> list[dict]:
    """Every deal the filters describe in the window, in one call: find_deals(limit=None)
    lists every match or says it cannot."""
    start, end = window
    try:
        found = tools["find_deals"](
            filters.product or filters.query,
            category=filters.category,
            store=filters.store,
            start=start,
            end=end,
            limit=None,
            kind=filters.kind,
            min_percent_off=filters.min_percent_off,
            requires_card=filters.card,
        )
    except ValueError as exc:
        raise ReferenceProblem(f"{exc}; narrow the question") from exc
    return [deal for deal in found if filters.keeps(deal, window)]


def topic(tools: Tools, window: Window, filters: Filters) -> list[dict]:
    """Every deal in the window on what the question is about (its words, product or
    category), whatever else it asks: the products an answer may name by mistake."""
    broad = Filters(query=filters.query, product=filters.product, category=filters.category)
    if broad.product:
        broad = Filters(query=broad.product)
    return matching(tools, window, broad)


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


def deal_cost(deal: dict, count: int) -> float:
    """What `count` items cost with the deal, as its terms say: a deal that needs the whole
    set (must_buy) prices the items short of a set at the regular price; one that does
    not prices each item at price / quantity once must_buy are bought."""
    if deal["must_buy"] >= deal["quantity"]:
        sets, rest = divmod(count, deal["quantity"])
        return sets * deal["price"] + rest * deal["regular_price"]
    if count < deal["must_buy"]:
        return count * deal["regular_price"]
    return count * per_item(deal)


def ties(deals: Iterable[dict], key: Callable[[dict], float | None]) -> list[dict]:
    """The deals with the lowest `key`, all of them when several share it; a deal whose key
    is None is not among them."""
    scored = [(score, deal) for deal in deals if (score := key(deal)) is not None]
    lowest = min(score for score, _deal in scored)
    return [deal for score, deal in scored if score <= lowest + TIE]
