"""Product search forgives case, plurals, word order and everyday synonyms."""

from __future__ import annotations

import random

import pytest

from tests.tools.conftest import SMALL
from tools.demo import demo_products
from tools.text_search import forms, fts5_expression, parse, tsquery_expression, words

SUNKIST = "Sunkist Orange Soda 12 pk 12 fl oz cans"
FANTA = "Fanta Orange 2 L"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("orange soda", {SUNKIST, FANTA}),
        ("ORANGE SODA", {SUNKIST, FANTA}),
        ("soda orange", {SUNKIST, FANTA}),
        ("orange sodas", {SUNKIST, FANTA}),
        ("orange pop", {SUNKIST, FANTA}),
        ("oj", {"Tropicana Pure Premium Orange Juice 52 fl oz"}),
        ("orange juice", {"Simply Orange Juice Pulp Free 52 fl oz"}),
        ("crisps", {"Lay's Classic Potato Chips 8 oz"}),
        ("potato chip", {"Lay's Classic Potato Chips 8 oz"}),
        ("tide pod", {"Tide PODS Original Laundry Detergent Pacs 42 ct"}),
        ("cheerio", {"Cheerios 18 oz"}),
        ("coke", {"Coca-Cola Classic 12 pk 12 fl oz cans"}),
        ("fanta orange 2 liter", {FANTA}),
        ("cheerios 18 ounce", {"Cheerios 18 oz"}),
        ("nappies", {"Pampers Swaddlers Diapers Size 3 74 ct"}),
        ("seltzer", {"LaCroix Sparkling Water Lime 12 pk 12 fl oz cans"}),
        ("gluten free bread", {"Udi's Gluten Free Whole Grain Bread 12 oz"}),
        ("jerrys half baked", {"Ben & Jerry's Half Baked Ice Cream 1 pint"}),
        ("mac and cheese", {"Kraft Macaroni & Cheese Original 7.25 oz"}),
        ("haagen dazs", {"Häagen-Dazs Vanilla Ice Cream 14 fl oz"}),
        ("Häagen-Dazs coffee", {"Häagen-Dazs Coffee Ice Cream 14 fl oz"}),
    ],
)
def test_search_finds_products_whatever_the_wording(tools, query, expected):
    names = {product["name"] for product in tools["search_products"](query, limit=100)}
    assert expected <= names


def test_best_match_comes_first(tools):
    first = tools["search_products"]("orange soda")[0]
    assert "orange" in first["name"].lower() and "soda" in first["name"].lower()


def test_products_with_some_of_the_words_come_back_when_none_has_all(tools):
    names = [p["name"] for p in tools["search_products"]("orange soda unicornberry", limit=50)]
    assert SUNKIST in names


def test_category_narrows_the_search(tools):
    found = tools["search_products"]("chips", category="snacks", limit=100)
    assert found and {product["category"] for product in found} == {"Snacks"}


@pytest.mark.parametrize(
    "query",
    ['"orange', "soda*", "NOT soda", "orange AND OR", "near(orange soda)", "'; DROP TABLE x;--"],
)
def test_search_syntax_in_a_query_is_read_as_words(tools, query):
    assert isinstance(tools["search_products"](query), list)


def test_synonyms_widen_a_word_to_its_alternatives():
    terms = parse("Orange POP")
    assert terms.groups == ((("orange",),), (("soda",), ("pop",), ("soft", "drink")))


def test_an_alias_finds_its_word_but_not_the_reverse():
    assert parse("crisps").groups == ((("chips",), ("crisps",)),)
    assert parse("chips").groups == ((("chips",),),)
    assert parse("soda").groups == ((("soda",),),)


def test_chips_finds_chips_not_crisp_apples(tools):
    names = [product["name"] for product in tools["search_products"]("chips", limit=20)]
    assert names and all("chip" in name.lower() for name in names)


def test_pack_and_pk_are_the_same_word(tools):
    first = tools["search_products"]("coke 12 pack")[0]["name"]
    assert "12 pk" in first and ("Coke" in first or "Coca-Cola" in first)


def test_multi_word_synonyms_are_found_before_single_words():
    assert parse("orange juice").groups == ((("oj",), ("orange", "juice")),)


def test_stop_words_are_left_out():
    assert parse("any deals on the chips").groups == parse("chips").groups


@pytest.mark.parametrize(
    ("render", "expected"),
    [
        (
            fts5_expression,
            '("orange" OR "oranges") AND (("soda" OR "sodas") OR ("pop" OR "pops")'
            ' OR (("soft" OR "softs") AND ("drink" OR "drinks")))',
        ),
        (
            tsquery_expression,
            "(orange | oranges) & ((soda | sodas) | (pop | pops)"
            " | ((soft | softs) & (drink | drinks)))",
        ),
    ],
)
def test_terms_render_as_each_databases_query_language(render, expected):
    assert render(parse("orange pop")) == expected


# --- Precise: whole words, what a product is first, and a signal when only some words match.
# Built from the catalog the test database is seeded from (tests/tools/conftest.py).

CATALOG = {p.name: p for p in demo_products(random.Random(SMALL["seed"]), SMALL["products"])}


def _fields(product) -> list[set[str]]:
    """The words of each field the index ranks by, in its order: type, name without the
    brand, tags, brand and category."""
    unbranded = product.name.replace(product.brand, " ")
    texts = (product.product_type, unbranded, product.tags, f"{product.brand} {product.category}")
    return [set(words(text)) for text in texts]


def _tier(product, query: str) -> int | None:
    wanted = {form for word in words(query) for form in forms(word)}
    return next((n for n, field in enumerate(_fields(product)) if field & wanted), None)


# (query, the first result, must come back, must not come back)
# fmt: off
PRECISE = [
    ("bananas", "Bananas per lb", [], []),
    ("banana", "Bananas per lb", ["Kodiak Family Size Banana Breakfast Bars 16 ct"], []),
    ("pop", None, ["Sunkist Orange Soda 2 L"], ["SkinnyPop Original Popcorn 4.4 oz"]),
    ("ham", None, ["Sabra Black Forest Sliced Ham 16 oz"],
     ["Arnold Classic Hamburger Buns 16 ct", "Arm & Hammer Original Laundry Detergent 64 fl oz"]),
    ("peppers", None, ["Foxy Local Green Peppers 3 ct"],
     ["DiGiorno Rising Crust Pepperoni Pizza 27.5 oz"]),
    ("salt", None, ["Kettle Brand Sea Salt Potato Chips 8.5 oz"],
     ["Darigold Lactose Free Salted Butter 32 oz"]),
    ("roast coffee", None, ["Bayside French Roast Ground Coffee 12 oz"],
     ["Boar's Head Ovengold Roasted Turkey Breast per lb"]),
    ("lemon", None, ["Poppi Organic Lemon Iced Tea 12 pk 16 fl oz bottles"], []),
    ("apples", None, ["Gala Apples per lb"], ["Bayside Natural Applewood Bacon 24 oz"]),
    ("oats", None, ["Quaker Old Fashioned Oats 18 oz"],
     ["Bob's Red Mill Banana Nut Instant Oatmeal 20 ct"]),
    ("corn", None, ["La Banderita Corn Tortillas 30 ct"], ["SkinnyPop Original Popcorn 4.4 oz"]),
    ("candy", None, [], ["Caulipower Sweet Potato Fries 28 oz"]),
    ("cream", None, ["Daisy Sour Cream 16 oz"], ["Skippy Creamy Peanut Butter 16.3 oz"]),
    ("orange soda", None, ["Fanta Orange 2 L", "Sunkist Orange Soda 12 pk 12 fl oz cans"], []),
    ("ground beef", None, ["Bayside 85% Lean Ground Beef 1 lb"],
     ["Peet's Major Dickason's Blend Ground Coffee 10.5 oz"]),
]
# fmt: on


@pytest.mark.parametrize(("query", "first", "must", "must_not"), PRECISE, ids=lambda v: str(v))
def test_search_brings_back_what_the_words_name_and_nothing_else(
    tools, query, first, must, must_not
):
    assert {first, *must, *must_not} - {None} <= CATALOG.keys(), "the table names a product"
    names = [product["name"] for product in tools["search_products"](query, limit=100)]
    assert first is None or names[0] == first
    assert set(must) <= set(names)
    assert not set(must_not) & set(names)


# (query, ranked before, ranked after): what a product is, then its name, then its tags.
RANKED = [
    ("bananas", "Bananas per lb", "Kodiak Family Size Banana Breakfast Bars 16 ct"),
    ("coffee", "Bayside French Roast Ground Coffee 12 oz", "Häagen-Dazs Coffee Ice Cream 14 fl oz"),
    ("cheese", "Tillamook Medium Cheddar Cheese Block 16 oz", "DiGiorno Four Cheese Pizza 26.2 oz"),
    (
        "peppers",
        "Foxy Local Green Peppers 3 ct",
        "Boar's Head Family Size Roasted Red Pepper Hummus 20 oz",
    ),
    ("apple", "Gala Apples per lb", "Bayside Overnight Spinach Apple Baby Food Pouches 4 ct"),
]


@pytest.mark.parametrize(("query", "before", "after"), RANKED, ids=lambda v: str(v))
def test_what_a_product_is_outranks_a_flavour_or_a_variety(tools, query, before, after):
    names = [product["name"] for product in tools["search_products"](query, limit=100)]
    assert names.index(before) < names.index(after)


@pytest.mark.parametrize("query", ["coffee", "cheese", "soda", "organic", "bread", "apple"])
def test_results_rank_by_the_first_field_holding_a_word(tools, query):
    """Type before name before tags before brand and category, whatever the database."""
    found = tools["search_products"](query, limit=100)
    tiers = [_tier(CATALOG[product["name"]], query) for product in found]
    assert None not in tiers and len(set(tiers)) > 1
    assert tiers == sorted(tiers)


SHORTER = sorted(
    {
        short
        for name in CATALOG
        for short in words(name)
        for longer in {w for other in CATALOG for w in words(other)}
        if longer != short
        and longer.startswith(short)
        and longer not in forms(short)
        and len(short) >= 3
        and short.isalpha()
    }
)


@pytest.mark.parametrize("word", SHORTER)
def test_a_word_never_finds_a_longer_different_word(tools, word):
    """ "pepper" is not "pepperoni", "salt" not "salted", "ham" not "hamburger"."""
    for product in tools["search_products"](word, limit=100):
        assert _tier(CATALOG[product["name"]], word) is not None, product["name"]


def test_a_result_says_whether_it_has_every_word_or_only_some(tools):
    full = tools["search_products"]("orange soda", limit=5)
    partial = tools["search_products"]("orange soda unicornberry", limit=5)
    assert {product["match"] for product in full} == {"all"}
    assert partial and {product["match"] for product in partial} == {"some"}
