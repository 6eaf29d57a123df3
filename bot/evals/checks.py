"""Mechanical checks: does an answer state the facts a reference found? No model grades.

A fact is something the answer must contain — product or store names, dollar amounts within
a cent, counts, percentages, dates, names in a given order — or, when the reference found
nothing, a plain "none". Names are matched forgivingly (case, punctuation, "12pk" for
"12 pk", most of the words before the size) so that a paraphrased name still counts. A name
fact may also list names the answer must not state (precision: products or stores that do
not fit the question); those count only where the answer names them apart from a right one.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

NAME = "name"
AMOUNT = "amount"
COUNT = "count"
PERCENT = "percent"
DATE = "date"
ORDER = "order"
KINDS = (NAME, AMOUNT, COUNT, PERCENT, DATE, ORDER)

CENT = 0.01
PERCENT_POINT = 1.0
EPSILON = 1e-9
NAME_SLACK = 3
# fmt: off
SIZE_WORDS = frozenset((
    "oz", "fl", "lb", "lbs", "ct", "pk", "pack", "packs", "l", "ml", "g", "kg", "mg", "gal",
    "pint", "qt", "can", "cans", "bottle", "bottles", "each", "per", "count", "size",
))
# fmt: on
SHOWN = 3

# fmt: off
NUMBER_WORDS = {
    word: number
    for number, word in enumerate((
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
        "eighteen", "nineteen", "twenty",
    ))
}
# fmt: on
MONTHS = (
    ("jan", "january"),
    ("feb", "february"),
    ("mar", "march"),
    ("apr", "april"),
    ("may", "may"),
    ("jun", "june"),
    ("jul", "july"),
    ("aug", "august"),
    ("sep", "sept", "september"),
    ("oct", "october"),
    ("nov", "november"),
    ("dec", "december"),
)

DOLLARS = re.compile(r"\$\s?(\d[\d,]*(?:\.\d+)?|\.\d+)")
CENTS = re.compile(r"(\d+(?:\.\d+)?)\s?(?:¢|cents?\b)")
DECIMALS = re.compile(r"(?<![\d$.,])(\d+\.\d+)(?![\d%]|\s?%|\s?percent)")
PERCENTS = re.compile(r"(\d+(?:\.\d+)?)\s?(?:%|percent\b)")
INTEGERS = re.compile(r"(?<![\d.,$])(\d+)(?!\d|\.\d)")
NOTHING_FOUND = re.compile(
    r"\b(?:none|nothing|not any|aren't any|isn't any|are no|is no|there's no|zero"
    r"|couldn't find|could not find|didn't find|did not find|don't see|do not see"
    r"|not on sale|isn't on sale|aren't on sale|no luck"
    r"|no\s+(?:[\w'-]+\s+){0,5}?(?:deals?|sales?|coupons?|match(?:es)?|results?|discounts?"
    r"|offers?|promotions?|specials?|bogos?|multi-buys?))\b"
)


@dataclass(frozen=True)
class Fact:
    """Something the answer must state: at least `need` of `values`, all of one kind, and
    none of `outside` (names only).

    For ORDER, every value must be named and in this order.
    """

    kind: str
    values: tuple[Any, ...]
    need: int = 1
    about: str = ""
    outside: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fact kind {self.kind!r}")
        if self.outside and self.kind != NAME:
            raise ValueError("only name facts list names that must not be stated")

    def as_json(self) -> dict:
        values = [_plain(value) for value in self.values]
        plain = {"kind": self.kind, "values": values, "need": self.need, "about": self.about}
        return plain | ({"outside": len(self.outside)} if self.outside else {})


# A label (what a question's check names, e.g. "products") -> facts that must all hold.
# An empty mapping means the reference found nothing: the answer must say so.
Facts = Mapping[str, tuple[Fact, ...]]


@dataclass(frozen=True)
class Verdict:
    passed: bool
    why: str = ""


def names(
    values: Sequence[str],
    *,
    need: int | None = None,
    about: str = "",
    outside: Sequence[str] = (),
) -> Fact:
    """At least `need` of these names (default all), duplicates dropped, order kept; and
    none of the `outside` names that are not among them."""
    unique = tuple(dict.fromkeys(values))
    wanted = len(unique) if need is None else min(need, len(unique))
    others = tuple(name for name in dict.fromkeys(outside) if name not in unique)
    return Fact(NAME, unique, wanted, about, others)


def one_of(kind: str, values: Sequence[Any], about: str = "") -> Fact:
    """Any one of these accepted values (alternatives, ties, interpretations)."""
    return Fact(kind, tuple(dict.fromkeys(values)), 1, about)


def in_order(values: Sequence[str], about: str = "") -> Fact:
    unique = tuple(dict.fromkeys(values))
    return Fact(ORDER, unique, len(unique), about)


def judge(answer: str | None, interpretations: Sequence[Facts], check: Sequence[str]) -> Verdict:
    """Pass when the answer states every checked fact of at least one interpretation."""
    if not answer or not answer.strip():
        return Verdict(False, "no answer")
    reading = Reading(answer)
    reasons = []
    for facts in interpretations:
        misses = _misses(reading, facts, check)
        if not misses:
            return Verdict(True)
        reasons.append(misses)
    closest = min(reasons, key=len)
    return Verdict(False, "; ".join(closest))


def _misses(reading: Reading, facts: Facts, check: Sequence[str]) -> list[str]:
    if not facts:
        return [] if reading.says_nothing_found else ["expected a plain 'none', nothing matches"]
    misses = []
    for label in check:
        for fact in facts.get(label, ()):
            miss = _miss(reading, fact)
            if miss:
                about = f" ({fact.about})" if fact.about else ""
                misses.append(f"{label}{about}: {miss}")
    return misses


def _miss(reading: Reading, fact: Fact) -> str | None:
    if fact.kind == ORDER:
        return _order_miss(reading, fact)
    found = _found(reading, fact)
    if found >= fact.need:
        return _outside_miss(reading, fact)
    wanted = ", ".join(_shown(value, fact.kind) for value in fact.values[:SHOWN])
    more = f", … ({len(fact.values)} in all)" if len(fact.values) > SHOWN else ""
    if fact.need == 1 and len(fact.values) > 1:
        return f"expected one of {wanted}{more}{reading.what_it_has(fact.kind)}"
    if fact.need == 1:
        return f"expected {wanted}{reading.what_it_has(fact.kind)}"
    return f"named {found} of the {fact.need} needed from {wanted}{more}"


def _found(reading: Reading, fact: Fact) -> int:
    """How many of the values the answer states; names count once per place they are named
    (so "Cheerios" does not name both "Cheerios 12 oz" and "Cheerios 18 oz")."""
    if fact.kind != NAME:
        return sum(reading.states(fact.kind, value) for value in fact.values)
    places = {reading.name_position(value) for value in fact.values}
    return len(places - {None})


def _outside_miss(reading: Reading, fact: Fact) -> str | None:
    """The names the answer states that do not fit: each named apart from every right name
    ("Cheerios 18 oz" does not also name "Cheerios 12 oz"; "Honey Nut Cheerios" is apart)."""
    if not fact.outside:
        return None
    taken = [span for value in fact.values for span in reading.mention_spans(value)]
    wrong = [
        name
        for name in fact.outside
        if any(not _within(span, taken) for span in reading.name_spans(name))
    ]
    if not wrong:
        return None
    shown = ", ".join(repr(name) for name in wrong[:SHOWN])
    more = f" and {len(wrong) - SHOWN} more" if len(wrong) > SHOWN else ""
    return f"also named {shown}{more}, which do not fit the question"


def _within(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    start, end = span
    return any(first <= start and end <= last for first, last in taken)


def _order_miss(reading: Reading, fact: Fact) -> str | None:
    placed = [(value, reading.name_position(value)) for value in fact.values]
    missing = [value for value, at in placed if at is None]
    if missing:
        return f"missing {', '.join(repr(v) for v in missing)}"
    positions = [at for _value, at in placed if at is not None]
    if positions != sorted(positions):
        return f"expected in this order: {', '.join(repr(v) for v in fact.values)}"
    return None


@dataclass(frozen=True)
class Reading:
    """One answer, read once: its words, amounts, numbers, percentages."""

    text: str

    @cached_property
    def lowered(self) -> str:
        return self.text.replace("’", "'").replace("‘", "'").lower()

    @cached_property
    def words(self) -> list[str]:
        return name_words(self.text)

    @cached_property
    def amounts(self) -> list[float]:
        text = self.lowered
        found = [float(m.group(1).replace(",", "")) for m in DOLLARS.finditer(text)]
        found += [float(m.group(1)) / 100 for m in CENTS.finditer(text)]
        found += [float(m.group(1)) for m in DECIMALS.finditer(text)]
        return found

    @cached_property
    def integers(self) -> set[int]:
        found = {int(m.group(1)) for m in INTEGERS.finditer(self.lowered)}
        words = set(re.findall(r"[a-z]+", self.lowered))
        return found | {number for word, number in NUMBER_WORDS.items() if word in words}

    @cached_property
    def percents(self) -> list[float]:
        return [float(m.group(1)) for m in PERCENTS.finditer(self.lowered)]

    @property
    def says_nothing_found(self) -> bool:
        return NOTHING_FOUND.search(self.lowered) is not None

    def states(self, kind: str, value: Any) -> bool:
        if kind == NAME:
            return self.name_position(value) is not None
        if kind == AMOUNT:
            return any(abs(found - value) <= CENT + EPSILON for found in self.amounts)
        if kind == PERCENT:
            return any(abs(found - value) <= PERCENT_POINT + EPSILON for found in self.percents)
        if kind == COUNT:
            return value in self.integers
        if kind == DATE:
            return date_pattern(value).search(self.lowered) is not None
        raise ValueError(f"cannot check a {kind!r} value alone")

    def name_position(self, name: str) -> int | None:
        """Where the answer names `name` (a word index), or None."""
        return mention(self.words, name)

    def name_spans(self, name: str) -> list[tuple[int, int]]:
        """Every (first word, past last word) where the answer names `name`: in full, or by
        all the words of its name without the size, in a row."""
        return spans(self.words, name)

    def mention_spans(self, name: str) -> list[tuple[int, int]]:
        """Every stretch of words that names `name`, strictly or as forgivingly as
        mention() reads names."""
        return spans(self.words, name) + mentions(self.words, name)

    def what_it_has(self, kind: str) -> str:
        seen = {AMOUNT: self.amounts, PERCENT: self.percents}.get(kind)
        if seen is None:
            return ""
        if not seen:
            return ", the answer has none"
        shown = ", ".join(_shown(value, kind) for value in seen[:8])
        return f", the answer has {shown}"


def name_words(text: str) -> list[str]:
    """Lower-case ASCII words; "&" is "and", "Jerry's" is "jerrys", "12pk" is "12 pk"."""
    flat = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    flat = flat.lower().replace("&", " and ").replace("'", "").replace("’", "")
    flat = re.sub(r"(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)", " ", flat)
    return re.findall(r"[a-z]+|\d+(?:\.\d+)?", flat)


def mention(words: Sequence[str], name: str) -> int | None:
    """The word index where `name` is named: in full, or by most of the words of its name
    without the size, starting with the first ("Lay's potato chips" names "Lay's Classic
    Potato Chips 8 oz", "orange soda" does not name "Bayside Orange Soda 2 L"); or None."""
    wanted = name_words(name)
    if not wanted:
        return None
    exact = _find_run(words, wanted)
    if exact is not None:
        return exact
    loose = mentions(words, name)
    return loose[0][0] if loose else None


def mentions(words: Sequence[str], name: str) -> list[tuple[int, int]]:
    """Every stretch where most of the words of `name` without its size are named,
    starting with its first word (what mention() accepts short of the full name)."""
    wanted = name_words(name)
    if not wanted:
        return []
    core = [_stem(word) for word in _core(wanted)]
    need = math.ceil(len(core) * 2 / 3)
    width = len(core) + NAME_SLACK
    stems = [_stem(word) for word in words]
    found = []
    for start, stem in enumerate(stems):
        window = stems[start : start + width]
        if stem == core[0] and len(set(window) & set(core)) >= need:
            last = max(at for at, word in enumerate(window) if word in core)
            found.append((start, start + last + 1))
    return found


def spans(words: Sequence[str], name: str) -> list[tuple[int, int]]:
    """Where `name` is named in full or by its whole name without the size, word for word
    (stems): stricter than mention(), so that a wrong product is not seen in a right one."""
    wanted = name_words(name)
    core = [_stem(word) for word in _core(wanted)]
    stems = [_stem(word) for word in words]
    found = []
    for run in (wanted, core):
        size = len(run)
        source = words if run is wanted else stems
        found += [
            (start, start + size)
            for start in range(len(source) - size + 1)
            if run and list(source[start : start + size]) == list(run)
        ]
    return sorted(set(found))


def _find_run(words: Sequence[str], run: Sequence[str]) -> int | None:
    size = len(run)
    for start in range(len(words) - size + 1):
        if list(words[start : start + size]) == list(run):
            return start
    return None


def _core(words: list[str]) -> list[str]:
    """The words of a name without numbers and units (its size), or all of them."""
    return [w for w in words if not w[0].isdigit() and w not in SIZE_WORDS] or words


def _stem(word: str) -> str:
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


def date_pattern(day: date) -> re.Pattern[str]:
    """ "Nov 29", "November 29th", "29 Nov", "2025-11-29", "11/29", and the end of a range
    within the month: "Nov 28–29", "Nov 28 to 29th" (in lower case)."""
    months = "|".join(MONTHS[day.month - 1])
    number = rf"0?{day.day}"
    return re.compile(
        rf"\b(?:(?:{months})\.?\s+{number}(?:st|nd|rd|th)?\b"
        rf"|{number}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{months})\b"
        rf"|(?:{months})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\s*(?:-|–|—|to|through|thru|until)\s*"
        rf"{number}(?:st|nd|rd|th)?\b"
        rf"|{day.isoformat()}"
        rf"|0?{day.month}/{number}\b)"
    )


def _shown(value: Any, kind: str) -> str:
    if kind == AMOUNT:
        return f"${value:,.2f}" if value >= 0.1 else f"${value:.4f}".rstrip("0")
    if kind == PERCENT:
        return f"{value:g}%"
    if kind == DATE:
        return f"{value:%a %b %d}"
    return repr(value) if isinstance(value, str) else str(value)


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 4)
    return value
