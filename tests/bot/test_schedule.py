"""Watch schedules: what people type, read into slots in the owner's wall-clock time."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bot.watches.schedule import (
    EVERY_DAY,
    LAST_DAY,
    WEEKDAYS,
    Schedule,
    ScheduleError,
    parse_schedule,
)

FRIDAY = date(2026, 5, 8)


@pytest.mark.parametrize(
    ("text", "days", "hour", "minute", "described"),
    [
        ("every Friday at 9am", (4,), 9, 0, "every Friday at 9:00"),
        ("every day at 8:30", EVERY_DAY, 8, 30, "every day at 8:30"),
        ("every weekday", WEEKDAYS, 9, 0, "weekdays at 9:00"),
        ("daily", EVERY_DAY, 9, 0, "every day at 9:00"),
        ("weekly on monday", (0,), 9, 0, "every Monday at 9:00"),
        ("weekly", (4,), 9, 0, "every Friday at 9:00"),
        ("weekdays at 8:00", WEEKDAYS, 8, 0, "weekdays at 8:00"),
        ("every Monday and Thursday at 7pm", (0, 3), 19, 0, "every Monday and Thursday at 19:00"),
        ("mondays, wednesdays and fridays at 12:15 pm", (0, 2, 4), 12, 15, None),
        ("Every  SATURDAY at noon", (5,), 12, 0, "every Saturday at 12:00"),
        ("weekends at 10", (5, 6), 10, 0, "weekends at 10:00"),
        ("every tues at 6.45am", (1,), 6, 45, None),
        ("every day at midnight", EVERY_DAY, 0, 0, None),
        ("every day at 12am", EVERY_DAY, 0, 0, None),
        ("every day at 17:05", EVERY_DAY, 17, 5, None),
        ("hourly", EVERY_DAY, None, 0, "every hour at :00"),
        ("every hour at :15", EVERY_DAY, None, 15, "every hour at :15"),
        # the time first, or without "at"; "each"; "@"; punctuation at the end
        ("at 8am every weekday", WEEKDAYS, 8, 0, "weekdays at 8:00"),
        ("9:30am every day", EVERY_DAY, 9, 30, "every day at 9:30"),
        ("every Friday 9am", (4,), 9, 0, "every Friday at 9:00"),
        ("each Friday @ 5 p.m.", (4,), 17, 0, "every Friday at 17:00"),
        ("Every day at 9am.", EVERY_DAY, 9, 0, "every day at 9:00"),
        ("daily at 8:30", EVERY_DAY, 8, 30, None),
        ("at 5pm", EVERY_DAY, 17, 0, "every day at 17:00"),
        # parts of the day, alone or with an hour
        ("every Friday morning", (4,), 9, 0, "every Friday at 9:00"),
        ("every evening at 6", EVERY_DAY, 18, 0, "every day at 18:00"),
        ("weekday mornings at 7:30", WEEKDAYS, 7, 30, "weekdays at 7:30"),
        ("every night", EVERY_DAY, 21, 0, None),
        # an hour without am/pm is the one of the part of the day; past its midnight, the
        # next day's small hours
        ("every night at 1", EVERY_DAY, 1, 0, "every day at 1:00"),
        ("every night at 12", EVERY_DAY, 0, 0, "every day at 0:00"),
        ("every afternoon at 12", EVERY_DAY, 12, 0, "every day at 12:00"),
        ("every Friday night at 12", (5,), 0, 0, "every Saturday at 0:00"),
        ("every Sunday night at 1:30", (0,), 1, 30, "every Monday at 1:30"),
        ("every Friday evening at 6", (4,), 18, 0, "every Friday at 18:00"),
        # ranges of days
        ("mon-fri at 8", WEEKDAYS, 8, 0, "weekdays at 8:00"),
        ("every Monday through Wednesday", (0, 1, 2), 9, 0, None),
        ("every fri to mon at 10am", (0, 4, 5, 6), 10, 0, None),
        ("every week on tuesday at 10", (1,), 10, 0, "every Tuesday at 10:00"),
    ],
)
def test_what_people_type_into_remind_is_read(text, days, hour, minute, described):
    schedule = parse_schedule(text, today=FRIDAY)

    assert (schedule.days, schedule.hour, schedule.minute) == (days, hour, minute)
    assert schedule.month_day is None
    if described:
        assert schedule.describe() == described
    assert Schedule.from_rule(schedule.rule) == schedule


@pytest.mark.parametrize(
    "text",
    [
        "",
        "tomorrow",
        "every fortnight",
        "every day at 25:00",
        "every day at 9:75",
        "every day at 13pm",
        "every blursday at 9",
        "every 5 minutes",
        "every minute",
        "every 2 hours",
        "every day at nine-ish",
        "every",
        "every other Friday",
        "biweekly",
        "every year",
        "every month on the 32nd",
        "every friday at 9am pt",
    ],
)
def test_a_schedule_it_cannot_read_gets_one_line_with_examples(text):
    with pytest.raises(ScheduleError) as raised:
        parse_schedule(text)

    message = str(raised.value)
    assert "\n" not in message and "every Friday at 9:00" in message


@pytest.mark.parametrize(
    ("text", "month_day", "hour", "described"),
    [
        ("every month on the 1st", 1, 9, "every month on the 1st at 9:00"),
        ("monthly on the 22nd at 7pm", 22, 19, "every month on the 22nd at 19:00"),
        ("on the 15th of every month", 15, 9, "every month on the 15th at 9:00"),
        (
            "the last day of every month at 5pm",
            LAST_DAY,
            17,
            "every month on the last day at 17:00",
        ),
        ("monthly", FRIDAY.day, 9, "every month on the 8th at 9:00"),
        ("every month on the 31st", 31, 9, None),
    ],
)
def test_a_day_of_the_month_is_read(text, month_day, hour, described):
    schedule = parse_schedule(text, today=FRIDAY)

    assert (schedule.month_day, schedule.hour, schedule.minute) == (month_day, hour, 0)
    if described:
        assert schedule.describe() == described
    assert Schedule.from_rule(schedule.rule) == schedule
    assert schedule.shortest_gap().days == 28


def test_a_monthly_day_a_month_lacks_falls_on_its_last_day():
    schedule = parse_schedule("every month on the 31st at 9am")
    slots = [datetime(2026, 1, 15)]
    for _ in range(4):
        slots.append(schedule.next_after(slots[-1], "UTC"))

    assert slots[1:] == [
        datetime(2026, 1, 31, 9),
        datetime(2026, 2, 28, 9),
        datetime(2026, 3, 31, 9),
        datetime(2026, 4, 30, 9),
    ]
    assert "last day" in schedule.describe()


def test_a_monthly_slot_in_the_spring_forward_gap_runs_at_three():
    schedule = parse_schedule("every month on the 8th at 2:30")

    # 2026-03-08 2:30 does not exist in New York: the clocks jump from 2:00 EST to 3:00 EDT.
    assert schedule.next_after(datetime(2026, 3, 1), "America/New_York") == datetime(2026, 3, 8, 7)


@pytest.mark.parametrize("text", ["every other week", "every second Tuesday", "every quarter"])
def test_a_period_watches_do_not_run_on_is_named_as_such(text):
    with pytest.raises(ScheduleError) as raised:
        parse_schedule(text)

    assert text in str(raised.value) and "once a month" in str(raised.value)
    assert "more often" not in str(raised.value)


@pytest.mark.parametrize(
    ("text", "described"),
    [
        ("every day at quarter past 9", "every day at 9:15"),
        ("every Friday at half past 5pm", "every Friday at 17:30"),
        ("weekdays at quarter to 8", "weekdays at 7:45"),
    ],
)
def test_the_clocks_words_are_its_times(text, described):
    assert parse_schedule(text).describe() == described


def test_the_stored_rule_is_an_rrule():
    schedule = parse_schedule("weekdays at 8:30")

    assert schedule.rule == "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=8;BYMINUTE=30;BYSECOND=0"


def test_next_slot_is_in_the_owners_wall_clock_time():
    friday_9 = parse_schedule("every Friday at 9am")
    # Thursday 2026-05-07 12:00 UTC; 9:00 in Chicago (CDT, UTC-5) is 14:00 UTC.
    after = datetime(2026, 5, 7, 12, 0)

    assert friday_9.next_after(after, "America/Chicago") == datetime(2026, 5, 8, 14, 0)
    assert friday_9.next_after(after, "Asia/Tokyo") == datetime(2026, 5, 8, 0, 0)


def test_next_slot_is_strictly_after_the_moment():
    daily = parse_schedule("daily")
    slot = datetime(2026, 5, 8, 13, 0)  # 9:00 EDT

    assert daily.next_after(slot, "America/New_York") == datetime(2026, 5, 9, 13, 0)


def test_a_slot_in_the_spring_forward_gap_runs_once_at_three():
    # 2026-03-08: at 2:00 EST clocks jump to 3:00 EDT (07:00 UTC); 2:30 does not exist.
    schedule = parse_schedule("every day at 2:30")
    zone = "America/New_York"

    slots = [schedule.next_after(datetime(2026, 3, 6, 12), zone)]
    while len(slots) < 4:
        slots.append(schedule.next_after(slots[-1], zone))

    assert slots == [
        datetime(2026, 3, 7, 7, 30),  # 2:30 EST
        datetime(2026, 3, 8, 7, 0),  # 3:00 EDT, the moment the clocks jump
        datetime(2026, 3, 9, 6, 30),  # 2:30 EDT
        datetime(2026, 3, 10, 6, 30),
    ]


def test_a_slot_the_clocks_pass_twice_in_autumn_runs_once_at_the_first():
    # 2026-11-01: at 2:00 EDT clocks go back to 1:00 EST; 1:30 happens twice.
    schedule = parse_schedule("every day at 1:30")
    zone = "America/New_York"

    first = schedule.next_after(datetime(2026, 11, 1, 0), zone)
    second = schedule.next_after(first, zone)

    assert first == datetime(2026, 11, 1, 5, 30)  # 1:30 EDT
    assert second == datetime(2026, 11, 2, 6, 30)  # the next day, 1:30 EST


def test_the_latest_missed_slot_is_found_for_a_catch_up():
    daily = parse_schedule("every day at 9am")
    zone = "UTC"
    missed_since = datetime(2026, 5, 4, 9, 0)

    latest = daily.latest_between(missed_since, datetime(2026, 5, 7, 10, 30), zone)

    assert latest == datetime(2026, 5, 7, 9, 0)


@pytest.mark.parametrize(
    ("text", "apart"),
    [
        ("hourly", timedelta(hours=1)),
        ("daily", timedelta(days=1)),
        ("weekdays at 8", timedelta(days=1)),  # Friday to Monday is longer; Monday to Tuesday
        ("every Monday and Thursday", timedelta(days=3)),
        ("weekly on monday", timedelta(days=7)),
        ("every month on the 1st", timedelta(days=28)),
    ],
)
def test_the_shortest_gap_is_the_least_time_between_two_slots(text, apart):
    assert parse_schedule(text).shortest_gap() == apart
