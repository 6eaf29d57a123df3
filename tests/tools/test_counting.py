"""Every match, counted or listed: count_deals agrees with find_deals(limit=None), which
never cuts a list short, and per_product folds a product's stores into one result."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from tools import queries

GROUPS = {
    "store": lambda deal: deal["store"],
    "category": lambda deal: deal["category"],
    "brand": lambda deal: deal["brand"],
    "product": lambda deal: deal["product"],
    "kind": lambda deal: deal["kind"],
}
FILTERS = [
    {},
    {"query": "soda"},
    {"category": "Snacks", "store": "Mission"},
    {"kind": "coupon", "requires_card": True},
    {"query": "gluten-free", "min_percent_off": 20},
    {"requires_card": False, "kind": "bogo"},
]


@pytest.fixture(scope="module")
def week(tools) -> dict:
    start, end = tools["date_range"]("this week")
    return {"start": start, "end": end}


@pytest.mark.parametrize("filters", FILTERS, ids=str)
def test_count_deals_counts_what_find_deals_lists(tools, week, filters):
    every = tools["find_deals"](limit=None, **week, **filters)
    assert tools["count_deals"](**week, **filters) == len(every) > 0


@pytest.mark.parametrize("by", GROUPS)
@pytest.mark.parametrize("filters", FILTERS[:3], ids=str)
def test_count_deals_by_group_counts_each_group_most_first(tools, week, filters, by):
    every = tools["find_deals"](limit=None, **week, **filters)
    counted = tools["count_deals"](by=by, **week, **filters)
    assert counted == Counter(GROUPS[by](deal) for deal in every)
    assert list(counted.values()) == sorted(counted.values(), reverse=True)


def test_count_deals_counts_only_products_with_every_word(tools, week):
    assert tools["count_deals"]("orange soda unicornberry", **week) == 0
    assert tools["find_deals"]("orange soda unicornberry", **week)[0]["match"] == "some"


def test_every_match_comes_back_without_a_limit(tools):
    today = tools["today"]()
    span = {"start": today - timedelta(days=60), "end": today + timedelta(days=14)}
    every = tools["find_deals"](limit=None, **span)
    assert len(every) > 500 and len(every) == tools["count_deals"](**span)
    assert len({deal["id"] for deal in every}) == len(every)


def test_past_the_cap_find_deals_says_how_many_match_instead_of_cutting(tools, monkeypatch):
    today = tools["today"]()
    span = {"start": today - timedelta(days=60), "end": today}
    matching = tools["count_deals"](**span)
    monkeypatch.setattr(queries, "MAX_MATCHES", 100)
    with pytest.raises(ValueError) as raised:
        tools["find_deals"](limit=None, **span)
    assert f"{matching:,} deals match" in str(raised.value)
    assert "count_deals()" in str(raised.value)
    assert len(tools["find_deals"](limit=None, **span, category="Produce", store="Mission")) <= 100


def test_past_the_cap_with_some_words_only_says_so_and_sends_to_no_count(tools, monkeypatch):
    # No product is both "orange" and "detergent": deals with either word come back.
    today = tools["today"]()
    span = {"start": today - timedelta(days=60), "end": today}
    assert tools["count_deals"]("orange detergent", **span) == 0
    monkeypatch.setattr(queries, "MAX_MATCHES", 5)
    with pytest.raises(ValueError) as raised:
        tools["find_deals"]("orange detergent", limit=None, **span)
    assert "no product has every word of the query" in str(raised.value)
    assert "count_deals()" not in str(raised.value)


def test_per_product_gives_each_products_lowest_price_with_every_store_at_it(tools, week):
    every = tools["find_deals"]("soda", limit=None, **week)
    best = tools["find_deals"]("soda", limit=None, per_product=True, **week)
    assert [deal["product_id"] for deal in best] == list(
        dict.fromkeys(deal["product_id"] for deal in best)
    )
    assert {deal["product_id"] for deal in best} == {deal["product_id"] for deal in every}
    for deal in best:
        offers = [d for d in every if d["product_id"] == deal["product_id"]]
        lowest = min(d["price"] / d["quantity"] for d in offers)
        at_lowest = {d["store"] for d in offers if d["price"] / d["quantity"] == lowest}
        assert deal["price"] / deal["quantity"] == lowest
        assert set(deal["stores"]) == at_lowest and deal["store"] == deal["stores"][0]


def test_per_product_folds_a_deal_run_at_every_store_into_one_result(tools, week):
    [coke] = tools["find_deals"]("Coca-Cola Classic 24 pk", per_product=True, **week)
    assert coke["description"] == "Sale $11.99, was $15.99"
    assert len(coke["stores"]) == len(tools["list_stores"]())


def test_per_product_limit_counts_products(tools, week):
    assert len(tools["find_deals"](limit=5, per_product=True, **week)) == 5


@pytest.mark.parametrize("card", [True, False])
def test_requires_card_keeps_only_deals_that_do_or_do_not_need_it(tools, week, card):
    found = tools["find_deals"](limit=None, requires_card=card, **week)
    assert found and {deal["requires_card"] for deal in found} == {card}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"by": "aisle"}, "by must be one of 'store', 'category', 'brand', 'product', 'kind'"),
        ({"requires_card": "yes"}, "requires_card must be True, False or None"),
        ({"store": "Atlantis"}, "store 'Atlantis' is not a store"),
    ],
)
def test_count_deals_refuses_bad_arguments_with_what_to_change(tools, arguments, message):
    with pytest.raises(ValueError, match=f"^count_deals: {message}"):
        tools["count_deals"](**arguments)


def test_find_deals_refuses_a_per_product_that_is_not_true_or_false(tools):
    with pytest.raises(ValueError, match=r"^find_deals: per_product must be True or False"):
        tools["find_deals"](per_product="yes")
