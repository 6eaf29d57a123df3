"""Reading a deals feed (CSV or JSON) as a stream of checked rows, each problem tied to where
it is: a CSV row by its line, a JSON deal by its item number.

The columns are documented in docs/feeds.md. The file is read once, front to back, so memory
stays flat however long it is. Nothing here touches the database.
"""

from __future__ import annotations

import csv
import re
from bisect import insort
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import BinaryIO, Literal

import ijson

from tools.describe import describe
from tools.product_names import pack_count as read_pack_count
from tools.product_names import product_type
from tools.tables import DEAL_KINDS

REQUIRED: tuple[str, ...] = ("id", "store", "product", "category", "regular_price", "kind")
REQUIRED += ("price", "starts", "ends")
OPTIONAL: tuple[str, ...] = ("city", "brand", "size", "unit", "tags", "quantity", "description")
OPTIONAL += ("requires_card", "limit_per_customer", "pack_count", "must_buy")
NEEDS_CARD = ("member_price", "coupon")  # member prices and digital coupons
WHOLE_SET = ("bogo", "multi_buy")  # kinds whose price is for the whole set by default
COLUMNS = REQUIRED + OPTIONAL
TRUE = {"true", "yes", "y", "1"}
FALSE = {"false", "no", "n", "0"}
MAX_LISTED = 20  # bad deals shown; the rest are counted
LONGEST = {"id": 100, "store": 100, "city": 100, "product": 200, "brand": 100, "category": 50}
LONGEST |= {"unit": 20, "tags": 300, "description": 200}
OTHER_DELIMITERS = {";": "semicolons", "\t": "tabs", "|": "bars"}
SNIFF_BYTES = 4096
PROGRESS_EVERY = 5000  # rows between progress reports
SAVE_AS_UTF8 = 'save it as UTF-8 (in Excel: Save As, "CSV UTF-8") and import it again'
SAVE_JSON_AS_UTF8 = "save it as UTF-8 (your editor's encoding setting) and import it again"
WORD_BEFORE = re.compile(r'[^,;\t"\s]{0,20}$')  # what precedes a bad byte, to find it by
UTF8_BOM = b"\xef\xbb\xbf"
CENT = Decimal("0.01")
MOST_DOLLARS = 100_000  # per price: beyond it is a typo, and cents must fit the columns
MOST_ITEMS = 10_000  # per quantity or limit

Unit = Literal["line", "item"]
Progress = Callable[[int, int], None]  # (bytes read, bytes in the file)


class FeedError(Exception):
    """A feed was refused and nothing of it was written; str() is the message for people."""


class UnreadableFeed(FeedError):
    """The file as a whole cannot be read as a feed: missing, neither CSV nor JSON, not
    UTF-8, a bad header, or JSON that does not parse."""


@dataclass(frozen=True)
class FeedFile:
    """A feed file that exists, is named .csv or .json, holds bytes and is not UTF-16."""

    path: Path
    format: Literal["csv", "json"]
    size: int

    @property
    def unit(self) -> Unit:
        return "line" if self.format == "csv" else "item"


@dataclass(frozen=True)
class BadRow:
    """One deal of a feed that cannot be imported, with every reason why."""

    unit: Unit
    number: int
    reasons: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.unit} {self.number}: {'; '.join(self.reasons)}"


class BadRows(FeedError):
    """The deals of a feed that cannot be imported: the first MAX_LISTED in file order, and
    how many in all (so a feed bad throughout costs no memory to report)."""

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = Path(path)
        self.listed: list[BadRow] = []
        self.count = 0

    def add(self, row: BadRow) -> None:
        self.count += 1
        if len(self.listed) < MAX_LISTED or row.number < self.listed[-1].number:
            insort(self.listed, row, key=lambda listed: listed.number)
            del self.listed[MAX_LISTED:]

    def __str__(self) -> str:
        deals = f"{self.count:,} deal{'s' if self.count != 1 else ''}"
        lines = [f"{self.path}: {deals} with problems, nothing imported"]
        lines += [f"  {row}" for row in self.listed]
        if self.count > len(self.listed):
            lines.append(f"  ... and {self.count - len(self.listed):,} more")
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class FeedRow:
    """One deal of a feed, checked; money in cents."""

    number: int
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
    product_type: str


def open_feed(path: str | Path) -> FeedFile:
    """Check the file itself before anything is read or written; raises UnreadableFeed."""
    path = Path(path)
    try:
        with path.open("rb") as file:
            head = file.read(SNIFF_BYTES)
            size = path.stat().st_size
    except FileNotFoundError:
        raise UnreadableFeed(f"no such file: {path}") from None
    except IsADirectoryError:
        raise UnreadableFeed(f"{path} is a directory, not a feed file") from None
    except OSError as exc:
        raise UnreadableFeed(f"cannot read {path}: {exc.strerror or exc}") from None
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise UnreadableFeed(f"{path}: the file name must end in .csv or .json")
    if not head.strip():
        raise UnreadableFeed(f"{path} is empty: nothing imported")
    if _looks_utf16(head):
        advice = SAVE_AS_UTF8 if suffix == ".csv" else SAVE_JSON_AS_UTF8
        raise UnreadableFeed(f"{path} is UTF-16 text, not UTF-8: {advice}")
    return FeedFile(path, "csv" if suffix == ".csv" else "json", size)


def _looks_utf16(head: bytes) -> bool:
    """A byte order mark, or text whose every other byte is zero (ASCII in UTF-16)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    return max(head[0::2].count(0), head[1::2].count(0)) > len(head) // 4


def read_feed(feed: FeedFile, progress: Progress | None = None) -> Iterator[FeedRow | BadRow]:
    """Every deal of the feed in file order, checked: a FeedRow, or a BadRow saying why not.

    Raises UnreadableFeed as soon as the file itself turns out unreadable (bad header,
    not UTF-8, broken JSON), possibly after yielding rows before that point.
    """
    with feed.path.open("rb") as file:
        if file.read(len(UTF8_BOM)) != UTF8_BOM:
            file.seek(0)
        records = _csv_records(feed, file) if feed.format == "csv" else _json_records(feed, file)
        for count, (number, record) in enumerate(records, start=1):
            yield record if isinstance(record, BadRow) else check_row(feed.unit, number, record)
            if progress is not None and count % PROGRESS_EVERY == 0:
                progress(file.tell(), feed.size)
    if progress is not None:
        progress(feed.size, feed.size)


def _csv_records(feed: FeedFile, file: BinaryIO) -> Iterator[tuple[int, dict | BadRow]]:
    """(line, {column: text}) per row, the line being the one the row starts on."""
    reader = csv.reader(_utf8_lines(feed.path, file))
    rows = line = 0
    try:
        header = [name.strip().lower() for name in next(reader, [])]
        # Commas at the ends of the lines (some spreadsheets write them) make unnamed
        # columns at the end; left empty, they are no columns at all.
        named = len(header)
        while named > 1 and not header[named - 1]:
            named -= 1
        header, unnamed = header[:named], len(header) - named
        _check_header(feed.path, header)
        line = reader.line_num
        for values in reader:
            start, line = line + 1, reader.line_num
            if not any(value.strip() for value in values):
                continue
            rows += 1
            extra = values[len(header) :]
            if unnamed and len(extra) == unnamed and not any(value.strip() for value in extra):
                values = values[: len(header)]
            if len(values) != len(header):
                yield start, BadRow("line", start, (_field_count(values, len(header), line),))
                continue
            yield start, dict(zip(header, values, strict=True))
    except csv.Error as exc:
        raise UnreadableFeed(f"{feed.path}: line {line + 1}: {_csv_problem(exc)}") from None
    if rows == 0:
        raise UnreadableFeed(f"{feed.path} holds no deals, only a header line")


def _field_count(values: list[str], wanted: int, last_line: int) -> str:
    fields = f"{len(values)} field{'s' if len(values) != 1 else ''}"
    reason = f"has {fields}, the header has {wanted}"
    if any("\n" in value for value in values):  # a field ran over lines: a quote left open
        reason += f'; a quote (") opened on it runs to line {last_line}: is it left open?'
    return reason


def _csv_problem(exc: csv.Error) -> str:
    if "new-line character seen in unquoted field" in str(exc):
        return (
            "its lines end in a carriage return alone (an old Mac format); save it with"
            ' Windows or Unix line endings (in Excel: "CSV UTF-8")'
        )
    if "field limit" in str(exc):
        return f'{exc}; is a quote (") left open?'
    return str(exc)


def _utf8_lines(path: Path, file: BinaryIO) -> Iterator[str]:
    for number, raw in enumerate(file, start=1):
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnreadableFeed(_not_utf8(path, f"line {number}", raw, exc)) from None


def _not_utf8(path: Path, where: str, raw: bytes, exc: UnicodeDecodeError) -> str:
    text_before = raw[max(0, exc.start - 40) : exc.start].decode("utf-8", "replace")
    word = WORD_BEFORE.search(text_before)
    before = word[0] if word else ""
    byte = f"byte 0x{raw[exc.start]:02X}" + (f" after {before!r}" if before else "")
    return (
        f"{path} is not UTF-8 text ({where} has {byte}; Latin-1 or Windows-1252?): " + SAVE_AS_UTF8
    )


def _check_header(path: Path, header: list[str]) -> None:
    if len(header) == 1:
        for delimiter, name in OTHER_DELIMITERS.items():
            if sum(part.strip() in COLUMNS for part in header[0].split(delimiter)) > 1:
                raise UnreadableFeed(
                    f"{path}: the columns are separated by {name}; dealbot reads comma-separated"
                    ' CSV: save it with commas (in Excel: "CSV UTF-8 (Comma delimited)")'
                )
    missing = [name for name in REQUIRED if name not in header]
    unknown = [
        name or f"(no name: column {number})"
        for number, name in enumerate(header, start=1)
        if name not in COLUMNS
    ]
    repeated = sorted({name for name in header if header.count(name) > 1})
    if missing or unknown or repeated:
        parts = [_listed("missing column", missing), _listed("unknown column", unknown)]
        parts.append(_listed("repeated column", repeated))
        problem = "; ".join(part for part in parts if part)
        raise UnreadableFeed(f"{path}: line 1: {problem} (columns: {', '.join(COLUMNS)})")


def _listed(what: str, names: list[str]) -> str:
    return f"{what}{'s' if len(names) > 1 else ''} {', '.join(names)}" if names else ""


def _json_records(feed: FeedFile, file: BinaryIO) -> Iterator[tuple[int, object]]:
    """(item number, value) per element of the top-level array, parsed as it is read."""
    start = file.tell()
    first = file.read(SNIFF_BYTES).lstrip()[:1]
    file.seek(start)
    if first != b"[":
        raise UnreadableFeed(f"{feed.path}: expected a JSON array of deals ([{{...}}, ...])")
    number = 0
    try:
        for number, value in enumerate(ijson.items(file, "item", use_float=False), start=1):
            yield number, value
    except ijson.JSONError as exc:
        raise UnreadableFeed(_broken_json(feed.path, number, str(exc))) from None
    if number == 0:
        raise UnreadableFeed(f"{feed.path} holds no deals, only an empty array")


def _broken_json(path: Path, done: int, message: str) -> str:
    if "invalid bytes in UTF8" in message:
        return f"{path} is not UTF-8 text (item {done + 1}; Latin-1 or Windows-1252?): " + (
            SAVE_JSON_AS_UTF8
        )
    reason = message.strip().removeprefix("b'").splitlines()[0].split("\\n")[0]
    reason = reason.removeprefix("parse error: ").removeprefix("lexical error: ").rstrip(".")
    if "trailing garbage" in reason:
        return f"{path}: not valid JSON after the closing ']' (after item {done})"
    return f"{path}: item {done + 1}: not valid JSON ({reason})"


def check_row(unit: Unit, number: int, record: object) -> FeedRow | BadRow:
    """The deal `record` says, or every reason it cannot be imported."""
    if not isinstance(record, dict):
        return BadRow(unit, number, ("each deal must be an object with the documented keys",))
    problems: list[str] = []
    unknown = [str(key) for key in record if key not in COLUMNS]
    if unknown:
        problems.append(_listed("unknown field", unknown))
    nested = [
        key
        for key in COLUMNS
        if isinstance(record.get(key), dict | list) and not (key == "tags" and _flat(record[key]))
    ]
    if nested:  # as text it would be Python's rendering: a store named "['Mission']"
        problems.append(f"{_listed('field', nested)}: an object or list, not text or a number")
    field = {
        key: value.strip() if isinstance(value, str) else _text(value)
        for key, value in zip(COLUMNS, map(record.get, COLUMNS), strict=True)
    }
    field["tags"] = _tags(record.get("tags"))
    missing = [key for key in REQUIRED if not field[key]]
    if missing:
        problems.append(f"missing {', '.join(missing)}")
    if "\x00" in "".join(field.values()):
        problems.append("holds a NUL character (is it a text file?)")
    for key, most in LONGEST.items():
        if len(field[key]) > most:
            problems.append(f"{key} is longer than {most} characters")
    kind = field["kind"].lower()
    if kind and kind not in DEAL_KINDS:
        problems.append(f"kind {field['kind']!r} is not one of {', '.join(DEAL_KINDS)}")
    regular = _cents(problems, "regular_price", field["regular_price"], positive=True)
    price = _cents(problems, "price", field["price"])
    quantity = _whole(problems, "quantity", field["quantity"] or "1")
    starts, ends = (
        _date(problems, "starts", field["starts"]),
        _date(problems, "ends", field["ends"]),
    )
    if starts and ends and ends < starts:
        problems.append(f"ends {ends.isoformat()} is before starts {starts.isoformat()}")
    size = _size(problems, field["size"])
    requires_card = _flag(problems, field["requires_card"], default=kind in NEEDS_CARD)
    if kind == "coupon" and not requires_card:
        problems.append(
            "requires_card is false, but a coupon is a digital coupon, which needs the card"
        )
    limit = _whole(problems, "limit_per_customer", field["limit_per_customer"])
    pack_count = _whole(problems, "pack_count", field["pack_count"])
    must_buy = _whole(problems, "must_buy", field["must_buy"])
    if regular is not None and price is not None and quantity and price > regular * quantity:
        problems.append(  # it would show as a negative saving
            f"price ${price / 100:.2f} for {quantity} is more than the regular price of "
            f"{quantity} (${regular * quantity / 100:.2f})"
        )
    if problems or regular is None or price is None or quantity is None:
        return BadRow(unit, number, tuple(problems))
    if starts is None or ends is None:
        return BadRow(unit, number, tuple(problems))
    return FeedRow(
        number=number,
        feed_id=field["id"],
        store=field["store"],
        city=field["city"],
        product=field["product"],
        brand=field["brand"],
        category=field["category"],
        size=size,
        unit=field["unit"] or "ct",
        tags=field["tags"],
        regular_price_cents=regular,
        kind=kind,
        price_cents=price,
        quantity=quantity,
        description=field["description"] or describe(kind, price, quantity, regular),
        starts=starts,
        ends=ends,
        requires_card=requires_card,
        limit_per_customer=limit,
        pack_count=pack_count or read_pack_count(field["product"], size, field["unit"] or "ct"),
        must_buy=must_buy or (quantity if kind in WHOLE_SET else 1),
        product_type=product_type(field["product"], field["brand"], field["tags"]),
    )


# Each parser below takes the row's `problems` first: on a bad value it adds the reason,
# phrased for the person who wrote the feed, and returns None. An empty required value
# is reported once, as missing, by check_row.


def _flat(value: list) -> bool:
    """Whether a JSON list holds only text and numbers (as tags may be given)."""
    return not any(isinstance(item, dict | list) for item in value)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return str(int(value))  # JSON's 2.0 is the whole number 2
    return str(value).strip()


def _cents(problems: list[str], name: str, value: str, *, positive: bool = False):
    if not value:
        return None
    try:
        dollars = Decimal(value.removeprefix("$"))
        whole_cents = dollars.is_finite() and dollars == dollars.quantize(CENT)
    except InvalidOperation:
        whole_cents = False
    if not whole_cents:
        problems.append(f"{name} {value!r} is not an amount in dollars like 3.99")
    elif dollars < 0 or (positive and dollars == 0):
        problems.append(f"{name} {value} must be {'above' if positive else 'at least'} 0")
    elif dollars > MOST_DOLLARS:
        problems.append(f"{name} {value} must be at most {MOST_DOLLARS:,} dollars")
    else:
        return int(dollars * 100)
    return None


def _whole(problems: list[str], name: str, value: str) -> int | None:
    if not value:
        return None
    if value.isascii() and value.isdigit() and 1 <= int(value) <= MOST_ITEMS:
        return int(value)
    problems.append(f"{name} {value!r} must be a whole number from 1 to {MOST_ITEMS:,}")
    return None


def _date(problems: list[str], name: str, value: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(f"{name} {value!r} is not a date like 2026-11-28")
        return None


def _size(problems: list[str], value: str) -> float | None:
    if not value:
        return None
    try:
        size = float(value)
    except ValueError:
        problems.append(f"size {value!r} must be a number such as 12 or 18.5")
        return None
    if 0 < size < float("inf"):
        return size
    problems.append(f"size {value} must be a number above 0")
    return None


def _tags(value: object) -> str:
    if isinstance(value, list):
        items: Iterable[object] = value
    else:
        items = _text(value).replace(";", ",").split(",")
    return ", ".join(tag for tag in (_text(item).lower() for item in items) if tag)


def _flag(problems: list[str], value: str, *, default: bool) -> bool:
    if not value:
        return default
    if value.lower() in TRUE | FALSE:
        return value.lower() in TRUE
    problems.append(f"requires_card {value!r} must be true or false")
    return default
