"""The tools a generated program may call: their signatures and docstrings are the API
reference the model reads, so they are written for it (purpose, arguments, units, defaults,
the exact shape returned, an example)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection, Engine

from tools import queries
from tools.arguments import (
    as_category,
    as_choice,
    as_count,
    as_date,
    as_flag,
    as_percent,
    as_query,
    as_store,
    as_text,
    quoted,
)
from tools.dates import date_range, last_days
from tools.errors import DatabaseBusy, QueryTimeout, ToolArgumentError
from tools.readonly import ReadOnlyDatabase
from tools.tables import DEAL_KINDS
from tools.text_search import SearchTerms, parse

TOOL_NAMES = (
    "today",
    "date_range",
    "search_products",
    "find_deals",
    "count_deals",
    "list_categories",
    "list_stores",
    "deal_history",
)
MAX_PRODUCTS = 100
MAX_DEALS = 500
MAX_HISTORY_DAYS = 730


def build_tools(
    engine: Engine,
    *,
    timezone: str,
    query_timeout_s: float = 2.0,
    today: Callable[[], date] | None = None,
) -> dict[str, Callable]:
    """The name -> callable mapping a program receives: read-only, time-limited queries on
    `engine` and dates in the shopper's `timezone` (an IANA name like America/New_York).
    `today`, when given, stands in for the clock (to see how programs read other days)."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {timezone!r} (e.g. America/New_York)") from exc
    tools = DealTools(ReadOnlyDatabase(engine, timeout_s=query_timeout_s), zone, today)
    return {name: getattr(tools, name) for name in TOOL_NAMES}


class DealTools:
    """The tools for one shopper: one read-only database, one time zone."""

    def __init__(
        self, database: ReadOnlyDatabase, zone: ZoneInfo, clock: Callable[[], date] | None = None
    ) -> None:
        self._database = database
        self._zone = zone
        self._clock = clock

    def today(self) -> date:
        """Today's date in the shopper's time zone.

        Returns:
            a datetime.date. Days of the week: date.weekday() is 0 on Monday ... 6 on Sunday.

        Example:
            >>> f"{today():%a %b %d}"
            'Wed Nov 26'
        """
        if self._clock is not None:
            return self._clock()
        return datetime.now(self._zone).date()

    def date_range(self, phrase: str) -> tuple[date, date]:
        """The first and last day (both included) of days a shopper names, from today().

        These readings are the only ones: use them rather than working days out by hand.
            "today", "tomorrow", "yesterday".
            "this weekend": the coming Saturday and Sunday; on a Saturday today and
                tomorrow, on a Sunday today alone.
            "next weekend": the Saturday and Sunday after this weekend.
            "this week": the coming seven days, today included (not "until Sunday").
            "next week": Monday to Sunday of next week.
            "this month": today to the month's last day; "next month": all of it.
            "friday" (any weekday; also "fri", "on friday", "this friday"): the coming
                Friday, today when today is Friday.
            "next friday": the Friday of next week.
            "since monday": the last Monday (today when today is Monday) to today.
            "until friday" (also "by friday", "through friday"): today to the coming Friday.
            "next 7 days": today and the 6 days after it; "last 30 days": today and the
                29 days before it.

        Args:
            phrase: one of the phrases above, any case, e.g. "this weekend".

        Returns:
            a tuple (start, end) of datetime.date, start <= end. An unknown phrase raises
            ValueError listing the known ones. Say the dates in the answer:
            f"{start:%a %b %d}–{end:%a %b %d}".

        Example:
            >>> start, end = date_range("this weekend")
            >>> find_deals("orange soda", start=start, end=end)
        """
        text = as_text("date_range", "phrase", phrase, example="this weekend")
        if text is None:
            raise ToolArgumentError("date_range: phrase must name days, like 'this week'")
        try:
            return date_range(text, self.today())
        except ValueError as exc:
            raise ToolArgumentError(f"date_range: {exc}") from None

    def search_products(
        self, query: str, category: str | None = None, limit: int = 20
    ) -> list[dict]:
        """Products whose name, tags, brand or category match `query`, best match first.

        Every word must be in the product as a whole word ("pop" does not find "popcorn",
        "peppers" not "peppered"), whatever its case, order or number ("banana" and
        "bananas" are one word); common synonyms count ("pop" finds soda, "oj" orange
        juice, "crisps" chips). Products that are what the words name rank first (Bananas
        before banana baby food), then those with the words in the name (brand aside),
        tags, brand, category. When no product has every word, products with some of
        them come back, best first, with "match": "some".

        Args:
            query: words to look for, e.g. "orange soda", "tide pods", "gluten-free".
            category: only this category (one of list_categories()); default all.
            limit: most products returned, 1 to 100; default 20.

        Returns:
            list of dicts: {"id": int, "name": str, "brand": str, "category": str,
            "size": float | None, "unit": str, "pack_count": int, "regular_price": float,
            "match": str}. `size` is in `unit`s: "oz" (weight ounces), "fl oz", "lb", "ct"
            (count) or "can" (cans in a pack); `pack_count` is the pieces in one item (12
            for a 12-pack, 1 for a single bottle). `regular_price` is dollars for one item
            without any deal. `match` is "all" (every word) or "some".

        Example:
            >>> search_products("cheerios", limit=3)
            [{"id": 12, "name": "Cheerios 18 oz", "brand": "General Mills",
              "category": "Cereal & Breakfast", "size": 18.0, "unit": "oz", "pack_count": 1,
              "regular_price": 5.49, "match": "all"}, ...]
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
        limit: int | None = 50,
        kind: str | None = None,
        min_percent_off: float | None = None,
        requires_card: bool | None = None,
        per_product: bool = False,
    ) -> list[dict]:
        """Deals active on at least one day from `start` to `end`, best match first.

        Args:
            query: what to look for, e.g. "orange soda"; matched like search_products
                (whole words; case, plurals, word order and synonyms do not matter).
                None: every product.
            category: only this category (one of list_categories()); default all.
            store: only this store (a name from list_stores(), e.g. "Mission"); default all.
            start: first day, a date or "YYYY-MM-DD"; default today(). date_range() gives
                the days shoppers name.
            end: last day, included, a date or "YYYY-MM-DD"; default the same day as start.
            limit: most results, 1 to 500; default 50. None: every match, up to 5,000 (more
                raises ValueError saying how many match; nothing is cut silently). Without
                a query the biggest percent off come first; with one, the best matches.
            kind: only "sale", "bogo", "multi_buy", "coupon" or "member_price"; default all.
            min_percent_off: only deals saving at least this percent per item, e.g. 30.
            requires_card: True: only deals that need the member card; False: only deals
                that do not; default either.
            per_product: True: one result per product, its lowest price per item, with
                "stores" naming every store that has that price; default one per store.

        Returns:
            list of dicts, one per deal at one store: {"id": int, "product_id": int,
            "product": str, "brand": str, "category": str, "size": float | None,
            "unit": str, "pack_count": int, "store": str, "kind": str, "description": str,
            "price": float, "quantity": int, "must_buy": int, "unit_price": float,
            "price_per_unit": float | None, "price_per_piece": float,
            "regular_price": float, "savings": float, "percent_off": float,
            "starts": date, "ends": date, "requires_card": bool,
            "limit_per_customer": int | None, "match": str}; with per_product=True each
            also has "stores": list of str.
            Terms: `price` (dollars) buys `quantity` items, and `must_buy` is how many you
            must buy to pay that rate. "2 for $5" is price 5.0, quantity 2, with must_buy 1
            when one rings up at $2.50 or 2 when both are needed. Buy-one-get-one-free
            ("bogo") is the price of one, quantity 2, must_buy 2; "Buy 2 Get 1 Free" is the
            price of two, quantity 3, must_buy 3. Buying fewer than must_buy pays
            regular_price. `unit_price` is price / quantity; `savings` (dollars) and
            `percent_off` are per item against `regular_price`, assuming you buy
            `quantity`.
            Sizes: `size` is in `unit`s ("oz" weight, "fl oz", "lb", "ct" count, "can");
            `pack_count` is the pieces in one item (12 for a 12-pack of cans, 6 rolls, 1
            for a single bottle). `price_per_unit` is unit_price per `unit` (per oz, per
            can; None without a size), `price_per_piece` is unit_price / pack_count (per
            can, roll, diaper): dollars to four decimals.
            `requires_card`: needs the store's member card or app (member prices and
            digital coupons always do). `match`: "all" when the product has every word
            of the query; "some" when no product had them all and these have only some.
            The deal runs from `starts` to `ends`, both included.

        Example:
            >>> start, end = date_range("this weekend")
            >>> find_deals("orange soda", start=start, end=end, per_product=True)
            [{"product": "Sunkist Orange Soda 12 pk 12 fl oz cans", "store": "Marina",
              "stores": ["Marina", "Mission"], "kind": "multi_buy",
              "description": "2 for $11", "price": 11.0, "quantity": 2, "must_buy": 2,
              "unit_price": 5.5, "pack_count": 12, "price_per_piece": 0.4583,
              "regular_price": 7.49, "savings": 1.99, "percent_off": 26.6,
              "match": "all", ...}, ...]
        """
        with self._guarded("find_deals") as connection:
            wanted = self._deal_filter(
                "find_deals",
                connection,
                query=query,
                category=category,
                store=store,
                start=start,
                end=end,
                kind=kind,
                min_percent_off=min_percent_off,
                requires_card=requires_card,
            )
            if limit is not None:
                limit = as_count("find_deals", "limit", limit, low=1, high=MAX_DEALS)
            wanted = replace(wanted, limit=limit, per_product=_per_product(per_product))
            try:
                return queries.find_deals(connection, wanted)
            except queries.TooManyMatches as exc:
                raise ToolArgumentError(_too_many(exc)) from None

    def count_deals(
        self,
        query: str | None = None,
        category: str | None = None,
        store: str | None = None,
        start: date | str | None = None,
        end: date | str | None = None,
        kind: str | None = None,
        min_percent_off: float | None = None,
        requires_card: bool | None = None,
        by: str | None = None,
    ) -> int | dict[str, int]:
        """How many deals match, counted by the database: never cut short by a limit.

        Counts what find_deals(limit=None) lists (one deal per store), except that a
        query counts only products with every one of its words.

        Args:
            query: as in find_deals, e.g. "ice cream"; default every product.
            category: as in find_deals.
            store: as in find_deals.
            start: as in find_deals; default today().
            end: as in find_deals; default the same day as start.
            kind: as in find_deals.
            min_percent_off: as in find_deals.
            requires_card: as in find_deals.
            by: None for one number, or "store", "category", "brand", "product" (its
                name) or "kind" for a count per group.

        Returns:
            an int, or with `by` a dict {group: count}, most first (ties by name); groups
            without a matching deal are left out.

        Example:
            >>> start, end = date_range("this week")
            >>> count_deals(category="Snacks", start=start, end=end, by="store")
            {"Mission": 31, "Sunset": 27, "Marina": 27, ...}
        """
        with self._guarded("count_deals") as connection:
            wanted = self._deal_filter(
                "count_deals",
                connection,
                query=query,
                category=category,
                store=store,
                start=start,
                end=end,
                kind=kind,
                min_percent_off=min_percent_off,
                requires_card=requires_card,
            )
            grouping = as_choice("count_deals", "by", by, queries.GROUPINGS)
            return queries.count_deals(connection, wanted, grouping)

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
            >>> [s["name"] for s in list_stores() if s["city"] == "Oakland"]
            ["Rockridge"]
        """
        with self._guarded("list_stores") as connection:
            return queries.list_stores(connection)

    def deal_history(self, product_id: int, days: int = 180) -> list[dict]:
        """Deals on one product active on any day of the last `days` days (today included),
        newest start first, at every store.

        Args:
            product_id: the "id" of a product from search_products() (or a deal's
                "product_id").
            days: how far back, 1 to 730; default 180 (about six months).

        Returns:
            list of deal dicts, the same shape as find_deals(); at most 500.

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
            since, until = last_days(self.today(), days)
            return queries.deal_history(connection, product_id, since, until, MAX_DEALS)

    def _deal_filter(self, tool: str, connection: Connection, **given) -> queries.DealFilter:
        """The checked filters find_deals and count_deals share."""
        today = self.today()
        text = as_query(tool, given["query"])
        first = as_date(tool, "start", given["start"], example=today, zone=self._zone) or today
        last = as_date(tool, "end", given["end"], example=today, zone=self._zone) or first
        if last < first:
            hint = " (start defaults to today(); pass an earlier start)"
            raise ToolArgumentError(
                f"{tool}: end ({last.isoformat()}) is before start ({first.isoformat()})"
                + (hint if given["start"] is None else "")
            )
        return queries.DealFilter(
            start=first,
            end=last,
            terms=_required_terms(tool, text) if text else None,
            category=_category(tool, connection, given["category"]),
            store_id=_store_id(tool, connection, given["store"]),
            kind=as_choice(tool, "kind", given["kind"], DEAL_KINDS),
            min_percent_off=as_percent(tool, "min_percent_off", given["min_percent_off"]),
            requires_card=as_flag(tool, "requires_card", given["requires_card"]),
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
        except DatabaseBusy as exc:
            raise DatabaseBusy(f"{tool}: the database is busy ({exc}); try again later") from exc


def _per_product(value: object) -> bool:
    if not isinstance(value, bool):
        raise ToolArgumentError(
            f"find_deals: per_product must be True or False, got {quoted(value)}"
        )
    return value


def _too_many(exc: queries.TooManyMatches) -> str:
    what = "products have deals that" if exc.per_product else "deals"
    if exc.some_words:  # count_deals counts deals with every word: none here
        return (
            f"find_deals: no product has every word of the query; {exc.count:,} {what} match"
            f" some of them, more than limit=None returns ({queries.MAX_MATCHES:,}); search"
            " with fewer or other words, or narrow it (category, store or fewer days)"
        )
    return (
        f"find_deals: {exc.count:,} {what} match, more than limit=None returns"
        f" ({queries.MAX_MATCHES:,}); narrow the search (a query, category, store or fewer"
        " days), or count them with count_deals()"
    )


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
