"""The prompt's rules and examples agree with the tools on every day of the week: the examples
take their days from date_range, run on the demo data whatever today is, and state the dates
they used."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

import sandbox
import tools
from bot.database import today_in
from bot.prompt import EXAMPLE_PROGRAMS, EXAMPLES, SHARED_RULES, system_blocks
from tests.bot.conftest import TEST_TIMEZONE
from tools.dates import date_range

WEEK = [today_in(TEST_TIMEZONE) + timedelta(days=n) for n in range(7)]
PHRASE = re.compile(r'date_range\("([^"]+)"\)')


@pytest.mark.parametrize("example", EXAMPLE_PROGRAMS, ids=lambda example: example.question)
def test_examples_take_their_days_from_date_range_never_by_hand(example):
    assert PHRASE.search(example.program)
    assert "timedelta" not in example.program and "weekday()" not in example.program


@pytest.mark.parametrize("example", EXAMPLE_PROGRAMS, ids=lambda example: example.question)
@pytest.mark.parametrize("today", WEEK, ids=lambda day: f"{day:%A}")
def test_examples_answer_on_every_weekday_and_state_the_dates_they_used(
    demo_engine, example, today
):
    deal_tools = tools.build_tools(demo_engine, timezone=TEST_TIMEZONE, today=lambda: today)

    result = sandbox.run(example.program, deal_tools)

    assert result.ok, result.error
    start, end = date_range(PHRASE.search(example.program).group(1), today)
    assert f"{start:%a %b %d}" in result.answer and f"{end:%a %b %d}" in result.answer


def test_examples_call_only_the_tools_the_model_is_given():
    called = set(re.findall(r"\b([a-z_]+)\(", EXAMPLES))
    assert called & set(tools.TOOL_NAMES) >= {"date_range", "find_deals", "count_deals"}
    builtins_used = {"max", "min", "len", "sorted", "divmod"}
    unknown = called - set(tools.TOOL_NAMES) - builtins_used - {"final_answer", "cost", "join"}
    assert unknown <= {"append", "items", "values", "lambda"}, unknown


@pytest.mark.parametrize(
    "rule", ["date_range(phrase)", "per_product=True", "count_deals", "limit=None", "tie"]
)
def test_the_rules_point_at_the_tools_that_do_the_work(rule):
    assert rule in SHARED_RULES
    assert rule in system_blocks(tools.render_reference())[0]["text"]
