"""Tool arguments: forgiving about form, exact about what to change when wrong."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.tools.conftest import shopper_today
from tools import ToolArgumentError, build_tools
from tools.arguments import as_category, as_store

NOV_28, DAYS_2 = date(2026, 11, 28), timedelta(days=2)


@pytest.mark.parametrize(
    ("name", "arguments", "message"),
    [
        ("find_deals", {"start": "next friday"},
         r"^find_deals: start must be a date like \d{4}-\d\d-\d\d, got 'next friday'"),
        ("find_deals", {"end": 20261128}, r"^find_deals: end must be a date like .*got 20261128"),
        ("find_deals", {"start": "2026-12-05", "end": "2026-12-01"},
         r"^find_deals: end \(2026-12-01\) is before start \(2026-12-05\)"),
        ("find_deals", {"end": "2020-01-01"},
         r"end \(2020-01-01\) is before start \(.*\) \(start defaults to today\(\)"),
        ("find_deals", {"limit": 0}, r"^find_deals: limit must be a whole number from 1 to 500"),
        ("find_deals", {"limit": 501}, r"limit must be a whole number from 1 to 500, got 501"),
        ("find_deals", {"limit": "lots"}, r"limit must be a whole number .* got 'lots'"),
        ("find_deals", {"limit": True}, r"limit must be a whole number"),
        ("find_deals", {"limit": "²"}, r"limit must be a whole number .* got '²'"),
        ("find_deals", {"start": "2026-11-28garbage"}, r"start must be a date .*'2026-11-28garb"),
        ("find_deals", {"start": "2026-11-28 to 2026-11-30"}, r"start must be a date like"),
        ("find_deals", {"kind": "clearance"}, r"kind must be one of 'sale', 'bogo'"),
        ("find_deals", {"category": "Electronics"},
         r"category must be one of list_categories\(\): Baby, .*got 'Electronics'"),
        ("find_deals", {"store": "Narnia"},
         r"store 'Narnia' is not a store; use one name from list_stores\(\): .*Mission"),
        ("find_deals", {"store": "San Francisco"}, r"store 'San Francisco' matches several"),
        ("find_deals", {"query": 42}, r"query must be text like 'orange soda' or None, got 42"),
        ("find_deals", {"min_percent_off": 150}, r"min_percent_off must be a percentage"),
        ("search_products", {"query": ""}, r"^search_products: query must name what to look"),
        ("search_products", {"query": "the and of"}, r"query must name what to look for"),
        ("search_products", {"query": "soda", "limit": 101}, r"from 1 to 100, got 101"),
        ("deal_history", {"product_id": 999_999}, r"^deal_history: no product has id 999999"),
        ("deal_history", {"product_id": "cheerios"}, r"product_id must be a whole number"),
        ("deal_history", {"product_id": 1, "days": 0}, r"days must be a whole number from 1"),
    ],
)  # fmt: skip
def test_bad_argument_says_exactly_what_to_change(tools, name, arguments, message):
    with pytest.raises(ToolArgumentError, match=message):
        tools[name](**arguments)


def test_a_bad_argument_is_also_a_value_error(tools):
    with pytest.raises(ValueError):
        tools["find_deals"](start="soon")


@pytest.mark.parametrize(
    ("everyday", "canonical"),
    [
        ({"start": "2026-11-28", "end": "2026-11-30"}, {"start": NOV_28, "end": NOV_28 + DAYS_2}),
        ({"start": datetime(2026, 11, 28, 9, 30)}, {"start": NOV_28}),
        ({"start": "2026-11-28T09:30"}, {"start": NOV_28}),
        # 01:30 UTC on the 29th is still the 28th for the shopper (America/Los_Angeles).
        ({"start": datetime(2026, 11, 29, 1, 30, tzinfo=UTC)}, {"start": NOV_28}),
        ({"start": "2026-11-29T01:30Z"}, {"start": NOV_28}),
        ({"limit": "10"}, {"limit": 10}),
        ({"limit": 10.0}, {"limit": 10}),
        ({"kind": "Multi-Buy"}, {"kind": "multi_buy"}),
        ({"category": "cereal"}, {"category": "Cereal & Breakfast"}),
        ({"category": "SNACK"}, {"category": "Snacks"}),
        ({"store": "the mission store"}, {"store": "Mission"}),
        ({"store": "oakland"}, {"store": "Rockridge"}),
        ({"min_percent_off": "30%"}, {"min_percent_off": 30}),
        ({"query": "", "category": None, "store": None}, {}),
    ],
)
def test_everyday_forms_of_arguments_mean_their_canonical_form(tools, everyday, canonical):
    found = tools["find_deals"](**everyday)

    assert found == tools["find_deals"](**canonical)
    assert found or "start" in canonical, "the demo data has deals for each of these"


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/Paris"])
def test_today_is_the_date_in_the_shoppers_time_zone(seeded_engine, zone):
    today = build_tools(seeded_engine, timezone=zone)["today"]()
    assert today == datetime.now(ZoneInfo(zone)).date()


def test_an_unknown_time_zone_is_refused(seeded_engine):
    with pytest.raises(ValueError, match=re.escape("unknown time zone 'Mars/Olympus'")):
        build_tools(seeded_engine, timezone="Mars/Olympus")


STORES = [
    {"id": n, "name": name, "city": city}
    for n, (name, city) in enumerate(
        [("Sunset", "Oakland"), ("Sunset Market", "Oakland"), ("Market", "Berkeley"),
         ("The Store", "Albany"), ("Mission", "San Francisco")]
    )
]  # fmt: skip


@pytest.mark.parametrize(
    ("named", "store"),
    [
        ("Sunset", "Sunset"),
        ("sunset market", "Sunset Market"),  # the whole name, though "market" is a filler
        ("Market", "Market"),
        ("the store", "The Store"),
        ("Mission Market", "Mission"),
        ("mission store", "Mission"),
        ("Berkeley", "Market"),
    ],
)
def test_a_store_is_its_whole_name_first_then_its_name_without_store_or_market(named, store):
    assert STORES[as_store("find_deals", named, STORES)]["name"] == store


def test_a_category_named_exactly_is_that_category_though_another_differs_only_in_case():
    assert as_category("find_deals", "Beverages", ["beverages", "Beverages"]) == "Beverages"


@pytest.mark.parametrize("least", [10, 25, 33, 50])
def test_min_percent_off_keeps_every_deal_showing_at_least_that_percent(tools, least):
    start, end = shopper_today() - timedelta(days=30), shopper_today() + timedelta(days=30)
    every = tools["find_deals"](category="Snacks", start=start, end=end, limit=500)
    assert len(every) < 500, "the window must hold every Snacks deal"

    kept = tools["find_deals"](
        category="Snacks", start=start, end=end, limit=500, min_percent_off=least
    )

    assert sorted(deal["id"] for deal in kept) == sorted(
        deal["id"] for deal in every if deal["percent_off"] >= least
    )
