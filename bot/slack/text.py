"""Text from the model or the data, made safe to show in Slack: shown, never obeyed."""

from __future__ import annotations

import re
from datetime import UTC, datetime

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
# An HTML character reference (which a Markdown renderer would turn back into "<").
_ENTITY = re.compile(r"&(?=#?[0-9a-zA-Z]+;)")
# [label](address "title") and ![alt](address); a reference definition "[name]: address".
_MD_LINK = re.compile(r"(!?)\[([^\]\n]*)\]\(\s*([^)\s]+)(?:\s+\"[^\"\n]*\")?\s*\)")
_MD_REFERENCE = re.compile(r"^(\s{0,3})\[([^\]\n]+)\]:\s*(\S+)", re.MULTILINE)
_FENCE = re.compile("`{3,}")


def clean(text: str) -> str:
    """Drop control and bidi characters; normalise line endings."""
    return _UNSAFE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def escape(text: str) -> str:
    """Escape for mrkdwn so no <@user>, <!channel> or <url|label> can be formed."""
    text = clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # A full-width commercial at keeps "@here" readable but never a mass mention.
    return _MASS_MENTION.sub("＠", text)


def to_markdown(markdown: str) -> str:
    """The model's Markdown made safe for a `markdown` block or a stream: standard Markdown
    stays, but no <@user>, <!here> or <url|label> token can form (a full-width "＜" stands in
    for "<", "＆" starts no entity), no @here pings, and a link whose text differs from its
    address shows both, so no link can pretend to go somewhere else."""
    text = _ENTITY.sub("＆", clean(markdown)).replace("<", "＜")
    text = _MASS_MENTION.sub("＠", text)
    text = _MD_LINK.sub(_honest_link, text)
    return _MD_REFERENCE.sub(r"\1\2: \3", text)


def plain_text(text: str) -> str:
    """Text for fields Slack shows as written (table cells, chart labels, titles): clean, and
    unable to form a mention or a link token should Slack ever read one there."""
    return _MASS_MENTION.sub("＠", clean(text).replace("<", "＜"))


def _honest_link(match: re.Match[str]) -> str:
    image, label, target = match.group(1), match.group(2), match.group(3)
    if not image and label.strip() == target:
        return target  # Slack links a bare address itself, with the address as its text
    return f"{label} ({target})"


def code_fence(code: str) -> str:
    """A program inside a mrkdwn code block: escaped, and unable to close the fence early."""
    text = clean(code).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _FENCE.sub(lambda m: "ˋ" * len(m.group()), text)
    return f"```\n{text}\n```"


def slack_date(moment: datetime, pattern: str = "{date_short_pretty} at {time}") -> str:
    """A moment (naive UTC) that Slack shows in each reader's own time zone, with a UTC
    fallback for clients that cannot."""
    aware = moment.replace(tzinfo=UTC)
    fallback = f"{aware:%b %d, %Y %H:%M} UTC"
    return f"<!date^{int(aware.timestamp())}^{pattern}|{fallback}>"


def plural(count: int, noun: str) -> str:
    """ "1 question", "2 questions" (nouns that take an s)."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


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
