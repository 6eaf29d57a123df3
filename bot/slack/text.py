"""Text from the model or the data, made safe to show in Slack: shown, never obeyed."""

from __future__ import annotations

import re

# C0/C1 controls (but newline and tab), zero-width and bidirectional-override characters:
# invisible text that could hide or reorder what the reader sees.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u061c]"
)
_MASS_MENTION = re.compile(r"@(?=(channel|here|everyone)\b)", re.IGNORECASE)
_LINK = re.compile(r"\[([^\]\n]+)\]\((\S+?)\)")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*$", re.MULTILINE)
_BULLET = re.compile(r"^(\s*)[-*+]\s+", re.MULTILINE)
_STRIKE = re.compile(r"~~(.+?)~~")


def clean(text: str) -> str:
    """Drop control and bidi characters; normalise line endings."""
    return _UNSAFE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def escape(text: str) -> str:
    """Escape for mrkdwn so no <@user>, <!channel> or <url|label> can be formed."""
    text = clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # A full-width commercial at keeps "@here" readable but never a mass mention.
    return _MASS_MENTION.sub("＠", text)


def to_mrkdwn(markdown: str) -> str:
    """The model's Markdown as Slack mrkdwn, escaped; links shown as text with their address."""
    text = escape(markdown)
    text = _LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})", text)
    text = _BOLD.sub(r"*\1*", text)
    text = _HEADING.sub(r"*\1*", text)
    text = _BULLET.sub(r"\1• ", text)
    return _STRIKE.sub(r"~\1~", text)


def shorten(text: str, limit: int, *, marker: str = "…") -> str:
    """Cut text to at most `limit` characters, at a line end when one is near."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(marker)]
    newline = cut.rfind("\n")
    if newline > limit * 0.6:
        cut = cut[:newline]
    return cut.rstrip() + marker


def chunks(text: str, size: int) -> list[str]:
    """Split text into pieces of at most `size` characters, preferring line breaks."""
    pieces: list[str] = []
    while len(text) > size:
        cut = text.rfind("\n", 0, size) + 1
        if cut < size // 2:
            cut = size
        pieces.append(text[:cut])
        text = text[cut:]
    if text:
        pieces.append(text)
    return pieces
