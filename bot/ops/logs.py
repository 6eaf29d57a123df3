"""Log lines an operator can use: one format (text or JSON lines), no secrets, no floods."""

from __future__ import annotations

import logging
import re
import sys
import threading
import time
from collections.abc import Iterable
from typing import Literal, TextIO

from pydantic import BaseModel
from pythonjsonlogger.json import JsonFormatter

from bot.settings import mask_passwords

LogFormat = Literal["text", "json"]

HANDLER_NAME = "dealbot"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
JSON_NAMES = {"asctime": "time", "levelname": "level", "name": "logger"}
# Libraries that log every request or migration step at INFO, or whole request bodies (Bolt
# logs a refused request's body, verification token included): warnings only, at any level.
# Matched as name prefixes (httpx2 too): Bolt sets its loggers' levels itself.
QUIET_LIBRARIES = ("httpx", "httpcore", "urllib3", "slack_bolt", "slack_sdk", "alembic")
REPEAT_WINDOW_S = 10.0
# Secrets by their shape, wherever they come from: Slack tokens and Anthropic keys (a URL's
# password is masked by settings.mask_passwords, the same as in every message).
SECRET_SHAPES = (
    (re.compile(r"\b(xox[a-z]|xapp)-[A-Za-z0-9-]+"), r"\1-***"),
    (re.compile(r"\bsk-ant-[A-Za-z0-9_-]+"), "sk-ant-***"),
)
SECRET_NAMES = ("token", "secret", "key", "password")
MIN_SECRET_CHARS = 6
MAX_TEMPLATES = 1024


def configure(
    level: str | int,
    log_format: LogFormat = "text",
    *,
    secrets: Iterable[str | None] = (),
    stream: TextIO | None = None,
) -> logging.Handler:
    """Send every log record to stderr (or `stream`) as text or JSON lines, with secrets masked
    and repeated warnings thinned; replaces the handler an earlier call installed."""
    handler = logging.StreamHandler(stream) if stream else StderrHandler()
    handler.set_name(HANDLER_NAME)
    inner = _json_formatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    handler.setFormatter(Redacting(inner, secrets))
    handler.addFilter(QuietLibraries(QUIET_LIBRARIES))
    handler.addFilter(RepeatFilter(REPEAT_WINDOW_S))
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    return handler


class StderrHandler(logging.StreamHandler):
    """Writes to `sys.stderr` as it is at each record (as logging's own last resort does), so a
    swapped or closed stream (tests capture it) is never written to later."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self) -> TextIO:
        return sys.stderr


def secrets_of(settings: BaseModel) -> list[str]:
    """The values of every setting named like a secret (tokens, secrets, keys)."""
    return [
        value
        for name, value in settings.model_dump().items()
        if isinstance(value, str) and any(word in name for word in SECRET_NAMES)
    ]


def _json_formatter() -> logging.Formatter:
    return JsonFormatter(JSON_FIELDS, rename_fields=JSON_NAMES)


class Redacting(logging.Formatter):
    """Formats with `inner`, then masks configured secret values and anything shaped like one."""

    def __init__(self, inner: logging.Formatter, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self.inner = inner
        self.secrets = sorted(
            {s for s in secrets if s and len(s) >= MIN_SECRET_CHARS}, key=len, reverse=True
        )

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(self.inner.format(record))

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        for shape, replacement in SECRET_SHAPES:
            text = shape.sub(replacement, text)
        return mask_passwords(text)


class QuietLibraries(logging.Filter):
    """Only warnings and errors from loggers whose names start with one of `prefixes`."""

    def __init__(self, prefixes: tuple[str, ...]) -> None:
        super().__init__()
        self.prefixes = prefixes

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or not record.name.startswith(self.prefixes)


class RepeatFilter(logging.Filter):
    """At most one warning or error per logger and message template every `window_s` seconds;
    the next one that passes says how many were held back. INFO and below always pass."""

    def __init__(self, window_s: float) -> None:
        super().__init__()
        self.window_s = window_s
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        key = (record.name, str(record.msg))
        now = time.monotonic()
        with self._lock:
            last, held = self._seen.get(key, (-self.window_s, 0))
            if now - last < self.window_s:
                self._seen[key] = (last, held + 1)
                return False
            self._seen[key] = (now, 0)
            if len(self._seen) > MAX_TEMPLATES:
                self._forget(now)
        if held:
            record.msg = f"{record.msg} ({held} more like this in the last {self.window_s:g}s)"
        return True

    def _forget(self, now: float) -> None:
        """Messages built before logging (f-strings) make new keys: drop the quiet ones."""
        for key, (last, _) in list(self._seen.items()):
            if now - last >= self.window_s:
                del self._seen[key]
