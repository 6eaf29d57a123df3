"""Tools run in the bot's own process: an argument of absurd size is refused by its length,
before any work is done on it, with a short message that does not quote it back."""

from __future__ import annotations

import time
from datetime import date

import pytest

import tools.registry
from tools import ToolArgumentError
from tools.arguments import (
    MAX_DATE_CHARS,
    MAX_NAME_CHARS,
    MAX_NUMBER_CHARS,
    MAX_QUERY_CHARS,
    QUOTE_CHARS,
    quoted,
)
from tools.text_search import parse

HUGE_QUERY = "x " * 524_000  # 1,048,000 characters
# An error message names the tool, the argument and what to do: a few hundred characters,
# whatever the argument; list_categories() and list_stores() names add a few hundred more.
SHORT_MESSAGE = 1_000


@pytest.fixture
def no_parsing(monkeypatch):
    """Fails the test if a query gets as far as being parsed."""

    def parse(query):
        raise AssertionError(f"parsed a query of {len(query):,} characters")

    monkeypatch.setattr(tools.registry, "parse", parse)


@pytest.mark.parametrize("name", ["find_deals", "search_products"])
def test_a_huge_query_is_refused_before_it_is_parsed(tools, no_parsing, name):
    started = time.perf_counter()
    with pytest.raises(ToolArgumentError) as refused:
        tools[name](HUGE_QUERY)

    message = str(refused.value)
    assert message.startswith(f"{name}: query is 1,048,000 characters; keep it to 200 or fewer")
    assert len(message) < SHORT_MESSAGE
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    ("name", "argument", "longest"),
    [
        ("find_deals", "category", MAX_NAME_CHARS),
        ("find_deals", "store", MAX_NAME_CHARS),
        ("find_deals", "kind", MAX_NAME_CHARS),
        ("find_deals", "start", MAX_DATE_CHARS),
        ("find_deals", "end", MAX_DATE_CHARS),
        ("find_deals", "limit", MAX_NUMBER_CHARS),
        ("find_deals", "min_percent_off", MAX_NUMBER_CHARS),
        ("search_products", "category", MAX_NAME_CHARS),
        ("search_products", "limit", MAX_NUMBER_CHARS),
        ("deal_history", "product_id", MAX_NUMBER_CHARS),
        ("deal_history", "days", MAX_NUMBER_CHARS),
    ],
)
def test_every_text_argument_has_a_length_cap(tools, name, argument, longest):
    required = {"search_products": {"query": "soda"}, "deal_history": {"product_id": 1}}
    arguments = required.get(name, {}) | {argument: "9" * (longest + 1)}

    with pytest.raises(ToolArgumentError) as refused:
        tools[name](**arguments)

    message = str(refused.value)
    expected = f"{name}: {argument} is {longest + 1:,} characters; keep it to {longest:,} or fewer"
    assert message == expected


@pytest.mark.parametrize(
    "value",
    [
        "x" * 1_000_000,
        list(range(1_000_000)),
        {str(n): n for n in range(100_000)},
        10**100_000,
        ["x" * 1_000_000],
    ],
    ids=["text", "list", "dict", "huge-int", "nested-text"],
)
@pytest.mark.parametrize("argument", ["query", "category", "store", "start", "limit"])
def test_a_refusal_never_quotes_a_huge_argument_back(tools, argument, value):
    with pytest.raises(ToolArgumentError) as refused:
        tools["find_deals"](**{argument: value})

    assert len(str(refused.value)) < SHORT_MESSAGE


def test_arguments_at_their_caps_are_accepted(tools):
    query = ("orange soda " * MAX_QUERY_CHARS)[:MAX_QUERY_CHARS]
    padded_date = "2026-11-28".ljust(MAX_DATE_CHARS)
    padded_limit = "10".rjust(MAX_NUMBER_CHARS)
    found = tools["find_deals"](query, start=padded_date, end=padded_date, limit=padded_limit)
    assert isinstance(found, list)
    assert isinstance(tools["search_products"](query, limit=padded_limit), list)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("orange soda", "'orange soda'"),
        (42, "42"),
        (date(2026, 11, 28), "datetime.date(2026, 11, 28)"),
        (10**100_000, "<a whole number of about 100,001 digits>"),
    ],
    ids=["text", "int", "date", "huge-int"],
)
def test_quoted_is_repr_for_everyday_values(value, expected):
    assert quoted(value) == expected


def test_quoted_cuts_long_text_short():
    assert len(quoted("x" * 1_000_000)) <= QUOTE_CHARS + 5


def test_parsing_is_linear_in_the_number_of_words():
    """200,000 words: about half a second when each word is handled once, over ten when
    the rest of the query is copied after each word."""
    started = time.perf_counter()
    terms = parse("x " * 200_000)
    assert time.perf_counter() - started < 3.0
    assert terms.groups == ((("x",),),)


def test_parsing_many_distinct_words_keeps_each_once_in_order():
    words = [f"w{n}" for n in range(50_000)]
    terms = parse(" ".join(words + words))
    assert [group[0][0] for group in terms.groups] == words


def test_synonyms_are_found_anywhere_in_a_long_query():
    filler = "w " * 10_000
    terms = parse(f"{filler} orange juice {filler} pop")
    assert (("oj",), ("orange", "juice")) in terms.groups
    assert (("soda",), ("pop",), ("soft", "drink")) in terms.groups
