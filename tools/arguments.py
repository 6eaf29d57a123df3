"""Checks and conversions of tool arguments, forgiving in form and exact in their errors."""

from __future__ import annotations

import contextlib
import reprlib
from datetime import date, datetime, tzinfo
from typing import TypeVar

from tools.errors import ToolArgumentError
from tools.text_search import singular, words

# The longest text each kind of argument may be. Tools run in the bot's own process, so an
# argument is refused by its length before any work is done on it; these are far above what
# a shopper's question needs and far below what costs the process noticeable time.
MAX_QUERY_CHARS = 200  # what to look for: "orange soda", "gluten free bread"
MAX_NAME_CHARS = 100  # a store, category or deal kind
MAX_DATE_CHARS = 40  # a date as text: "2026-11-28" or an ISO date and time
MAX_NUMBER_CHARS = 20  # a number as text: "10", "30%"
# How much of a refused argument an error message quotes back.
QUOTE_CHARS = 60


class _ShortRepr(reprlib.Repr):
    """repr() cut short: long text, long lists and huge numbers are elided, never built whole."""

    def __init__(self) -> None:
        super().__init__()
        self.maxstring = self.maxother = QUOTE_CHARS
        self.maxlist = self.maxtuple = self.maxset = self.maxfrozenset = self.maxdict = 5

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 4 * QUOTE_CHARS:
            digits = x.bit_length() * 30103 // 100000 + 1  # log10(2) = 0.30103
            return f"<a whole number of about {digits:,} digits>"
        return super().repr_int(x, level)


_short_repr = _ShortRepr().repr


def quoted(value: object) -> str:
    """`value` as an error message may show it: like repr(), at most about QUOTE_CHARS long."""
    return _short_repr(value)


def check_length(tool: str, name: str, value: str, longest: int) -> str:
    """`value` unchanged when at most `longest` characters, else a refusal saying by how much."""
    if len(value) > longest:
        raise ToolArgumentError(
            f"{tool}: {name} is {len(value):,} characters; keep it to {longest:,} or fewer"
        )
    return value


def as_date(
    tool: str, name: str, value: object, *, example: date, zone: tzinfo | None = None
) -> date | None:
    """A `date`, a `datetime` or an ISO string ("2026-11-28", "2026-11-28T09:30") as a date;
    None stays None. A datetime with a time zone is first put in `zone` (the shopper's):
    midnight UTC is still the evening before in Los Angeles."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, str):
        check_length(tool, name, value, MAX_DATE_CHARS)
        text = value.strip()
        with contextlib.suppress(ValueError):
            return date.fromisoformat(text)
        with contextlib.suppress(ValueError):
            value = datetime.fromisoformat(text)
    if isinstance(value, datetime):
        if value.tzinfo is not None and zone is not None:
            value = value.astimezone(zone)
        return value.date()
    raise ToolArgumentError(
        f"{tool}: {name} must be a date like {example.isoformat()}, got {quoted(value)}"
        " (for relative days use today() + timedelta(days=n))"
    )


def as_count(tool: str, name: str, value: object, *, low: int, high: int) -> int:
    """A whole number from `low` to `high`; digit strings are accepted, booleans are not."""
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float | str) and _whole(tool, name, value):
        number = int(value)
    if number is None or not low <= number <= high:
        raise ToolArgumentError(
            f"{tool}: {name} must be a whole number from {low} to {high}, got {quoted(value)}"
        )
    return number


def _whole(tool: str, name: str, value: object) -> bool:
    if isinstance(value, float):
        return value.is_integer()
    if not isinstance(value, str):
        return False
    text = check_length(tool, name, value, MAX_NUMBER_CHARS).strip()
    return text.isascii() and text.isdigit()  # str.isdigit alone takes "²", which int() refuses


def as_flag(tool: str, name: str, value: object) -> bool | None:
    """True, False, or None for "either"."""
    if value is None or isinstance(value, bool):
        return value
    raise ToolArgumentError(
        f"{tool}: {name} must be True, False or None (either), got {quoted(value)}"
    )


def as_percent(tool: str, name: str, value: object) -> float | None:
    """A percentage from 0 to 100; "30%" and "30" are read as 30."""
    if value is None:
        return None
    number = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        check_length(tool, name, value, MAX_NUMBER_CHARS)
        try:
            number = float(value.strip().removesuffix("%"))
        except ValueError:
            number = None
    if number is None or not 0 <= number <= 100:
        raise ToolArgumentError(
            f"{tool}: {name} must be a percentage from 0 to 100 like 30, got {quoted(value)}"
        )
    return number


def as_text(
    tool: str, name: str, value: object, *, example: str, longest: int = MAX_NAME_CHARS
) -> str | None:
    """Non-empty text of at most `longest` characters, stripped; None and "" stay "no
    filter" (None)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ToolArgumentError(
            f"{tool}: {name} must be text like {example!r} or None, got {quoted(value)}"
        )
    return check_length(tool, name, value, longest).strip() or None


def as_query(tool: str, value: object) -> str | None:
    """What to look for: text of at most MAX_QUERY_CHARS characters; None and "" are None."""
    return as_text(tool, "query", value, example="orange soda", longest=MAX_QUERY_CHARS)


Choice = TypeVar("Choice", bound=str)


def as_choice(tool: str, name: str, value: object, choices: tuple[Choice, ...]) -> Choice | None:
    """One of `choices`, ignoring case, spaces and hyphens ("multi-buy" is "multi_buy")."""
    text = as_text(tool, name, value, example=choices[0])
    if text is None:
        return None
    key = text.lower().replace("-", "_").replace(" ", "_")
    if key in choices:
        return choices[choices.index(key)]
    options = ", ".join(repr(choice) for choice in choices)
    raise ToolArgumentError(f"{tool}: {name} must be one of {options} or None, got {quoted(value)}")


def as_category(tool: str, value: object, categories: list[str]) -> str | None:
    """The category `value` names: exactly, or the one whose words include its words
    ("cereal" is "Cereal & Breakfast"); case and plurals do not matter."""
    text = as_text(tool, "category", value, example=categories[0] if categories else "Snacks")
    if text is None:
        return None
    if text in categories:
        return text
    wanted = _name_words(text)
    exact = [name for name in categories if _name_words(name) == wanted]
    close = [name for name in categories if wanted and wanted <= _name_words(name)]
    if len(exact) == 1 or len(close) == 1:
        return (exact or close)[0]
    raise ToolArgumentError(
        f"{tool}: category must be one of list_categories(): {', '.join(categories)};"
        f" got {quoted(value)}"
    )


def as_store(tool: str, value: object, stores: list[dict]) -> int | None:
    """The id of the store `value` names, by name or city, ignoring case and, unless the whole
    name matches one store, the words "store" and "market"."""
    text = as_text(tool, "store", value, example=stores[0]["name"] if stores else "Mission")
    if text is None:
        return None
    named = _name_words(text)
    exact = [store for store in stores if _name_words(store["name"]) == named]
    if len(exact) == 1:  # the whole name, "Sunset Market" beside "Sunset"
        return exact[0]["id"]
    wanted = _without_kind(named)
    exact = [store for store in stores if _without_kind(_name_words(store["name"])) == wanted]
    close = [
        store
        for store in stores
        if wanted and wanted <= _name_words(f"{store['name']} {store['city']}")
    ]
    if len(exact) == 1 or len(close) == 1:
        return (exact or close)[0]["id"]
    names = ", ".join(store["name"] for store in stores)
    problem = "matches several stores" if close else "is not a store"
    raise ToolArgumentError(
        f"{tool}: store {quoted(value)} {problem}; use one name from list_stores(): {names}"
    )


STORE_WORDS = frozenset({"store", "market", "supermarket"})


def _without_kind(words: set[str]) -> set[str]:
    """A store's name without the words saying it is a store; all of it if nothing else."""
    return (words - STORE_WORDS) or words


def _name_words(name: str) -> set[str]:
    return {singular(word) for word in words(name)}
