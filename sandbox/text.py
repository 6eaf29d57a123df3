"""Text that came out of a worker, made safe to store, show and log.

A program controls every character it prints or answers, so before any of it reaches the
database, Slack, a terminal or a log line: surrogate pairs become the character they encode,
lone surrogates (which no encoder accepts) become U+FFFD, and NUL, the other C0 and C1
control characters and DEL are dropped (tab and newline stay). The bot stores every text
through the same function. Log lines also get newlines escaped and a length cap, so a
program cannot forge lines or flood the log.
"""

from __future__ import annotations

import re
from typing import Final

MAX_LOGGED_CHARS: Final = 200
_UNSAFE: Final = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_SURROGATES: Final = re.compile("[\ud800-\udfff]")
_CONTROLS: Final = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """`text` with surrogates mended and control characters (but tab, newline) removed."""
    text = str.__str__(text)  # an exact str: a subclass could lie about its length or content
    if _UNSAFE.search(text) is None:
        return text
    if _SURROGATES.search(text):
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return _CONTROLS.sub("", text)


def loggable(text: object, limit: int = MAX_LOGGED_CHARS) -> str:
    """One safe log-line fragment: clean, newlines and tabs escaped, at most `limit` chars."""
    value = clean_text(text) if isinstance(text, str) else type(text).__name__
    value = value.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")
    return value if len(value) <= limit else value[: limit - 1] + "…"
