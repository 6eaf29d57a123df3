"""What a product's name says, read once when the product is seeded or imported: how many
pieces one item holds ("12 pk" cans, "6 double rolls", "84 ct" diapers), so that a per-can
or per-diaper price needs no parsing, and what the product is ("baby food", "bananas"), so
that search can tell bananas from banana-flavoured baby food. A feed may state the pack
count itself (docs/feeds.md).
"""

from __future__ import annotations

import re

from tools.tables import PRODUCT_TYPE_CHARS
from tools.text_search import forms, words

# "12 pk", "12-pack", "84 ct", "6 count", "4 pc": the number is the pieces.
COUNTED = re.compile(
    r"(?<![\d.])(\d{1,5})\s*-?\s*(?:pk|packs?|ct|count|pcs?|pieces?)\b", re.IGNORECASE
)
# "6 double rolls", "12 mega rolls", "3 bars": a number, at most one describing word, then
# what the pieces are. A measure between them ("3 lb bag") is one bag, not three.
PIECES = re.compile(
    r"(?<![\d.])(\d{1,5})\s+(?:(?!(?:oz|fl|lb|lbs|g|kg|ml|l|gal|qt|pint)\b)[a-z-]+\s+)?"
    r"(?:rolls|cans|bottles|bars|pods|pouches|cups|sticks|bags|boxes|jars|packets|pacs)\b",
    re.IGNORECASE,
)
DOZEN = re.compile(r"\b(half\s+)?dozen\b", re.IGNORECASE)
# Units whose size is itself a count of pieces (see Product.unit).
COUNT_UNITS = frozenset({"ct", "can"})
MOST = 10_000

# Words of the size at the end of a name ("12 pk 12 fl oz cans", "3 lb bag", "per lb").
# fmt: off
SIZE_WORDS = frozenset((
    "oz", "fl", "lb", "lbs", "l", "ml", "g", "kg", "mg", "gal", "pint", "qt", "ct", "pk",
    "pack", "count", "can", "cans", "bottle", "bottles", "bag", "each", "per", "bunch",
    "half", "party", "size", "rolls", "double", "mega", "triple", "dozen",
))
# fmt: on
SIZED = re.compile(r"\d+[a-z]*")


def pack_count(name: str, size: float | None = None, unit: str | None = None) -> int:
    """Pieces in one item: from the name, else from a count-like size ("ct", "can"), else 1.

    >>> pack_count("Pepsi 12 pk 12 fl oz cans"), pack_count("Bananas per lb")
    (12, 1)
    """
    for pattern in (COUNTED, PIECES):
        found = pattern.search(name)
        if found and 1 <= int(found.group(1)) <= MOST:
            return int(found.group(1))
    dozen = DOZEN.search(name)
    if dozen:
        return 6 if dozen.group(1) else 12
    if unit in COUNT_UNITS and size and float(size).is_integer() and 1 <= size <= MOST:
        return int(size)
    return 1


def product_type(name: str, brand: str, tags: str) -> str:
    """What the product is: the tags its name spells out ("chips" for Lay's Classic Potato
    Chips, "baby food" for Banana Baby Food Pouches) and the last word of its name before
    the size, the brand aside ("bananas" for Bananas per lb; none for Dr Pepper, whose name
    is its brand). Flavours and varieties named before it ("banana", "chocolate chip") are
    not what it is.

    >>> product_type("Gerber Banana Baby Food Pouches 4 ct", "Gerber", "baby food")
    'baby food, pouches'
    """
    named = words(name)
    while named and (named[-1] in SIZE_WORDS or SIZED.fullmatch(named[-1])):
        named.pop()
    unbranded = words(name.replace(brand, " ")) if brand else named
    head = [word for word in named[-1:] if word in unbranded]
    present = {form for word in named for form in forms(word)}
    spelled = [
        tag
        for tag in tags.split(",")
        if (tag_words := words(tag)) and all(word in present for word in tag_words)
    ]
    spelled_out = [" ".join(words(tag)) for tag in spelled]
    found = ", ".join(dict.fromkeys(spelled_out + head))
    while len(found) > PRODUCT_TYPE_CHARS:  # the last tags go first; the name's word stays
        spelled_out.pop()
        found = ", ".join(dict.fromkeys(spelled_out + head))
    return found
