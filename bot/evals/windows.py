"""The stretches of days questions speak of ("this weekend", "next Wednesday"), from today.

Where shoppers' words allow two readings, a name gives both, and a check passes on either:
"this week" is today through Sunday, or the seven days from today.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

Window = tuple[date, date]

MONDAY, WEDNESDAY, FRIDAY, SATURDAY, SUNDAY = 0, 2, 4, 5, 6
DAY = timedelta(days=1)


def coming(today: date, weekday: int) -> date:
    """The next day that is `weekday` (0 Monday ... 6 Sunday), today included."""
    return today + DAY * ((weekday - today.weekday()) % 7)


def _this_weekend(today: date) -> tuple[Window, ...]:
    saturday = coming(today, SATURDAY)
    weekend = (saturday, saturday + DAY)
    return ((today, today), weekend) if today.weekday() == SUNDAY else (weekend,)


def _this_week(today: date) -> tuple[Window, ...]:
    return ((today, coming(today, SUNDAY)), (today, today + 6 * DAY))


def _next_wednesday(today: date) -> tuple[Window, ...]:
    after_today = coming(today + DAY, WEDNESDAY)
    of_next_week = today + DAY * (7 - today.weekday() + WEDNESDAY)
    return ((after_today, after_today), (of_next_week, of_next_week))


def _next_week(today: date) -> tuple[Window, ...]:
    monday = today + DAY * (7 - today.weekday())
    return ((monday, monday + 6 * DAY),)


def _single(day: Callable[[date], date]) -> Callable[[date], tuple[Window, ...]]:
    return lambda today: ((day(today), day(today)),)


def _from_today(last: Callable[[date], date]) -> Callable[[date], tuple[Window, ...]]:
    return lambda today: ((today, last(today)),)


NAMED: dict[str, Callable[[date], tuple[Window, ...]]] = {
    "today": _single(lambda today: today),
    "tomorrow": _single(lambda today: today + DAY),
    "friday": _single(lambda today: coming(today, FRIDAY)),
    "this_weekend": _this_weekend,
    "this_week": _this_week,
    "next_week": _next_week,
    "next_wednesday": _next_wednesday,
    "since_monday": lambda today: ((today - DAY * today.weekday(), today),),
    "until_friday": _from_today(lambda today: coming(today, FRIDAY)),
    "next_7_days": _from_today(lambda today: today + 6 * DAY),
}


def windows(name: str, today: date) -> tuple[Window, ...]:
    """Every reading of `name` on `today`, first the likeliest, without repeats."""
    return tuple(dict.fromkeys(NAMED[name](today)))
