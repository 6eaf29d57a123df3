"""Watch schedules: what people type, read into slots in the owner's wall-clock time."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.watches.schedule import (
    EVERY_DAY,
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
    ],
)
def test_what_people_type_into_remind_is_read(text, days, hour, minute, described):
    schedule = parse_schedule(text, today=FRIDAY)

    assert (schedule.days, schedule.hour, schedule.minute) == (days, hour, minute)
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
    ],
)
def test_a_schedule_it_cannot_read_gets_one_line_with_examples(text):
    with pytest.raises(ScheduleError) as raised:
        parse_schedule(text)

    message = str(raised.value)
    assert "\n" not in message and "every Friday at 9:00" in message


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


def test_hourly_is_an_hour_apart_and_daily_a_day():
    assert parse_schedule("hourly").shortest_gap().total_seconds() == 3600
    assert parse_schedule("weekly").shortest_gap().days == 1
