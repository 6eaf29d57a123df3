"""When a watch runs: /remind-like text ("every Friday at 9am") read into a schedule, kept as
an RFC 5545 RRULE, and its slots computed by dateutil's rrule in the owner's wall-clock time.

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
    "daily",
)
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
_TIME = re.compile(
    r"^(?:(?P<noon>noon|midday)|(?P<midnight>midnight)|"
    r"(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?)$"
)
_HOURLY = re.compile(r"^(?:every )?hour(?:ly)?$|^hourly$")
_TOO_OFTEN = re.compile(r"\b(?:minutes?|mins?|seconds?|secs?)\b")


class ScheduleError(ValueError):
    """Text that is not a schedule dealbot can read; the message is one line for the user."""


@dataclass(frozen=True)
class Schedule:
    """Days of the week (0 is Monday) and a time of day; `hour` None means every hour."""

    days: tuple[int, ...]
    hour: int | None
    minute: int

    @property
    def rule(self) -> str:
        """The RRULE as stored with the watch, e.g. FREQ=DAILY;BYDAY=FR;BYHOUR=9;BYMINUTE=0."""
        parts = ["FREQ=HOURLY" if self.hour is None else "FREQ=DAILY"]
        if self.days != EVERY_DAY:
            parts.append("BYDAY=" + ",".join(DAY_CODES[d] for d in self.days))
        if self.hour is not None:
            parts.append(f"BYHOUR={self.hour}")
        parts += [f"BYMINUTE={self.minute}", "BYSECOND=0"]
        return ";".join(parts)

    @classmethod
    def from_rule(cls, rule: str) -> Schedule:
        """The schedule a stored RRULE (as `rule` writes it) describes."""
        fields = dict(part.split("=", 1) for part in rule.split(";"))
        days = EVERY_DAY
        if "BYDAY" in fields:
            days = tuple(DAY_CODES.index(code) for code in fields["BYDAY"].split(","))
        hour = int(fields["BYHOUR"]) if fields["FREQ"] == "DAILY" else None
        return cls(days=days, hour=hour, minute=int(fields["BYMINUTE"]))

    def describe(self) -> str:
        """As people read it: "every Friday at 9:00", "weekdays at 8:30", "every hour at :15"."""
        if self.days == EVERY_DAY:
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
        return timedelta(hours=1) if self.hour is None else timedelta(days=1)

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


def parse_schedule(text: str, *, today: date | None = None) -> Schedule:
    """Read what people type into Slack's /remind: "every Friday at 9am", "every day at 8:30",
    "every weekday", "daily", "weekly on monday", "hourly". Without a time, 9:00; "weekly"
    without a day means `today`'s weekday (Monday when not given). Raises ScheduleError."""
    words = " ".join(text.lower().replace(",", " ").split())
    words = re.sub(r"^every\s+", "", words)
    if not words:
        raise ScheduleError(_unreadable(text))
    if _TOO_OFTEN.search(words):
        raise ScheduleError(f"“{text.strip()}” is more often than I run watches: {_examples()}")
    days_part, _, time_part = words.partition(" at ")
    if _HOURLY.match(days_part):
        return Schedule(EVERY_DAY, None, _minute_past(time_part, text))
    hour, minute = _time(time_part, text) if time_part else DEFAULT_TIME
    return Schedule(_days(days_part, today, text), hour, minute)


def _days(words: str, today: date | None, text: str) -> tuple[int, ...]:
    if words in ("daily", "day", "days", "every day", "everyday"):
        return EVERY_DAY
    if words in ("weekly", "week"):
        return ((today.weekday() if today else 0),)
    words = re.sub(r"^(?:weekly|every week)\s+on\s+|^on\s+", "", words)
    days: set[int] = set()
    for word in re.split(r"\s+(?:and|&)\s+|\s+", words):
        found = _DAY_WORDS.get(word.removesuffix("s")) or _DAY_WORDS.get(word)
        if found is None:
            raise ScheduleError(_unreadable(text))
        days.update(found)
    return tuple(sorted(days))


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
