"""Checks and conversions of tool arguments, forgiving in form and exact in their errors."""

from __future__ import annotations

from datetime import date, datetime

from tools.errors import ToolArgumentError
from tools.text_search import singular, words


def as_date(tool: str, name: str, value: object, *, example: date) -> date | None:
    """A `date`, a `datetime` or an ISO string ("2026-11-28") as a date; None stays None."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    raise ToolArgumentError(
        f"{tool}: {name} must be a date like {example.isoformat()}, got {value!r}"
        " (for relative days use today() + timedelta(days=n))"
    )


def as_count(tool: str, name: str, value: object, *, low: int, high: int) -> int:
    """A whole number from `low` to `high`; digit strings are accepted, booleans are not."""
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif _whole(value):
        number = int(value)
    if number is None or not low <= number <= high:
        raise ToolArgumentError(
            f"{tool}: {name} must be a whole number from {low} to {high}, got {value!r}"
        )
    return number


def _whole(value: object) -> bool:
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, str) and value.strip().isdigit()


def as_percent(tool: str, name: str, value: object) -> float | None:
    """A percentage from 0 to 100; "30%" and "30" are read as 30."""
    if value is None:
        return None
    number = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().removesuffix("%"))
        except ValueError:
            number = None
    if number is None or not 0 <= number <= 100:
        raise ToolArgumentError(
            f"{tool}: {name} must be a percentage from 0 to 100 like 30, got {value!r}"
        )
    return number


def as_text(tool: str, name: str, value: object, *, example: str) -> str | None:
    """Non-empty text, stripped; None and "" stay "no filter" (None)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ToolArgumentError(
            f"{tool}: {name} must be text like {example!r} or None, got {value!r}"
        )
    return value.strip() or None


def as_choice(tool: str, name: str, value: object, choices: tuple[str, ...]) -> str | None:
    """One of `choices`, ignoring case, spaces and hyphens ("multi-buy" is "multi_buy")."""
    text = as_text(tool, name, value, example=choices[0])
    if text is None:
        return None
    key = text.lower().replace("-", "_").replace(" ", "_")
    if key in choices:
        return key
    options = ", ".join(repr(choice) for choice in choices)
    raise ToolArgumentError(f"{tool}: {name} must be one of {options} or None, got {value!r}")


def as_category(tool: str, value: object, categories: list[str]) -> str | None:
    """The category `value` names: exactly, or the one whose words include its words
    ("cereal" is "Cereal & Breakfast"); case and plurals do not matter."""
    text = as_text(tool, "category", value, example=categories[0] if categories else "Snacks")
    if text is None:
        return None
    wanted = _name_words(text)
    exact = [name for name in categories if _name_words(name) == wanted]
    close = [name for name in categories if wanted and wanted <= _name_words(name)]
    if len(exact) == 1 or len(close) == 1:
        return (exact or close)[0]
    raise ToolArgumentError(
        f"{tool}: category must be one of list_categories(): {', '.join(categories)}; got {value!r}"
    )


def as_store(tool: str, value: object, stores: list[dict]) -> int | None:
    """The id of the store `value` names, by name or city, ignoring case and the word "store"."""
    text = as_text(tool, "store", value, example=stores[0]["name"] if stores else "Mission")
    if text is None:
        return None
    wanted = _name_words(text) - {"store", "market", "supermarket"}
    exact = [store for store in stores if _name_words(store["name"]) == wanted]
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
        f"{tool}: store {value!r} {problem}; use one name from list_stores(): {names}"
    )


def _name_words(name: str) -> set[str]:
    return {singular(word) for word in words(name)}
