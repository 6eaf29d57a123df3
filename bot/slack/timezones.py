"""Each asker's time zone, as their Slack profile has it, asked of Slack once an hour."""

from __future__ import annotations

import logging
import threading
from zoneinfo import ZoneInfo

from cachetools import TTLCache
from slack_sdk import WebClient

from bot.records import Origin
from bot.slack.reply import SLACK_FAILURES

log = logging.getLogger(__name__)

TZ_CACHE_SECONDS = 3600
TZ_CACHE_USERS = 10_000


class TimeZones:
    """Users' time zones, cached per workspace and user; the default where Slack has none.
    A failed lookup is not cached: the next question asks again."""

    def __init__(self, default: str) -> None:
        self.default = default
        self._cache: TTLCache[tuple[str | None, str], str] = TTLCache(
            maxsize=TZ_CACHE_USERS, ttl=TZ_CACHE_SECONDS
        )
        self._lock = threading.Lock()  # TTLCache is not thread-safe

    def of(self, client: WebClient, origin: Origin) -> str:
        user_id = origin.user_id
        if not user_id:
            return self.default
        key = (origin.team_id, user_id)
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None:
            return cached
        try:
            tz = client.users_info(user=user_id)["user"].get("tz") or self.default
            ZoneInfo(tz)
        except (*SLACK_FAILURES, KeyError, TypeError, ValueError) as exc:
            log.info("no time zone for %s (%s): using the default", user_id, exc)
            return self.default
        with self._lock:
            self._cache[key] = tz
        return tz
