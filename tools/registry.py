"""The tools a generated program may call: their signatures and docstrings are the API
reference the model reads, so they are written for it (purpose, arguments, units, defaults,
the exact shape returned, an example)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection, Engine

from tools import queries
from tools.arguments import (
    as_category,
    as_choice,
    as_count,
    as_date,
    as_percent,
    as_query,
    as_store,
    quoted,
)
from tools.errors import QueryTimeout, ToolArgumentError
from tools.models import DEAL_KINDS
from tools.readonly import ReadOnlyDatabase
from tools.text_search import SearchTerms, parse

TOOL_NAMES = (
    "today",
    "search_products",
    "find_deals",
    "list_categories",
    "list_stores",
    "deal_history",
)
MAX_PRODUCTS = 100
MAX_DEALS = 500
MAX_HISTORY_DAYS = 730


def build_tools(
    engine: Engine, *, timezone: str, query_timeout_s: float = 2.0
) -> dict[str, Callable]:
    """The name -> callable mapping a program receives: read-only, time-limited queries on
    `engine` and dates in the shopper's `timezone` (an IANA name like America/New_York)."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {timezone!r} (e.g. America/New_York)") from exc
    tools = DealTools(ReadOnlyDatabase(engine, timeout_s=query_timeout_s), zone)
    return {name: getattr(tools, name) for name in TOOL_NAMES}


class DealTools:
    """The tools for one shopper: one read-only database, one time zone."""

    def __init__(self, database: ReadOnlyDatabase, zone: ZoneInfo) -> None:
        self._database = database
        self._zone = zone

    def today(self) -> date:
        """Today's date in the shopper's time zone.

        Returns:
            a datetime.date. Days of the week: date.weekday() is 0 on Monday ... 6 on Sunday.

        Example:
            >>> saturday = today() + timedelta(days=(5 - today().weekday()) % 7)
        """
        return datetime.now(self._zone).date()

    def search_products(
        self, query: str, category: str | None = None, limit: int = 20
    ) -> list[dict]:
        """Products whose name, brand, category or tags match `query`, best match first.

        Matching ignores case, plurals and word order and knows common synonyms ("pop" finds
        soda, "oj" finds orange juice, "crisps" finds chips). When no product has every word,
        products with some of them come back, best first.

        Args:
            query: words to look for, e.g. "orange soda", "tide pods", "gluten-free".
            category: only this category (one of list_categories()); default all.
            limit: most products returned, 1 to 100; default 20.

        Returns:
            list of dicts: {"id": int, "name": str, "brand": str, "category": str,
            "size": float | None, "unit": str, "regular_price": float}. `size` is in `unit`s:
            "oz" (weight ounces), "fl oz", "lb", "ct" (count) or "can" (cans in a pack).
            `regular_price` is dollars for one item without any deal.

        Example:
            >>> search_products("cheerios", limit=3)
            [{"id": 12, "name": "Cheerios 18 oz", "brand": "General Mills",
              "category": "Cereal & Breakfast", "size": 18.0, "unit": "oz",
              "regular_price": 5.49}, ...]
        """
        with self._guarded("search_products") as connection:
            terms = _required_terms("search_products", query)
            category = _category("search_products", connection, category)
            limit = as_count("search_products", "limit", limit, low=1, high=MAX_PRODUCTS)
            return queries.search_products(connection, terms, category, limit)

    def find_deals(
        self,
        query: str | None = None,
        category: str | None = None,
        store: str | None = None,
        start: date | str | None = None,
        end: date | str | None = None,
        limit: int = 50,
        kind: str | None = None,
        min_percent_off: float | None = None,
    ) -> list[dict]:
        """Deals active on at least one day from `start` to `end`, best match first.

        Args:
            query: what to look for, e.g. "orange soda"; matched like search_products
                (case, plurals, word order and synonyms do not matter). None: every product.
            category: only this category (one of list_categories()); default all.
            store: only this store (a name from list_stores(), e.g. "Mission"); default all.
            start: first day, a date or "YYYY-MM-DD"; default today().
            end: last day, included, a date or "YYYY-MM-DD"; default the same day as start.
            limit: most deals returned, 1 to 500; default 50. Without a query the biggest
                percent off come first; with one, the best matching products first.
            kind: only "sale", "bogo", "multi_buy", "coupon" or "member_price"; default all.
            min_percent_off: only deals saving at least this percent per item, e.g. 30.

        Returns:
            list of dicts, one per deal at one store: {"id": int, "product_id": int,
            "product": str, "brand": str, "category": str, "size": float | None,
            "unit": str, "store": str, "kind": str, "description": str,
            "price": float, "quantity": int, "unit_price": float, "regular_price": float,
            "savings": float, "percent_off": float, "starts": date, "ends": date,
            "requires_card": bool, "limit_per_customer": int | None}.
            `price` (dollars) buys `quantity` items: "2 for $5" is price 5.0, quantity 2;
            buy-one-get-one-free is the price of one, quantity 2. `unit_price` is price /
            quantity, `regular_price` is one item without the deal, `savings` (dollars) and
            `percent_off` are per item. The deal runs from `starts` to `ends`, both included.
            `requires_card`: needs the store's member card or app (digital coupons do).
            `size` and `unit` as in search_products.

        Example:
            >>> saturday = today() + timedelta(days=(5 - today().weekday()) % 7)
            >>> find_deals("orange soda", start=saturday, end=saturday + timedelta(days=1))
            [{"product": "Sunkist Orange Soda 12 pk 12 fl oz cans", "store": "Mission",
              "kind": "multi_buy", "description": "2 for $11", "price": 11.0,
              "quantity": 2, "unit_price": 5.5, "regular_price": 7.49, "savings": 1.99,
              "percent_off": 26.6, ...}, ...]
        """
        with self._guarded("find_deals") as connection:
            wanted = self._deal_filter(
                connection, query, category, store, start, end, limit, kind, min_percent_off
            )
            return queries.find_deals(connection, wanted)

    def list_categories(self) -> list[str]:
        """Every product category, alphabetically.

        Returns:
            list of str, e.g. ["Baby", "Bakery & Bread", "Beverages", ...].

        Example:
            >>> [find_deals(category=name, limit=1) for name in list_categories()]
        """
        with self._guarded("list_categories") as connection:
            return queries.list_categories(connection)

    def list_stores(self) -> list[dict]:
        """Every store, alphabetically by name.

        Returns:
            list of dicts: {"id": int, "name": str, "city": str}, e.g.
            [{"id": 3, "name": "Mission", "city": "San Francisco"}, ...].

        Example:
            >>> {s["name"]: len(find_deals(category="Snacks", store=s["name"], limit=500))
            ...  for s in list_stores()}
        """
        with self._guarded("list_stores") as connection:
            return queries.list_stores(connection)

    def deal_history(self, product_id: int, days: int = 180) -> list[dict]:
        """Deals on one product that started in the last `days` days (today included),
        newest first, at every store.

        Args:
            product_id: the "id" of a product from search_products() (or a deal's
                "product_id").
            days: how far back, 1 to 730; default 180 (about six months).

        Returns:
            list of deal dicts, the same shape as find_deals().

        Example:
            >>> pods = search_products("tide pods", limit=1)[0]
            >>> last = deal_history(pods["id"])[0]  # IndexError if it never was on sale
            >>> last["starts"], last["unit_price"], last["store"]
        """
        with self._guarded("deal_history") as connection:
            product_id = as_count("deal_history", "product_id", product_id, low=1, high=2**62)
            days = as_count("deal_history", "days", days, low=1, high=MAX_HISTORY_DAYS)
            if not queries.product_exists(connection, product_id):
                raise ToolArgumentError(
                    f"deal_history: no product has id {product_id}; take ids from"
                    " search_products() or a deal's product_id"
                )
            today = self.today()
            since = today - timedelta(days=days)
            return queries.deal_history(connection, product_id, since, today, MAX_DEALS)

    def _deal_filter(
        self, connection, query, category, store, start, end, limit, kind, min_percent_off
    ) -> queries.DealFilter:
        today = self.today()
        text = as_query("find_deals", query)
        first = as_date("find_deals", "start", start, example=today) or today
        last = as_date("find_deals", "end", end, example=today) or first
        if last < first:
            hint = " (start defaults to today(); pass an earlier start)" if start is None else ""
            raise ToolArgumentError(
                f"find_deals: end ({last.isoformat()}) is before start ({first.isoformat()})" + hint
            )
        return queries.DealFilter(
            start=first,
            end=last,
            terms=_required_terms("find_deals", text) if text else None,
            category=_category("find_deals", connection, category),
            store_id=_store_id("find_deals", connection, store),
            kind=as_choice("find_deals", "kind", kind, DEAL_KINDS),
            min_percent_off=as_percent("find_deals", "min_percent_off", min_percent_off),
            limit=as_count("find_deals", "limit", limit, low=1, high=MAX_DEALS),
        )

    @contextmanager
    def _guarded(self, tool: str) -> Iterator[Connection]:
        try:
            with self._database.connect() as connection:
                yield connection
        except QueryTimeout as exc:
            raise QueryTimeout(
                f"{tool}: the query took too long ({exc}); narrow it with a query,"
                " a category, a store or fewer days"
            ) from exc


def _required_terms(tool: str, query: object) -> SearchTerms:
    terms = parse(as_query(tool, query) or "")
    if not terms:
        raise ToolArgumentError(
            f"{tool}: query must name what to look for, like 'orange soda', got {quoted(query)}"
        )
    return terms


def _category(tool: str, connection: Connection, value: object) -> str | None:
    if value is None:
        return None
    return as_category(tool, value, queries.list_categories(connection))


def _store_id(tool: str, connection: Connection, value: object) -> int | None:
    if value is None:
        return None
    return as_store(tool, value, queries.list_stores(connection))
