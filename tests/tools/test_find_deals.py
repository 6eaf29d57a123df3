"""find_deals and deal_history: the right deals, per-item arithmetic, plain data out."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, event

from tools.queries import DEAL_COLUMNS, deal_dict
from tools.readonly import ReadOnlyDatabase


class Row:
    """A result row as deal_dict reads it: fields by name."""

    def __init__(self, **fields) -> None:
        assert set(fields) == {column.key for column in DEAL_COLUMNS}
        self._mapping = fields


PLAIN = (dict, list, str, int, float, bool, type(None), date)


DAY = date(2026, 11, 28)
PRODUCT = {"id": 1, "product_id": 2, "product": "P", "brand": "B", "category": "C"}
PRODUCT |= {"size": 1.0, "unit": "oz", "pack_count": 1, "store": "S", "description": "d"}
PRODUCT |= {"must_buy": 1, "starts": DAY}
PRODUCT |= {"ends": DAY, "requires_card": False, "limit_per_customer": None}


def _row(kind: str, price: int, quantity: int, regular: int) -> Row:
    terms = {"price_cents": price, "quantity": quantity, "regular_price_cents": regular}
    return Row(kind=kind, **PRODUCT, **terms)


@pytest.mark.parametrize(
    ("kind", "price", "quantity", "regular", "unit_price", "savings", "percent_off"),
    [
        ("sale", 399, 1, 549, 3.99, 1.50, 27.3),
        ("multi_buy", 500, 2, 349, 2.50, 0.99, 28.4),
        ("multi_buy", 400, 2, 199, 2.00, -0.01, -0.5),
        ("bogo", 599, 2, 599, 3.00, 3.00, 50.0),
        ("bogo", 698, 3, 349, 2.33, 1.16, 33.3),
        ("coupon", 2699, 1, 2999, 26.99, 3.00, 10.0),
        ("member_price", 349, 1, 429, 3.49, 0.80, 18.6),
    ],
)
def test_savings_and_percent_off_are_per_item_for_every_kind(
    kind, price, quantity, regular, unit_price, savings, percent_off
):
    deal = deal_dict(_row(kind, price, quantity, regular))
    assert (deal["unit_price"], deal["savings"], deal["percent_off"]) == (
        unit_price,
        savings,
        percent_off,
    )


def _weekend(today: date) -> tuple[date, date]:
    saturday = today + timedelta(days=(5 - today.weekday()) % 7)
    return saturday, saturday + timedelta(days=1)


def test_orange_soda_deals_this_weekend_include_every_brand(tools):
    saturday, sunday = _weekend(tools["today"]())
    deals = tools["find_deals"]("orange soda", start=saturday, end=sunday, limit=200)
    assert {"Sunkist", "Fanta", "Crush", "Bayside"} <= {deal["brand"] for deal in deals}


@pytest.mark.parametrize(("first", "last"), [(0, 0), (-20, -10), (3, 9), (-100, 14)])
def test_every_deal_found_is_active_on_some_day_of_the_range(tools, first, last):
    today = tools["today"]()
    start, end = today + timedelta(days=first), today + timedelta(days=last)
    deals = tools["find_deals"](start=start, end=end, limit=500)
    assert deals and all(d["starts"] <= end and d["ends"] >= start for d in deals)


def test_the_range_defaults_to_today(tools):
    today = tools["today"]()
    deals = tools["find_deals"]("soda", limit=500)
    assert deals and all(d["starts"] <= today <= d["ends"] for d in deals)


def test_without_a_query_the_biggest_percent_off_comes_first(tools):
    percents = [deal["percent_off"] for deal in tools["find_deals"](limit=100)]
    assert percents == sorted(percents, reverse=True)


@pytest.mark.parametrize(
    ("arguments", "check"),
    [
        ({"category": "Snacks"}, lambda d: d["category"] == "Snacks"),
        ({"store": "Mission"}, lambda d: d["store"] == "Mission"),
        ({"kind": "bogo"}, lambda d: d["kind"] == "bogo"),
        ({"min_percent_off": 30}, lambda d: d["percent_off"] >= 30),
        ({"query": "coffee", "min_percent_off": 30}, lambda d: d["percent_off"] >= 30),
    ],
)
def test_filters_keep_only_matching_deals(tools, arguments, check):
    deals = tools["find_deals"](limit=500, **arguments)
    assert deals and all(check(deal) for deal in deals)


def test_limit_caps_the_number_of_deals(tools):
    assert len(tools["find_deals"](limit=7)) == 7


@pytest.mark.parametrize(
    "arguments",
    [
        {"query": "gluten-free"},
        {"query": "soda"},
        {"query": "organic", "kind": "sale"},
        {"query": "coffee", "min_percent_off": 20},
        {"query": "cheese", "category": "Dairy & Eggs"},
        {"query": "gluten-free", "category": "Snacks"},
    ],
)
def test_a_smaller_limit_returns_the_first_deals_of_a_larger_one(tools, arguments):
    # Broad matches stop reading deals once the best-ranked products fill the limit;
    # products ranked alike must still be ordered among each other as a whole.
    today = tools["today"]()
    week = {"start": today - timedelta(days=30), "end": today + timedelta(days=14)}
    every = tools["find_deals"](limit=500, **week, **arguments)
    assert len(every) > 10
    for limit in (1, 3, 7, 10):
        assert tools["find_deals"](limit=limit, **week, **arguments) == every[:limit]


def test_deals_of_one_product_come_biggest_percent_off_first(tools):
    today = tools["today"]()
    deals = tools["find_deals"]("soda", start=today - timedelta(days=30), end=today, limit=500)
    for product_id in {deal["product_id"] for deal in deals}:
        percents = [d["percent_off"] for d in deals if d["product_id"] == product_id]
        assert percents == sorted(percents, reverse=True)


def test_postgres_reads_the_deals_of_the_best_matches_only(seeded_engine, tools):
    """The ranked matches reach the join in rank order, so a LIMIT can stop early (an
    Incremental Sort) instead of sorting the deals of every matching product."""
    if seeded_engine.dialect.name != "postgresql":
        pytest.skip("SQLite sorts every candidate deal; its query plan is not checked")
    statements = []

    def keep(_connection, _cursor, statement, parameters, _context, _many):
        statements.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", keep)  # the tools read on an engine of their own
    try:
        tools["find_deals"]("gluten-free", limit=5)
    finally:
        event.remove(Engine, "before_cursor_execute", keep)
    statement, parameters = statements[-1]
    with ReadOnlyDatabase(seeded_engine).connect() as connection:  # planned as the tools' are
        plan = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars().all()
    assert any("Incremental Sort" in line for line in plan), "\n".join(plan)


def test_deal_history_lists_one_products_past_deals_newest_first(tools):
    pods = tools["search_products"]("tide pods 42 ct", limit=1)[0]
    history = tools["deal_history"](pods["id"])
    today = tools["today"]()
    assert {deal["product_id"] for deal in history} == {pods["id"]}
    first_day = today - timedelta(days=179)
    assert all(deal["ends"] >= first_day and deal["starts"] <= today for deal in history)
    assert [d["starts"] for d in history] == sorted((d["starts"] for d in history), reverse=True)


def test_deal_history_goes_back_the_days_asked(tools):
    cheerios = tools["search_products"]("cheerios 18 oz", limit=1)[0]
    recent = tools["deal_history"](cheerios["id"], days=40)
    assert recent and len(recent) < len(tools["deal_history"](cheerios["id"], days=180))


def _plain(value) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(item) for item in value)
    return type(value) in PLAIN


@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        ("today", {}),
        ("search_products", {"query": "cheerios"}),
        ("find_deals", {"query": "orange soda"}),
        ("find_deals", {}),
        ("list_categories", {}),
        ("list_stores", {}),
        ("deal_history", {"product_id": 1}),
    ],
)
def test_every_tool_returns_plain_data(tools, name, arguments):
    result = tools[name](**arguments)
    assert _plain(result)
    assert result or name == "deal_history"


def test_prices_are_dollars_rounded_to_cents(tools):
    for deal in tools["find_deals"](limit=200):
        for key in ("price", "unit_price", "regular_price", "savings"):
            assert round(deal[key], 2) == deal[key]


def test_deals_on_products_with_some_of_the_words_come_back_when_none_has_all(tools):
    saturday, sunday = _weekend(tools["today"]())
    deals = tools["find_deals"]("orange soda unicornberry", start=saturday, end=sunday)
    assert any("Orange Soda" in deal["product"] for deal in deals)


def test_no_deals_on_products_that_have_every_word_stays_no_deals(tools):
    long_ago = tools["today"]() - timedelta(days=400)
    assert tools["find_deals"]("tide pods", start=long_ago, end=long_ago) == []


@pytest.mark.parametrize(
    ("product", "pack_count", "per_piece", "per_unit"),
    [
        ("Pepsi 12 pk 12 fl oz cans", 12, "can", "can"),
        ("Bounty Select-A-Size Paper Towels 6 double rolls", 6, "roll", "ct"),
        ("Bayside Baby Diapers Size 4 84 ct", 84, "diaper", "ct"),
        ("Cheerios 18 oz", 1, "box", "oz"),
        ("Dasani Purified Water 24 pk 16.9 fl oz bottles", 24, "bottle", "ct"),
    ],
)
def test_deals_carry_pack_counts_and_per_piece_prices_that_need_no_parsing(
    tools, product, pack_count, per_piece, per_unit
):
    today = tools["today"]()
    span = {"start": today - timedelta(days=180), "end": today + timedelta(days=14)}
    [deal, *_] = [
        d for d in tools["find_deals"](product, limit=500, **span) if d["product"] == product
    ]
    assert deal["pack_count"] == pack_count and deal["unit"] == per_unit
    each = deal["price"] / deal["quantity"]
    assert deal["price_per_piece"] == round(each / pack_count, 4)
    assert deal["price_per_unit"] == round(each / deal["size"], 4)


def test_products_carry_their_pack_count(tools):
    [pepsi, *_] = tools["search_products"]("pepsi 12 pk")
    assert pepsi["name"] == "Pepsi 12 pk 12 fl oz cans"
    assert pepsi["pack_count"] == 12 and pepsi["unit"] == "can"


def test_must_buy_says_when_a_deal_needs_the_whole_set(tools):
    today = tools["today"]()
    found = tools["find_deals"](start=today - timedelta(days=30), end=today, limit=None)
    by_kind = {}
    for deal in found:
        by_kind.setdefault(deal["kind"], set()).add(deal["must_buy"] == deal["quantity"])
    assert by_kind["bogo"] == {True}
    assert by_kind["multi_buy"] == {True, False}
    assert all(deal["must_buy"] == 1 for deal in found if deal["kind"] in ("sale", "coupon"))


def test_digital_coupons_always_need_the_card(tools):
    coupons = tools["find_deals"](kind="coupon", limit=None)
    assert coupons and all(deal["requires_card"] for deal in coupons)


def test_deal_history_includes_deals_that_began_before_the_window_and_ran_into_it(tools):
    today = tools["today"]()
    for product in tools["search_products"]("cheerios", limit=10):
        for deal in tools["deal_history"](product["id"], days=180):
            started_before = deal["starts"] < today - timedelta(days=30) <= deal["ends"]
            if started_before:
                recent = tools["deal_history"](product["id"], days=31)
                assert deal["id"] in {d["id"] for d in recent}
                return
    pytest.fail("the demo data has no deal that ran into the last 30 days from before them")
