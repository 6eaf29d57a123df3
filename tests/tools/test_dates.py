"""date_range: one reading of the days shoppers name, the same on every day of the week."""

from __future__ import annotations

import inspect
from datetime import date, timedelta

import pytest

from tools.dates import READINGS, date_range
from tools.registry import DealTools

MONDAY = date(2026, 11, 23)
WEEK = [MONDAY + timedelta(days=n) for n in range(7)]
DAY = timedelta(days=1)


def days(phrase: str, today: date) -> tuple[str, str]:
    start, end = date_range(phrase, today)
    return f"{start:%a %d}", f"{end:%a %d}"


# For each day from Monday 23 to Sunday 29 November 2026: what the phrase names.
# fmt: off
TABLE = {
    "this weekend": [("Sat 28", "Sun 29")] * 5 + [("Sat 28", "Sun 29"), ("Sun 29", "Sun 29")],
    "next weekend": [("Sat 05", "Sun 06")] * 7,
    "this week": [("Mon 23", "Sun 29"), ("Tue 24", "Mon 30"), ("Wed 25", "Tue 01"),
                  ("Thu 26", "Wed 02"), ("Fri 27", "Thu 03"), ("Sat 28", "Fri 04"),
                  ("Sun 29", "Sat 05")],
    "next week": [("Mon 30", "Sun 06")] * 7,
    "friday": [("Fri 27", "Fri 27")] * 5 + [("Fri 04", "Fri 04")] * 2,
    "next friday": [("Fri 04", "Fri 04")] * 7,
    "since monday": [("Mon 23", f"{day:%a %d}") for day in WEEK],
    "until friday": [(f"{day:%a %d}", "Fri 27") for day in WEEK[:5]]
                    + [("Sat 28", "Fri 04"), ("Sun 29", "Fri 04")],
}
# fmt: on


@pytest.mark.parametrize("phrase", TABLE)
@pytest.mark.parametrize("weekday", range(7), ids=lambda n: f"{WEEK[n]:%A}")
def test_each_phrase_names_the_same_days_whatever_the_weekday(phrase, weekday):
    assert days(phrase, WEEK[weekday]) == TABLE[phrase][weekday]


@pytest.mark.parametrize("today", WEEK, ids=lambda day: f"{day:%A}")
def test_this_week_is_never_a_single_day_and_this_weekend_never_a_monday(today):
    week_start, week_end = date_range("this week", today)
    weekend = date_range("this weekend", today)
    assert (week_end - week_start).days == 6
    assert {day.weekday() for day in weekend} <= {5, 6} and weekend[0] >= today


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("Today", (MONDAY, MONDAY)),
        ("tomorrow", (MONDAY + DAY, MONDAY + DAY)),
        ("yesterday", (MONDAY - DAY, MONDAY - DAY)),
        ("THIS  week-end", (MONDAY + 5 * DAY, MONDAY + 6 * DAY)),
        ("on Fri", (MONDAY + 4 * DAY, MONDAY + 4 * DAY)),
        ("this wednesday", (MONDAY + 2 * DAY, MONDAY + 2 * DAY)),
        ("monday", (MONDAY, MONDAY)),
        ("by thurs", (MONDAY, MONDAY + 3 * DAY)),
        ("next 3 days", (MONDAY, MONDAY + 2 * DAY)),
        ("the past 7 days", (MONDAY - 6 * DAY, MONDAY)),
        ("this month", (MONDAY, date(2026, 11, 30))),
        ("next month", (date(2026, 12, 1), date(2026, 12, 31))),
    ],
)
def test_phrases_are_read_whatever_their_case_spacing_and_short_forms(phrase, expected):
    assert date_range(phrase, MONDAY) == expected


def test_next_month_crosses_the_year():
    assert date_range("next month", date(2026, 12, 15)) == (date(2027, 1, 1), date(2027, 1, 31))


@pytest.mark.parametrize(
    "phrase", ["someday", "next 0 days", "last 999 days", "fortnight", "next -3 days"]
)
def test_an_unknown_phrase_is_refused_with_the_known_ones(phrase):
    with pytest.raises(ValueError) as raised:
        date_range(phrase, MONDAY)
    assert repr(phrase) in str(raised.value)
    if "999" not in phrase:
        assert "'this weekend'" in str(raised.value) and "'next friday'" in str(raised.value)


@pytest.mark.parametrize("reading", READINGS, ids=lambda reading: reading.example)
def test_the_tools_docstring_explains_every_reading(reading):
    assert f'"{reading.example}"' in inspect.getdoc(DealTools.date_range)


def test_the_tool_reads_phrases_from_the_shoppers_today(tools):
    today = tools["today"]()
    assert tools["date_range"]("tomorrow") == (today + DAY, today + DAY)
    with pytest.raises(ValueError, match=r"^date_range: unknown phrase 'whenever'"):
        tools["date_range"]("whenever")
