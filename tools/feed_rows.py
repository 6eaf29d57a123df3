"""Reading a deals feed (CSV or JSON) into checked rows, each problem tied to its line.

The columns are documented in docs/feeds.md. Nothing here touches the database.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from tools.describe import describe
from tools.models import DEAL_KINDS
from tools.product_names import pack_count as read_pack_count

REQUIRED = ("id", "store", "product", "category", "regular_price", "kind", "price")
REQUIRED += ("starts", "ends")
OPTIONAL = ("city", "brand", "size", "unit", "tags", "quantity", "description")
OPTIONAL += ("requires_card", "limit_per_customer", "pack_count", "must_buy")
NEEDS_CARD = ("member_price", "coupon")  # member prices and digital coupons
WHOLE_SET = ("bogo", "multi_buy")  # kinds whose price is for the whole set by default
COLUMNS = REQUIRED + OPTIONAL
TRUE = {"true", "yes", "y", "1"}
FALSE = {"false", "no", "n", "0"}
MAX_LISTED = 20
LONGEST = {"id": 100, "store": 100, "city": 100, "product": 200, "brand": 100, "category": 50}
LONGEST |= {"unit": 20, "tags": 300, "description": 200}


class FeedError(Exception):
    """A feed could not be imported; `problems` lists (line number, reason)."""

    def __init__(self, path: str | Path, problems: list[tuple[int, str]]) -> None:
        self.path = str(path)
        self.problems = problems
        super().__init__(self._message())

    def _message(self) -> str:
        count = len(self.problems)
        lines = [f"{self.path}: {count} problem{'s' if count != 1 else ''}, nothing imported"]
        lines += [f"  line {line}: {reason}" for line, reason in self.problems[:MAX_LISTED]]
        if count > MAX_LISTED:
            lines.append(f"  ... and {count - MAX_LISTED} more")
        return "\n".join(lines)


@dataclass(frozen=True)
class FeedRow:
    """One deal of a feed, checked; money in cents."""

    line: int
    feed_id: str
    store: str
    city: str
    product: str
    brand: str
    category: str
    size: float | None
    unit: str
    tags: str
    regular_price_cents: int
    kind: str
    price_cents: int
    quantity: int
    description: str
    starts: date
    ends: date
    requires_card: bool
    limit_per_customer: int | None
    pack_count: int
    must_buy: int


class _Bad(ValueError):
    """One field's problem, phrased for the person who wrote the feed."""


def read_feed(path: str | Path) -> list[FeedRow]:
    """Every row of the feed at `path`, checked; raises FeedError listing all problems."""
    path = Path(path)
    records, problems = _records(path)
    rows, seen = [], {}
    for line, record in records:
        try:
            row = _row(line, record)
        except _Bad as exc:
            problems.append((line, str(exc)))
            continue
        if row.feed_id in seen:
            problems.append(
                (line, f"id {row.feed_id!r} is already used on line {seen[row.feed_id]}")
            )
        seen.setdefault(row.feed_id, line)
        rows.append(row)
    if problems:
        raise FeedError(path, sorted(problems))
    return rows


def _records(path: Path) -> tuple[list[tuple[int, dict]], list[tuple[int, str]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise FeedError(path, [(0, f"cannot read the file: {exc}")]) from exc
    if path.suffix.lower() == ".json":
        return _json_records(path, text), []
    if path.suffix.lower() == ".csv":
        return _csv_records(path, text)
    raise FeedError(path, [(0, "the file name must end in .csv or .json")])


def _csv_records(path: Path, text: str) -> tuple[list[tuple[int, dict]], list[tuple[int, str]]]:
    reader = csv.reader(text.splitlines(keepends=True))
    header = [name.strip().lower() for name in next(reader, [])]
    missing = [name for name in REQUIRED if name not in header]
    unknown = [name for name in header if name not in COLUMNS]
    if missing or unknown:
        raise FeedError(path, [(1, _header_problem(missing, unknown))])
    records, problems, line = [], [], reader.line_num
    for values in reader:
        start, line = line + 1, reader.line_num
        if not any(value.strip() for value in values):
            continue
        if len(values) != len(header):
            problems.append((start, f"has {len(values)} fields, the header has {len(header)}"))
            continue
        records.append((start, dict(zip(header, values, strict=True))))
    return records, problems


def _header_problem(missing: list[str], unknown: list[str]) -> str:
    parts = []
    if missing:
        parts.append(f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    if unknown:
        parts.append(f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}")
    return "; ".join(parts) + f" (columns: {', '.join(COLUMNS)})"


def _json_records(path: Path, text: str) -> list[tuple[int, dict]]:
    """The objects of a top-level JSON array, each with the line it starts on."""
    decoder = json.JSONDecoder()
    position = _skip_space(text, 0)
    if not text.startswith("[", position):
        raise FeedError(path, [(_line_of(text, position), "expected a JSON array of deals")])
    position = _skip_space(text, position + 1)
    records = []
    while not text.startswith("]", position):
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise FeedError(path, [(exc.lineno, f"not valid JSON: {exc.msg}")]) from exc
        records.append((_line_of(text, position), value))
        position = _skip_space(text, end)
        if text.startswith(",", position):
            position = _skip_space(text, position + 1)
        elif not text.startswith("]", position):
            raise FeedError(path, [(_line_of(text, position), "expected ',' or ']'")])
    return records


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _row(line: int, record: object) -> FeedRow:
    if not isinstance(record, dict):
        raise _Bad("each deal must be an object with the documented keys")
    unknown = [key for key in record if key not in COLUMNS]
    if unknown:
        raise _Bad(f"unknown field {', '.join(map(str, unknown))}")
    field = {key: _text(record.get(key)) for key in COLUMNS}
    for key, most in LONGEST.items():
        if len(field[key]) > most:
            raise _Bad(f"{key} is longer than {most} characters")
    kind = field["kind"].lower()
    if kind not in DEAL_KINDS:
        raise _Bad(f"kind {field['kind']!r} is not one of {', '.join(DEAL_KINDS)}")
    regular = _cents("regular_price", field["regular_price"], positive=True)
    price = _cents("price", field["price"])
    quantity = _whole("quantity", field["quantity"] or "1")
    starts, ends = _date("starts", field["starts"]), _date("ends", field["ends"])
    if ends < starts:
        raise _Bad(f"ends {ends.isoformat()} is before starts {starts.isoformat()}")
    return FeedRow(
        line=line,
        feed_id=_required("id", field["id"]),
        store=_required("store", field["store"]),
        city=field["city"],
        product=_required("product", field["product"]),
        brand=field["brand"],
        category=_required("category", field["category"]),
        size=_size(field["size"]),
        unit=field["unit"] or "ct",
        tags=_tags(record.get("tags")),
        regular_price_cents=regular,
        kind=kind,
        price_cents=price,
        quantity=quantity,
        description=field["description"] or describe(kind, price, quantity, regular),
        starts=starts,
        ends=ends,
        requires_card=_requires_card(kind, field["requires_card"]),
        limit_per_customer=_whole("limit_per_customer", field["limit_per_customer"]) or None,
        pack_count=_whole("pack_count", field["pack_count"])
        or read_pack_count(field["product"], _size(field["size"]), field["unit"] or "ct"),
        must_buy=_whole("must_buy", field["must_buy"]) or (quantity if kind in WHOLE_SET else 1),
    )


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _required(name: str, value: str) -> str:
    if not value:
        raise _Bad(f"{name} is missing")
    return value


def _cents(name: str, value: str, *, positive: bool = False) -> int:
    try:
        dollars = Decimal(_required(name, value).removeprefix("$"))
    except InvalidOperation:
        raise _Bad(f"{name} {value!r} is not an amount in dollars like 3.99") from None
    if not dollars.is_finite() or dollars != dollars.quantize(Decimal("0.01")):
        raise _Bad(f"{name} {value!r} is not an amount in dollars like 3.99")
    if dollars < 0 or (positive and dollars == 0):
        raise _Bad(f"{name} {value} must be {'above' if positive else 'at least'} 0")
    return int(dollars * 100)


def _whole(name: str, value: str) -> int:
    if not value:
        return 0
    if not value.isdigit() or int(value) < 1:
        raise _Bad(f"{name} {value!r} must be a whole number of at least 1")
    return int(value)


def _date(name: str, value: str) -> date:
    try:
        return date.fromisoformat(_required(name, value))
    except ValueError:
        raise _Bad(f"{name} {value!r} is not a date like 2026-11-28") from None


def _size(value: str) -> float | None:
    if not value:
        return None
    try:
        size = float(value)
    except ValueError:
        raise _Bad(f"size {value!r} must be a number such as 12 or 18.5") from None
    if not size > 0:
        raise _Bad(f"size {value} must be above 0")
    return size


def _tags(value: object) -> str:
    items = value if isinstance(value, list) else str(value or "").replace(";", ",").split(",")
    return ", ".join(tag for tag in (str(item).strip().lower() for item in items) if tag)


def _requires_card(kind: str, value: str) -> bool:
    needed = _flag(value, default=kind in NEEDS_CARD)
    if kind == "coupon" and not needed:
        raise _Bad("requires_card is false, but a coupon is a digital coupon, which needs the card")
    return needed


def _flag(value: str, *, default: bool) -> bool:
    if not value:
        return default
    if value.lower() in TRUE | FALSE:
        return value.lower() in TRUE
    raise _Bad(f"requires_card {value!r} must be true or false")
