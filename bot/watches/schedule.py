"""When a watch runs: /remind-like text ("every Friday at 9am", "at 8am every weekday", "every
month on the 1st") read into a schedule, kept as an RFC 5545 RRULE, and its slots computed by
dateutil's rrule in the owner's wall-clock time.

A slot is a wall-clock time in the owner's zone, turned into one instant: the first one for a
time the clocks pass twice (autumn), and the moment the clocks jump for a time they skip
(spring: a 2:30 slot runs at 3:00).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rruleset, rrulestr
from dateutil.tz import datetime_exists

DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
EVERY_DAY = tuple(range(7))
WEEKDAYS = tuple(range(5))
WEEKEND = (5, 6)
DEFAULT_TIME = (9, 0)
EXAMPLES = (
    "every day at 9am",
    "every Friday at 9:00",
    "weekdays at 8:30",
    "every Monday and Thursday at 7pm",
    "weekly on monday",
    "every month on the 1st",
    "daily",
)
# The hour a part of the day names without a clock time ("every Friday morning"); an hour said
# with a part that falls after noon, and no am/pm, is after noon too ("every evening at 6").
PARTS_OF_DAY = {"morning": 9, "afternoon": 15, "evening": 18, "night": 21}
# Where a part of the day lies: an hour said without am or pm is the one of its two readings
# nearer this, round the clock ("every night at 1" is 1:00, "every night at 12" midnight,
# "every evening at 6" 18:00, "every afternoon at 12" noon).
_PART_MIDDLES = {"morning": 9, "afternoon": 15, "evening": 19, "night": 22}
SMALL_HOURS_END = 6  # an evening's or a night's hour before this is after its midnight
LAST_DAY = -1  # Schedule.month_day: the month's last day
# Wall-clock slots are searched a little before the instant asked about: the offset between
# wall time and UTC moves by up to a few hours around a clock change.
_WALL_MARGIN = timedelta(hours=3)

_DAY_WORDS = {
    **{name.lower(): (i,) for i, name in enumerate(DAY_NAMES)},
    **{name.lower()[:3]: (i,) for i, name in enumerate(DAY_NAMES)},
    "tues": (1,),
    "weds": (2,),
    "thur": (3,),
    "thurs": (3,),
    "weekday": WEEKDAYS,
    "workday": WEEKDAYS,
    "weekend": WEEKEND,
    "day": EVERY_DAY,
}
_AMPM = r"[ap]\.?m\.?"
_TIME = re.compile(
    r"^(?:(?P<noon>noon|midday)|(?P<midnight>midnight)|"
    rf"(?P<hour>\d{{1,2}})(?:[:.](?P<minute>\d{{2}}))?\s*(?P<ampm>{_AMPM})?)$"
)
# Where the time of day is said: after "at" (any clock time), or alone when it cannot be
# anything else ("9am", "17:30", "noon"), before or after the days.
_AT_TIME = re.compile(
    rf"(?:^|\s)at\s+(?P<time>noon|midday|midnight|\d{{1,2}}(?:[:.]\d{{2}})?(?:\s*{_AMPM})?)(?=\s|$)"
)
_BARE_TIME = re.compile(
    rf"(?:^|\s)(?P<time>noon|midday|midnight|\d{{1,2}}(?::\d{{2}})?\s*{_AMPM}|\d{{1,2}}:\d{{2}})"
    r"(?=\s|$)"
)
_PART_OF_DAY = re.compile(
    r"(?:^|\s)(?:in\s+the\s+)?(?P<part>morning|afternoon|evening|night)s?(?=\s|$)"
)
_HOURLY = re.compile(r"^(?:every )?hour(?:ly)?$")
# "second" is a period ("every second") unless it counts days ("every second Tuesday").
_COUNTED = r"(?!\s+(?:mon|tue|wed|thu|fri|sat|sun|day|week|month))"
_TOO_OFTEN = re.compile(rf"\b(?:minutes?|mins?|seconds?{_COUNTED}|secs?)\b")
_OTHER_PERIODS = re.compile(
    r"\b(?:other|alternate|fortnight(?:ly)?|bi-?weekly|bi-?monthly|\d+\s+(?:hours|days|weeks|months)"
    r"|(?:second|third|fourth)\s+\w+|years?|yearly|annually|quarter(?:ly)?)\b"
)
# "quarter past 9", "half past 9", "quarter to 9": the clock's words, as hh:mm.
_HOUR = r"(\d{1,2})((?:\s*[ap]\.?m\.?)?)\b"
_CLOCK_WORDS = (
    (re.compile(rf"\bquarter\s+past\s+{_HOUR}"), lambda m: f"{m[1]}:15{m[2]}"),
    (re.compile(rf"\bhalf\s+past\s+{_HOUR}"), lambda m: f"{m[1]}:30{m[2]}"),
    (re.compile(rf"\bquarter\s+to\s+{_HOUR}"), lambda m: f"{(int(m[1]) - 1) % 12 or 12}:45{m[2]}"),
)
_DAY_OF_MONTH = r"(?:the\s+)?(?:(?P<day>\d{1,2})(?:st|nd|rd|th)?|(?P<last>last)(?:\s+day)?)"
_MONTHLY = re.compile(
    rf"^(?:month|monthly)(?:\s+on)?(?:\s+{_DAY_OF_MONTH}(?:\s+of\s+the\s+month)?)?$"
)
_DAY_OF_EVERY_MONTH = re.compile(rf"^(?:on\s+)?{_DAY_OF_MONTH}\s+of\s+(?:every|the)\s+month$")
_DAY_RANGE = re.compile(r"(?P<first>\w+)\s*(?:-|–|to|through|thru|till|until)\s*(?P<last>\w+)")


class ScheduleError(ValueError):
    """Text that is not a schedule dealbot can read; the message is one line for the user."""


@dataclass(frozen=True)
class Schedule:
    """Days of the week (0 is Monday) and a time of day; `hour` None means every hour. A
    monthly schedule has a `month_day` instead of days: 1 to 31 (in a month too short for it,
    its last day), or LAST_DAY."""

    days: tuple[int, ...]
    hour: int | None
    minute: int
    month_day: int | None = None

    @property
    def rule(self) -> str:
        """The RRULE as stored with the watch, e.g. FREQ=DAILY;BYDAY=FR;BYHOUR=9;BYMINUTE=0."""
        if self.month_day is None:
            parts = ["FREQ=HOURLY" if self.hour is None else "FREQ=DAILY"]
            if self.days != EVERY_DAY:
                parts.append("BYDAY=" + ",".join(DAY_CODES[d] for d in self.days))
        elif self.month_day > 28:  # that day or, in a month without it, its last: the earlier
            parts = ["FREQ=MONTHLY", f"BYMONTHDAY={self.month_day},{LAST_DAY}", "BYSETPOS=1"]
        else:
            parts = ["FREQ=MONTHLY", f"BYMONTHDAY={self.month_day}"]
        if self.hour is not None:
            parts.append(f"BYHOUR={self.hour}")
        parts += [f"BYMINUTE={self.minute}", "BYSECOND=0"]
        return ";".join(parts)

    @classmethod
    def from_rule(cls, rule: str) -> Schedule:
        """The schedule a stored RRULE (as `rule` writes it) describes."""
        fields = dict(part.split("=", 1) for part in rule.split(";"))
        minute = int(fields["BYMINUTE"])
        if fields["FREQ"] == "MONTHLY":
            day = int(fields["BYMONTHDAY"].split(",")[0])
            return cls(days=EVERY_DAY, hour=int(fields["BYHOUR"]), minute=minute, month_day=day)
        days = EVERY_DAY
        if "BYDAY" in fields:
            days = tuple(DAY_CODES.index(code) for code in fields["BYDAY"].split(","))
        hour = int(fields["BYHOUR"]) if fields["FREQ"] == "DAILY" else None
        return cls(days=days, hour=hour, minute=minute)

    def describe(self) -> str:
        """As people read it: "every Friday at 9:00", "weekdays at 8:30", "every hour at :15",
        "every month on the 1st at 9:00"."""
        if self.month_day is not None:
            days = f"every month on {_month_day(self.month_day)}"
        elif self.days == EVERY_DAY:
            days = "every day"
        elif self.days == WEEKDAYS:
            days = "weekdays"
        elif self.days == WEEKEND:
            days = "weekends"
        else:
            names = [DAY_NAMES[d] for d in self.days]
            days = "every " + (names[0] if len(names) == 1 else ", ".join(names[:-1]))
            days += f" and {names[-1]}" if len(names) > 1 else ""
        if self.hour is None:
            hourly = "every hour" if self.days == EVERY_DAY else f"{days}, every hour"
            return f"{hourly} at :{self.minute:02d}"
        return f"{days} at {self.hour}:{self.minute:02d}"

    def shortest_gap(self) -> timedelta:
        """The least time between two slots (wall clock): what the hourly floor is held to."""
        if self.month_day is not None:
            return timedelta(days=28)
        if self.hour is None:
            return timedelta(hours=1)
        days = sorted(self.days)  # days between two of them, round the week: once a week is 7
        following = [*days[1:], days[0] + 7]
        return timedelta(days=min(b - a for a, b in zip(days, following, strict=True)))

    # --- slots ------------------------------------------------------------------------------

    def _walls(self, start: datetime) -> rrule | rruleset:
        """The slots' wall-clock times from `start` (naive, in the owner's zone)."""
        return rrulestr(self.rule, dtstart=start.replace(hour=0, minute=0, second=0, microsecond=0))

    def next_after(self, moment: datetime, timezone: str) -> datetime:
        """The first slot strictly after `moment` (naive UTC), as naive UTC."""
        zone = ZoneInfo(timezone)
        wall = _wall(moment, zone) - _WALL_MARGIN
        for slot in self._walls(wall).xafter(wall, inc=True):
            instant = wall_to_utc(slot, zone)
            if instant > moment:
                return instant
        raise AssertionError("a weekly-or-more-often rule always has a next slot")

    def latest_between(self, earliest: datetime, moment: datetime, timezone: str) -> datetime:
        """The last slot in [earliest, moment] (naive UTC); `earliest` itself is expected to
        be a slot (a watch's next run), so there is always one."""
        zone = ZoneInfo(timezone)
        start, end = _wall(earliest, zone) - _WALL_MARGIN, _wall(moment, zone) + _WALL_MARGIN
        instants = [wall_to_utc(s, zone) for s in self._walls(start).between(start, end, inc=True)]
        due = [instant for instant in instants if earliest <= instant <= moment]
        return max(due, default=earliest)


def _wall(moment: datetime, zone: ZoneInfo) -> datetime:
    """A naive UTC instant as naive wall-clock time in `zone`."""
    return moment.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)


def wall_to_utc(wall: datetime, zone: ZoneInfo) -> datetime:
    """The instant (naive UTC) a wall-clock time in `zone` stands for: its first occurrence
    when the clocks pass it twice, the moment they jump when they skip it."""
    local = wall.replace(tzinfo=zone)  # fold=0: the earlier of two
    if datetime_exists(local):
        return local.astimezone(UTC).replace(tzinfo=None)
    # In a gap, fold=1 reads it with the offset after the change and lands before the jump,
    # fold=0 with the offset before and lands after it: the jump lies between.
    before = local.replace(fold=1).astimezone(UTC)
    after = local.replace(fold=0).astimezone(UTC)
    return _clock_change(before, after, zone).replace(tzinfo=None)


def _clock_change(before: datetime, after: datetime, zone: ZoneInfo) -> datetime:
    """The first instant in (before, after] with `after`'s offset: when the clocks jumped
    (tz changes fall on whole seconds)."""
    offset = after.astimezone(zone).utcoffset()
    while after - before > timedelta(seconds=1):
        middle = before + (after - before) / 2
        if middle.astimezone(zone).utcoffset() == offset:
            after = middle
        else:
            before = middle
    return after - timedelta(microseconds=after.microsecond)


# --- reading what people type ------------------------------------------------------------------


MAX_SCHEDULE_CHARS = 100  # "every weekday except Friday at 9:30 in the morning" is 50


def parse_schedule(text: str, *, today: date | None = None) -> Schedule:
    """Read what people type into Slack's /remind: "every Friday at 9am", "every day at 8:30",
    "at 8am every weekday", "every Friday morning", "mon-fri at 7", "daily", "weekly on
    monday", "hourly", "every month on the 15th". Without a time, 9:00; "weekly" without a day
    means `today`'s weekday, "monthly" `today`'s day of the month (Monday and the 1st when not
    given). Raises ScheduleError."""
    if len(text) > MAX_SCHEDULE_CHARS:
        raise ScheduleError(f"a schedule is at most {MAX_SCHEDULE_CHARS} characters: {_examples()}")
    words = _normalized(text)
    if not words:
        raise ScheduleError(_unreadable(text))
    if _TOO_OFTEN.search(words):
        raise ScheduleError(f"“{text.strip()}” is more often than I run watches: {_examples()}")
    if re.match(r"(?:every\s+)?hour", words):
        hours, _, past = words.partition(" at ")
        if _HOURLY.match(hours):
            return Schedule(EVERY_DAY, None, _minute_past(past, text))
    if _OTHER_PERIODS.search(words):
        raise ScheduleError(
            f"I can't run a watch “{text.strip()}”: watches run every hour, every day, on days "
            f"of the week or once a month; {_examples()}"
        )
    (hour, minute), timed, words, part = _time_of_day(words, text)
    # "every Friday night at 1" is in the small hours of Saturday.
    late_night = part in ("evening", "night") and hour < SMALL_HOURS_END
    words = re.sub(r"^every\b\s*", "", words)
    if not words and not timed:  # "every"
        raise ScheduleError(_unreadable(text))
    month_day = _month_day_of(words, today, text)
    if month_day is not None:
        return Schedule(EVERY_DAY, hour, minute, month_day)
    days = _days(words, today, text)
    if late_night:
        days = tuple(sorted((day + 1) % 7 for day in days))
    return Schedule(days, hour, minute)


def _normalized(text: str) -> str:
    """Lower case, single spaces, "each" read as "every", "@" as "at", no commas and no
    punctuation at the end ("every day at 9am.")."""
    words = text.lower().replace(",", " ").replace("@", " at ")
    words = " ".join(words.split()).rstrip(" .!?;:")
    for said, clock in _CLOCK_WORDS:
        words = said.sub(clock, words)
    return re.sub(r"\beach\b", "every", words)


def _time_of_day(words: str, text: str) -> tuple[tuple[int, int], bool, str, str | None]:
    """The time of day the words name (9:00 when none), whether they name one, the words
    without it, and the part of the day they name ("night"), if any."""
    said = _AT_TIME.search(words) or _BARE_TIME.search(words)
    if said is not None:
        words = _without(words, said)
    found = _PART_OF_DAY.search(words)
    part = None if found is None else found["part"]
    if found is not None:
        words = _without(words, found)
    if said is None:
        if part is None:
            return DEFAULT_TIME, False, words, None
        return (PARTS_OF_DAY[part], 0), True, words, part
    hour, minute = _time(said["time"], text)
    if part is not None and hour <= 12 and not re.search(r"[ap]\.?m", said["time"]):
        middle = _PART_MIDDLES[part]
        hour = min((hour % 12, hour % 12 + 12), key=lambda h: _hours_apart(h, middle))
    return (hour, minute), True, words, part


def _hours_apart(one: int, other: int) -> int:
    apart = abs(one - other) % 24
    return min(apart, 24 - apart)


def _without(words: str, match: re.Match[str]) -> str:
    return " ".join((words[: match.start()] + " " + words[match.end() :]).split())


def _month_day_of(words: str, today: date | None, text: str) -> int | None:
    """For a monthly schedule, its day of the month (LAST_DAY for the last); else None."""
    said = _MONTHLY.match(words) or _DAY_OF_EVERY_MONTH.match(words)
    if said is None:
        return None
    if said["last"]:
        return LAST_DAY
    if said["day"] is None:
        return today.day if today else 1
    day = int(said["day"])
    if not 1 <= day <= 31:
        raise ScheduleError(f"“{text.strip()}”: a month has no day {day}; {_examples()}")
    return day


def _month_day(day: int) -> str:
    """ "the 1st", "the 22nd", "the 30th (or the month's last day)", "the last day"."""
    if day == LAST_DAY:
        return "the last day"
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    shorter = " (or the month's last day)" if day > 28 else ""
    return f"the {day}{suffix}{shorter}"


def _days(words: str, today: date | None, text: str) -> tuple[int, ...]:
    if words in ("", "daily", "day", "days", "everyday"):  # "every" is gone already
        return EVERY_DAY  # a time alone ("at 5pm") is every day
    if words in ("weekly", "week"):
        return ((today.weekday() if today else 0),)
    words = re.sub(r"^(?:weekly|week)\s+on\s+|^on\s+", "", words)
    words = _DAY_RANGE.sub(_spelled_out_range, words)
    days: set[int] = set()
    for word in re.split(r"\s+(?:and|&)\s+|\s+", words):
        found = _day_word(word)
        if found is None:
            raise ScheduleError(_unreadable(text))
        days.update(found)
    return tuple(sorted(days))


def _day_word(word: str) -> tuple[int, ...] | None:
    return _DAY_WORDS.get(word.removesuffix("s")) or _DAY_WORDS.get(word)


def _spelled_out_range(match: re.Match[str]) -> str:
    """ "mon-fri" → "mon tue wed thu fri" (wrapping past Sunday); other words as they were."""
    first, last = _day_word(match["first"]), _day_word(match["last"])
    if first is None or last is None or len(first) != 1 or len(last) != 1:
        return match[0]
    span = (last[0] - first[0]) % 7
    return " ".join(DAY_NAMES[(first[0] + step) % 7].lower() for step in range(span + 1))


def _time(words: str, text: str) -> tuple[int, int]:
    match = _TIME.match(words.strip())
    if match is None:
        raise ScheduleError(_unreadable(text))
    if match["noon"]:
        return 12, 0
    if match["midnight"]:
        return 0, 0
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    ampm = (match["ampm"] or "").replace(".", "")
    if minute > 59 or hour > 23 or (ampm and not 1 <= hour <= 12):
        raise ScheduleError(f"“{words}” is not a time of day: {_examples()}")
    if ampm:
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    return hour, minute


def _minute_past(words: str, text: str) -> int:
    """ "hourly" alone is on the hour; "hourly at :15" at a quarter past."""
    if not words:
        return 0
    match = re.fullmatch(r":?(\d{1,2})", words.strip())
    if match is None or int(match[1]) > 59:
        raise ScheduleError(_unreadable(text))
    return int(match[1])


def _examples() -> str:
    return "try " + ", ".join(f"“{example}”" for example in EXAMPLES) + "."


def _unreadable(text: str) -> str:
    return f"I can't read “{text.strip()}” as a schedule; {_examples()}"
