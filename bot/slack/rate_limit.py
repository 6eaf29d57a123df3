"""The per-user limit on questions (DEALBOT_RATE_LIMIT per DEALBOT_RATE_WINDOW_S), counted
from the code history, so that every process sharing the database counts the same."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.history import History, utcnow
from bot.records import Origin
from bot.slack.text import plural


@dataclass(frozen=True)
class RateLimit:
    limit: int
    window_s: int

    def describe_window(self) -> str:
        """As in "the last hour", "the last 2 hours", "the last 30 minutes"."""
        for seconds, unit in ((3600, "hour"), (60, "minute"), (1, "second")):
            if self.window_s % seconds == 0:
                count = self.window_s // seconds
                return unit if count == 1 else plural(count, unit)
        return plural(self.window_s, "second")


class RateLimiter:
    """Whether an asker is over the limit, and when they may ask again."""

    def __init__(self, limit: RateLimit, history: History) -> None:
        self.limit = limit
        self.history = history

    def over(self, origin: Origin) -> bool:
        """Over the asker's limit in their workspace (this question, already recorded, counts)."""
        if not origin.user_id or self.limit.limit <= 0:
            return False
        since = utcnow() - timedelta(seconds=self.limit.window_s)
        asked = self.history.in_workspace(origin.team_id).count_since(origin.user_id, since)
        return asked > self.limit.limit

    def again_at(self, origin: Origin) -> datetime | None:
        """When the asker may ask again: their questions counted so far, this one included,
        drop below the limit as the window moves on."""
        window = timedelta(seconds=self.limit.window_s)
        runs = self.history.in_workspace(origin.team_id)
        since = utcnow() - window
        oldest_counted = runs.asked_at(origin.user_id or "", since, nth_newest=self.limit.limit)
        return oldest_counted + window if oldest_counted is not None else None
