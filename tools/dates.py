"""The stretches of days shoppers name ("this weekend", "next week", "friday"), read one way.

This is the single definition of those readings: the `date_range` tool, the prompt's
examples and the eval's reference windows all use it, so an answer and its check never
disagree about which days "this week" means.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

DAY = timedelta(days=1)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SATURDAY, SUNDAY = 5, 6
MAX_DAYS = 730

DateRange = tuple[date, date]


def coming(today: date, weekday: int) -> date:
    """The next day that is `weekday` (0 Monday ... 6 Sunday), today included."""
    return today + DAY * ((weekday - today.weekday()) % 7)


def next_monday(today: date) -> date:
    """The Monday that starts next week (tomorrow when today is Sunday)."""
    return today + DAY * (7 - today.weekday())


def this_weekend(today: date) -> DateRange:
    """The coming Saturday and Sunday; on a Sunday, today alone (Saturday has gone)."""
    if today.weekday() == SUNDAY:
        return today, today
    saturday = coming(today, SATURDAY)
    return saturday, saturday + DAY


def next_weekend(today: date) -> DateRange:
    """The Saturday and Sunday a week after this weekend's Saturday."""
    saturday = today - DAY if today.weekday() == SUNDAY else coming(today, SATURDAY)
    return saturday + 7 * DAY, saturday + 8 * DAY


def last_days(today: date, days: int) -> DateRange:
    """The last `days` days, today included (1 is today alone)."""
    return today - DAY * (days - 1), today


def _month_end(day: date) -> date:
    first_of_next = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return first_of_next - DAY


def _next_month(today: date) -> DateRange:
    first = _month_end(today) + DAY
    return first, _month_end(first)


@dataclass(frozen=True)
class Reading:
    """One kind of phrase: its pattern, the days it names, and a phrase of that kind."""

    pattern: re.Pattern[str]
    days: Callable[[date, re.Match[str]], DateRange]
    example: str


def _weekday(match: re.Match[str]) -> int:
    return WEEKDAY_NAMES[match.group("day")]


# Every weekday by its name and its usual short forms ("fri", "tues", "thurs").
WEEKDAY_NAMES = {day: number for number, day in enumerate(WEEKDAYS)}
WEEKDAY_NAMES |= {day[:3]: number for number, day in enumerate(WEEKDAYS)}
WEEKDAY_NAMES |= {"tues": 1, "weds": 2, "thur": 3, "thurs": 3}
_DAY = "(?P<day>" + "|".join(sorted(WEEKDAY_NAMES, key=len, reverse=True)) + ")"


def _single(day: date) -> DateRange:
    return day, day


def _reading(pattern: str, days, example: str) -> Reading:
    return Reading(re.compile(pattern + r"\Z"), days, example)


# fmt: off
READINGS = (
    _reading("today", lambda t, m: _single(t), "today"),
    _reading("tomorrow", lambda t, m: _single(t + DAY), "tomorrow"),
    _reading("yesterday", lambda t, m: _single(t - DAY), "yesterday"),
    _reading("(this )?weekend", lambda t, m: this_weekend(t), "this weekend"),
    _reading("next weekend", lambda t, m: next_weekend(t), "next weekend"),
    _reading("this week", lambda t, m: (t, t + 6 * DAY), "this week"),
    _reading("next week", lambda t, m: (next_monday(t), next_monday(t) + 6 * DAY), "next week"),
    _reading("this month", lambda t, m: (t, _month_end(t)), "this month"),
    _reading("next month", lambda t, m: _next_month(t), "next month"),
    _reading(f"(this |on )?{_DAY}", lambda t, m: _single(coming(t, _weekday(m))), "friday"),
    _reading(f"next {_DAY}", lambda t, m: _single(next_monday(t) + DAY * _weekday(m)),
             "next friday"),
    _reading(f"since {_DAY}", lambda t, m: (t - DAY * ((t.weekday() - _weekday(m)) % 7), t),
             "since monday"),
    _reading(f"(until|by|through|thru|till) {_DAY}", lambda t, m: (t, coming(t, _weekday(m))),
             "until friday"),
    _reading(r"(the )?next (?P<n>[1-9]\d{0,2}) days?",
             lambda t, m: (t, t + DAY * (int(m["n"]) - 1)), "next 7 days"),
    _reading(r"(the )?(last|past) (?P<n>[1-9]\d{0,2}) days?",
             lambda t, m: last_days(t, int(m["n"])), "last 30 days"),
)
# fmt: on

KNOWN = ", ".join(repr(reading.example) for reading in READINGS)


class UnknownPhrase(ValueError):
    """A phrase date_range does not know; the message lists the ones it does."""


_BETWEEN_LETTERS = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")


def date_range(phrase: str, today: date) -> DateRange:
    """(first day, last day), both included, of what `phrase` names, counted from `today`."""
    # A hyphen between letters is a space ("week-end"); elsewhere it stays: "next -3 days".
    wanted = _BETWEEN_LETTERS.sub(" ", phrase.lower())
    wanted = " ".join(wanted.replace("week end", "weekend").split())
    for reading in READINGS:
        match = reading.pattern.match(wanted)
        if match:
            start, end = reading.days(today, match)
            if (end - start).days >= MAX_DAYS:
                raise UnknownPhrase(f"{phrase!r} spans more than {MAX_DAYS} days")
            return start, end
    raise UnknownPhrase(f"unknown phrase {phrase!r}; known phrases are like {KNOWN}")
