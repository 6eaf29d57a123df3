"""Feed import: all or nothing, every problem of every bad deal by where it is, a clear word
about a file that cannot be read at all, and the same file twice is a no-op."""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, inspect, select

from bot.database import make_engine, upgrade
from tools import FeedError, ImportReport, build_tools, bulk, import_feed
from tools.feed_rows import (
    MAX_LISTED,
    REQUIRED,
    SAVE_JSON_AS_UTF8,
    BadRows,
    UnreadableFeed,
)
from tools.tables import Deal, Product, Store

DOCS = Path(__file__).parents[2] / "docs"
GOOD = {
    "id": "t-1",
    "store": "Mission",
    "city": "San Francisco",
    "product": "Cheerios 18 oz",
    "brand": "General Mills",
    "category": "Cereal & Breakfast",
    "size": "18",
    "unit": "oz",
    "regular_price": "5.49",
    "kind": "sale",
    "price": "3.99",
    "starts": "2026-11-25",
    "ends": "2026-12-01",
}
SAVE_AS_UTF8 = "save it as UTF-8"


def _write_csv(path: Path, rows: list[dict], **options) -> Path:
    """The rows under GOOD's columns and any others they name (optional ones: quantity)."""
    columns = list(dict.fromkeys([*GOOD, *(column for row in rows for column in row)]))
    with path.open("w", newline="", encoding=options.pop("encoding", "utf-8")) as file:
        writer = csv.DictWriter(file, fieldnames=columns, **options)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _write_json(path: Path, rows: list) -> Path:
    path.write_text(json.dumps(rows), encoding="utf-8")
    return path


def _rows(count: int) -> list[dict]:
    return [GOOD | {"id": f"t-{n}", "product": f"Cheerios {n} oz"} for n in range(1, count + 1)]


def _counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as connection:
        return tuple(
            connection.scalar(select(func.count()).select_from(table))
            for table in (Store, Product, Deal)
        )


def _refused(engine: Engine, path: Path) -> FeedError:
    before = _counts(engine)
    with pytest.raises(FeedError) as caught:
        import_feed(engine, path)
    assert _counts(engine) == before
    return caught.value


@pytest.fixture
def sqlite_engine(sqlite_url) -> Iterator[Engine]:
    """For problems found before the database is touched: one backend is enough."""
    engine = make_engine(sqlite_url)
    upgrade(engine)
    yield engine
    engine.dispose()


# What a good import does


@pytest.mark.parametrize(
    ("feed", "expected"),
    [
        ("example-feed.csv", ImportReport(6, 6, 0, 0, 3, 6, 0)),
        ("example-feed.json", ImportReport(3, 3, 0, 0, 1, 3, 0)),
    ],
)
def test_example_feeds_import(migrated_engine, feed, expected):
    assert import_feed(migrated_engine, DOCS / feed) == expected


def test_every_column_lands_where_it_belongs(migrated_engine):
    import_feed(migrated_engine, DOCS / "example-feed.csv")
    with migrated_engine.connect() as connection:
        deal = connection.execute(select(Deal).where(Deal.feed_id == "wk48-0002")).one()
        product = connection.execute(select(Product).where(Product.id == deal.product_id)).one()
        store = connection.execute(select(Store).where(Store.id == deal.store_id)).one()
    assert (store.name, store.city) == ("Mission", "San Francisco")
    assert (product.name, product.brand, product.category) == (
        "Cheerios 18 oz",
        "General Mills",
        "Cereal & Breakfast",
    )
    assert (product.size, product.unit, product.regular_price_cents, product.tags) == (
        18.0,
        "oz",
        549,
        "cereal, gluten-free",
    )
    assert (deal.kind, deal.price_cents, deal.quantity, deal.regular_price_cents) == (
        "sale",
        399,
        1,
        549,
    )
    assert (deal.starts, deal.ends) == (date(2026, 11, 25), date(2026, 12, 1))
    assert (deal.requires_card, deal.limit_per_customer) == (False, 4)
    assert deal.description == "Sale $3.99, was $5.49"


@pytest.mark.parametrize("feed", ["example-feed.csv", "example-feed.json"])
def test_importing_the_same_feed_again_changes_nothing(migrated_engine, feed):
    first = import_feed(migrated_engine, DOCS / feed)
    counts = _counts(migrated_engine)
    again = import_feed(migrated_engine, DOCS / feed)
    assert again == ImportReport(first.rows, 0, 0, first.rows, 0, 0, 0)
    assert _counts(migrated_engine) == counts


def test_an_edited_feed_updates_the_deals_and_products_it_repeats(migrated_engine, tmp_path):
    import_feed(migrated_engine, _write_csv(tmp_path / "week.csv", _rows(3)))
    edited = _rows(4)
    edited[0]["price"] = "2.99"
    edited[1]["category"] = "Breakfast"
    report = import_feed(migrated_engine, _write_csv(tmp_path / "week.csv", edited))
    assert report == ImportReport(4, 1, 1, 2, 0, 1, 1)
    with migrated_engine.connect() as connection:
        assert connection.scalar(select(Deal.price_cents).where(Deal.feed_id == "t-1")) == 299
        category = select(Product.category).where(Product.name == "Cheerios 2 oz")
        assert connection.scalar(category) == "Breakfast"


def test_a_product_is_described_by_the_last_row_naming_it(migrated_engine, tmp_path):
    rows = [
        GOOD | {"id": "a", "regular_price": "5.49"},
        GOOD | {"id": "b", "regular_price": "5.99"},
    ]
    report = import_feed(migrated_engine, _write_csv(tmp_path / "feed.csv", rows))
    assert (report.products_added, report.deals_added) == (1, 2)
    with migrated_engine.connect() as connection:
        assert connection.scalar(select(Product.regular_price_cents)) == 599


def test_stores_are_matched_ignoring_case_and_keep_their_first_city(migrated_engine, tmp_path):
    import_feed(migrated_engine, _write_csv(tmp_path / "one.csv", [GOOD]))
    rows = _rows(3)
    rows[0] |= {"store": "MISSION"}
    rows[1] |= {"store": "Marina", "city": "SF"}
    rows[2] |= {"store": "marina", "city": "Oakland"}
    report = import_feed(migrated_engine, _write_csv(tmp_path / "two.csv", rows))
    assert report.stores_added == 1
    with migrated_engine.connect() as connection:
        stores = connection.execute(select(Store.name, Store.city).order_by(Store.name)).all()
    assert [tuple(store) for store in stores] == [("Marina", "SF"), ("Mission", "San Francisco")]


def test_a_feed_larger_than_one_batch_is_imported_whole(migrated_engine, tmp_path, monkeypatch):
    monkeypatch.setattr(bulk, "SQLITE_BATCH", 100)
    report = import_feed(migrated_engine, _write_csv(tmp_path / "feed.csv", _rows(1050)))
    assert (report.rows, report.deals_added, report.products_added) == (1050, 1050, 1050)
    assert _counts(migrated_engine) == (1, 1050, 1050)


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_a_utf8_byte_order_mark_is_fine(sqlite_engine, tmp_path, suffix):
    plain = DOCS / f"example-feed{suffix}"
    marked = tmp_path / plain.name
    marked.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes())
    report = import_feed(sqlite_engine, marked)
    assert report.deals_added == report.rows == (6 if suffix == ".csv" else 3)


def test_progress_is_reported_in_bytes_read_then_writing_steps(sqlite_engine, tmp_path):
    path = _write_csv(tmp_path / "feed.csv", _rows(12_000))
    heard: list[tuple[str, int, int]] = []
    import_feed(sqlite_engine, path, lambda what, done, total: heard.append((what, done, total)))
    reading = [(done, total) for what, done, total in heard if what == "reading feed.csv"]
    writing = [(done, total) for what, done, total in heard if what == "writing"]
    size = path.stat().st_size
    assert len(reading) >= 3 and reading[-1] == (size, size)
    assert [done for done, _total in reading] == sorted(done for done, _total in reading)
    assert writing[-1][0] == writing[-1][1] and writing[0][0] == 0


def test_a_refused_import_leaves_the_connection_fit_for_the_next(sqlite_engine, tmp_path):
    rows = _rows(3)
    rows[2]["id"] = "t-1"
    _refused(sqlite_engine, _write_csv(tmp_path / "bad.csv", rows))
    assert import_feed(sqlite_engine, _write_csv(tmp_path / "good.csv", _rows(3))).rows == 3
    with sqlite_engine.connect() as connection:
        assert not any("feed" in name for name in inspect(connection).get_temp_table_names())


# Bad deals: each one by where it is, with every reason, and nothing imported


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"starts": "2026-13-01"}, "starts '2026-13-01' is not a date like 2026-11-28"),
        ({"ends": "next week"}, "ends 'next week' is not a date like 2026-11-28"),
        ({"ends": "2026-11-01"}, "ends 2026-11-01 is before starts 2026-11-25"),
        ({"price": "-1.00"}, "price -1.00 must be at least 0"),
        ({"price": "cheap"}, "price 'cheap' is not an amount in dollars like 3.99"),
        ({"price": "1e999999"}, "price '1e999999' is not an amount in dollars like 3.99"),
        ({"price": "250000"}, "price 250000 must be at most 100,000 dollars"),
        ({"regular_price": "0"}, "regular_price 0 must be above 0"),
        ({"kind": "clearance"}, "kind 'clearance' is not one of sale, bogo, multi_buy, coupon"),
        ({"product": ""}, "missing product"),
        ({"store": " "}, "missing store"),
        ({"id": "t-1"}, "id 't-1' is already used on line 2"),
        ({"size": "big"}, "size 'big' must be a number such as 12 or 18.5"),
        ({"product": "x" * 201}, "product is longer than 200 characters"),
    ],
)
def test_a_bad_row_is_reported_by_line_and_nothing_is_imported(
    migrated_engine, tmp_path, change, reason
):
    rows = _rows(4)
    rows[2] |= change
    error = _refused(migrated_engine, _write_csv(tmp_path / "feed.csv", rows))
    assert isinstance(error, BadRows) and error.count == 1
    (bad,) = error.listed
    assert (bad.unit, bad.number) == ("line", 4) and bad.reasons[0].startswith(reason)
    assert _counts(migrated_engine) == (0, 0, 0)


def test_a_row_with_only_an_id_names_every_missing_field(sqlite_engine, tmp_path):
    path = _write_csv(tmp_path / "feed.csv", [*_rows(1), {"id": "t-2"}])
    error = _refused(sqlite_engine, path)
    missing = ", ".join(name for name in REQUIRED if name != "id")
    assert str(error).splitlines()[1] == f"  line 3: missing {missing}"


def test_every_problem_of_a_row_is_shown(sqlite_engine, tmp_path):
    rows = _rows(2)
    rows[1] |= {"kind": "clearance", "price": "cheap", "starts": "soon", "brand": "b" * 101}
    (bad,) = _refused(sqlite_engine, _write_csv(tmp_path / "feed.csv", rows)).listed
    assert bad.reasons == (
        "brand is longer than 100 characters",
        "kind 'clearance' is not one of sale, bogo, multi_buy, coupon, member_price",
        "price 'cheap' is not an amount in dollars like 3.99",
        "starts 'soon' is not a date like 2026-11-28",
    )
    assert str(bad) == "line 3: " + "; ".join(bad.reasons)


def test_every_bad_row_is_listed_in_a_readable_message(migrated_engine, tmp_path):
    rows = _rows(3)
    rows[0]["kind"] = "clearance"
    rows[2]["starts"] = "soon"
    error = _refused(migrated_engine, _write_csv(tmp_path / "feed.csv", rows))
    assert [bad.number for bad in error.listed] == [2, 4]
    lines = str(error).splitlines()
    assert lines[0].endswith("feed.csv: 2 deals with problems, nothing imported")
    assert lines[2].startswith("  line 4: starts 'soon' is not a date")


def test_many_bad_rows_list_the_first_few_and_count_the_rest(migrated_engine, tmp_path):
    rows = _rows(60)
    for row in rows[5:]:
        row["price"] = "free"
    rows[59]["id"] = "t-1"
    error = _refused(migrated_engine, _write_csv(tmp_path / "feed.csv", rows))
    assert error.count == 55
    assert [bad.number for bad in error.listed] == list(range(7, 7 + MAX_LISTED))
    assert str(error).splitlines()[-1] == f"  ... and {55 - MAX_LISTED} more"


def test_a_repeated_id_at_the_very_end_refuses_the_whole_file(migrated_engine, tmp_path):
    import_feed(migrated_engine, _write_csv(tmp_path / "first.csv", _rows(2)))
    counts = _counts(migrated_engine)
    rows = _rows(3000)
    rows[0]["price"] = "1.00"
    rows[-1]["id"] = "t-2"
    error = _refused(migrated_engine, _write_csv(tmp_path / "second.csv", rows))
    assert str(error.listed[0]) == "line 3001: id 't-2' is already used on line 3"
    assert _counts(migrated_engine) == counts
    with migrated_engine.connect() as connection:
        assert connection.scalar(select(Deal.price_cents).where(Deal.feed_id == "t-1")) == 399


def test_a_row_with_too_many_fields_says_how_many(sqlite_engine, tmp_path):
    path = tmp_path / "feed.csv"
    path.write_text(",".join(GOOD) + "\n" + ",".join(GOOD.values()) + ",extra\nlonely\n")
    listed = [str(bad) for bad in _refused(sqlite_engine, path).listed]
    assert listed == [
        f"line 2: has {len(GOOD) + 1} fields, the header has {len(GOOD)}",
        f"line 3: has 1 field, the header has {len(GOOD)}",
    ]


# JSON: deals by item number, the line they are on means nothing in a one-line file


def test_json_problems_name_the_item_number(migrated_engine, tmp_path):
    deals = json.loads((DOCS / "example-feed.json").read_text())
    deals[1] |= {"kind": "clearance", "colour": "red"}
    error = _refused(migrated_engine, _write_json(tmp_path / "feed.json", deals))
    assert [str(bad) for bad in error.listed] == [
        "item 2: unknown field colour; "
        "kind 'clearance' is not one of sale, bogo, multi_buy, coupon, member_price"
    ]


def test_a_json_item_with_only_an_id_names_every_missing_field(sqlite_engine, tmp_path):
    path = _write_json(tmp_path / "feed.json", [GOOD, {"id": "x"}, "deal"])
    listed = [str(bad) for bad in _refused(sqlite_engine, path).listed]
    missing = ", ".join(name for name in REQUIRED if name != "id")
    assert listed == [
        f"item 2: missing {missing}",
        "item 3: each deal must be an object with the documented keys",
    ]


def test_json_repeated_ids_name_both_items(sqlite_engine, tmp_path):
    path = _write_json(tmp_path / "feed.json", [GOOD, GOOD | {"product": "Other"}])
    (bad,) = _refused(sqlite_engine, path).listed
    assert str(bad) == "item 2: id 't-1' is already used on item 1"


def test_json_numbers_and_tag_lists_are_read_exactly(sqlite_engine, tmp_path):
    deal = GOOD | {"price": 3.3, "regular_price": 5.49, "quantity": 1, "tags": ["Soda", "Pop"]}
    import_feed(sqlite_engine, _write_json(tmp_path / "feed.json", [deal]))
    with sqlite_engine.connect() as connection:
        assert connection.scalar(select(Deal.price_cents)) == 330
        assert connection.scalar(select(Product.tags)) == "soda, pop"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[{"id": "a"}, {"id": }]', "feed.json: item 2: not valid JSON (unallowed token"),
        ('[{"id": "a"} {"id": "b"}]', "feed.json: item 2: not valid JSON (after array element"),
        ('[{"id": "a"},', "feed.json: item 2: not valid JSON (premature EOF"),
        (
            '[{"id": "a"}] [',
            "feed.json: not valid JSON after the closing ']' (after item 1)",
        ),
        ('{"id": "1"}', "feed.json: expected a JSON array of deals"),
        ("[]", "feed.json holds no deals, only an empty array"),
    ],
)
def test_json_that_does_not_parse_names_the_item(sqlite_engine, tmp_path, text, message):
    path = tmp_path / "feed.json"
    path.write_text(text)
    error = _refused(sqlite_engine, path)
    assert isinstance(error, UnreadableFeed)
    assert str(error).startswith(str(tmp_path / message))


# Files that cannot be read at all: one line saying what to do


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_a_latin1_file_gets_a_save_as_utf8_hint(sqlite_engine, tmp_path, suffix):
    rows = _rows(3)
    rows[1]["product"] = "Café Bustelo 10 oz"
    path = tmp_path / f"feed{suffix}"
    if suffix == ".csv":
        _write_csv(path, rows, encoding="latin-1")
        where = "line 3 has byte 0xE9 after 'Caf'"
    else:
        path.write_bytes(json.dumps(rows, ensure_ascii=False).encode("latin-1"))
        where = "item 2"
    message = str(_refused(sqlite_engine, path))
    assert message.startswith(f"{path} is not UTF-8 text ({where}; Latin-1 or Windows-1252?)")
    assert SAVE_AS_UTF8 in message and "\n" not in message


@pytest.mark.parametrize("suffix", [".csv", ".json"])
@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_a_utf16_file_gets_a_save_as_utf8_hint(sqlite_engine, tmp_path, suffix, encoding):
    path = tmp_path / f"feed{suffix}"
    plain = (DOCS / f"example-feed{suffix}").read_text()
    path.write_text(plain, encoding=encoding)
    message = str(_refused(sqlite_engine, path))
    advice = SAVE_AS_UTF8 if suffix == ".csv" else SAVE_JSON_AS_UTF8
    assert message.startswith(f"{path} is UTF-16 text, not UTF-8: {advice}")


@pytest.mark.parametrize(("delimiter", "name"), [(";", "semicolons"), ("\t", "tabs")])
def test_a_csv_separated_by_something_else_gets_a_hint(sqlite_engine, tmp_path, delimiter, name):
    path = _write_csv(tmp_path / "feed.csv", _rows(2), delimiter=delimiter)
    message = str(_refused(sqlite_engine, path))
    assert message.startswith(f"{path}: the columns are separated by {name};")
    assert "comma" in message


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("id,store\n1,Mission\n", "line 1: missing columns product, category"),
        (",".join([*GOOD, "colour"]) + "\n", "line 1: unknown column colour"),
        ("id,,store\n", "unknown column (no name: column 2)"),
        (",".join(GOOD).replace("\n", "") + "\r" + "t-1,Mission\r", "a carriage return alone"),
        (",".join([*GOOD, "price"]) + "\n", "line 1: repeated column price"),
        (",".join(GOOD) + "\n\n", "holds no deals, only a header line"),
        ("\n\n", "is empty: nothing imported"),
    ],
)
def test_a_malformed_csv_is_refused_with_where_and_why(sqlite_engine, tmp_path, content, problem):
    path = tmp_path / "feed.csv"
    path.write_text(content)
    error = _refused(sqlite_engine, path)
    assert isinstance(error, UnreadableFeed) and problem in str(error)


def test_commas_at_the_ends_of_the_lines_are_no_columns(sqlite_engine, tmp_path):
    path = _write_csv(tmp_path / "feed.csv", _rows(2))
    path.write_text("".join(f"{line},\n" for line in path.read_text().splitlines()))

    assert import_feed(sqlite_engine, path).deals_added == 2


def test_a_quote_left_open_on_a_short_file_says_so(sqlite_engine, tmp_path):
    path = _write_csv(tmp_path / "feed.csv", _rows(2))
    path.write_text(path.read_text().replace(",Cheerios 2 oz,", ',"Cheerios 2 oz,', 1))

    message = str(_refused(sqlite_engine, path))

    assert 'line 3: has 4 fields, the header has 13; a quote (") opened on it' in message
    assert "is it left open?" in message


def test_a_missing_file_says_no_such_file(sqlite_engine, tmp_path):
    path = tmp_path / "nope.csv"
    assert str(_refused(sqlite_engine, path)) == f"no such file: {path}"


def test_a_file_not_named_csv_or_json_says_so(sqlite_engine, tmp_path):
    path = tmp_path / "feed.txt"
    path.write_text("hello")
    message = str(_refused(sqlite_engine, path))
    assert message == f"{path}: the file name must end in .csv or .json"


def test_a_directory_says_it_is_not_a_feed_file(sqlite_engine, tmp_path):
    path = tmp_path / "feeds.csv"
    path.mkdir()
    assert str(_refused(sqlite_engine, path)) == f"{path} is a directory, not a feed file"


def test_a_quote_left_open_is_named_with_the_line_it_opens_on(sqlite_engine, tmp_path):
    rows = _rows(3000)
    rows[1]["product"] = "Cheerios"
    path = _write_csv(tmp_path / "feed.csv", rows)
    path.write_text(path.read_text().replace(",Cheerios,", ',"Cheerios,', 1))
    message = str(_refused(sqlite_engine, path))
    assert message.startswith(f"{path}: line 3: field larger than field limit")
    assert message.endswith('is a quote (") left open?')


def test_a_nul_character_is_refused_before_it_reaches_the_database(migrated_engine, tmp_path):
    deals = [GOOD | {"product": "Cheerios\x00"}]
    (bad,) = _refused(migrated_engine, _write_json(tmp_path / "feed.json", deals)).listed
    assert str(bad) == "item 1: holds a NUL character (is it a text file?)"


# --- Pieces per pack, items a deal needs, and digital coupons (docs/feeds.md) ---


def _import_one(engine, tmp_path: Path, **fields: str) -> tuple[Product, Deal]:
    row = GOOD | fields
    path = tmp_path / "one.csv"
    with path.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)
    import_feed(engine, path)
    with engine.connect() as connection:
        product = connection.execute(select(Product)).one()
        deal = connection.execute(select(Deal)).one()
    return product, deal


@pytest.mark.parametrize(
    ("fields", "pack_count"),
    [
        ({"product": "Pepsi 12 pk 12 fl oz cans", "size": "12", "unit": "can"}, 12),
        ({"product": "Bounty Paper Towels 6 double rolls", "size": "6", "unit": "ct"}, 6),
        ({"product": "Cheerios 18 oz"}, 1),
        ({"product": "Eggs Large", "size": "12", "unit": "ct"}, 12),
        ({"product": "Seltzer Variety", "pack_count": "8"}, 8),
    ],
)
def test_pack_count_comes_from_the_feed_or_else_the_name(
    migrated_engine, tmp_path, fields, pack_count
):
    product, _deal = _import_one(migrated_engine, tmp_path, **fields)
    assert product.pack_count == pack_count


def test_what_a_product_is_is_read_at_import(migrated_engine, tmp_path):
    product, _deal = _import_one(
        migrated_engine,
        tmp_path,
        product="Gerber Banana Baby Food Pouches 4 ct",
        brand="Gerber",
        tags="baby food",
    )
    assert product.product_type == "baby food, pouches"


@pytest.mark.parametrize(
    ("fields", "must_buy"),
    [
        ({"kind": "multi_buy", "price": "5.00", "quantity": "2"}, 2),
        ({"kind": "multi_buy", "price": "5.00", "quantity": "2", "must_buy": "1"}, 1),
        ({"kind": "bogo", "price": "5.49", "quantity": "2"}, 2),
        ({"kind": "sale"}, 1),
    ],
)
def test_must_buy_defaults_to_the_whole_set_for_multi_buys_and_bogos(
    migrated_engine, tmp_path, fields, must_buy
):
    _product, deal = _import_one(migrated_engine, tmp_path, **fields)
    assert deal.must_buy == must_buy


def test_a_digital_coupon_needs_the_card_by_default(migrated_engine, tmp_path):
    _product, deal = _import_one(migrated_engine, tmp_path, kind="coupon", price="4.49")
    assert deal.requires_card is True


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"kind": "coupon", "requires_card": "false"}, "requires_card is false, but a coupon"),
        ({"pack_count": "0"}, "pack_count '0' must be a whole number from 1 to 10,000"),
        ({"must_buy": "two"}, "must_buy 'two' must be a whole number from 1 to 10,000"),
    ],
)
def test_deal_rules_the_docs_state_are_checked(migrated_engine, tmp_path, change, reason):
    path = tmp_path / "feed.csv"
    row = GOOD | change
    with path.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)
    (bad,) = _refused(migrated_engine, path).listed
    assert str(bad).startswith(f"line 2: {reason}")


def test_a_category_differing_only_in_case_is_the_one_already_known(migrated_engine, tmp_path):
    import_feed(migrated_engine, _write_csv(tmp_path / "one.csv", [GOOD]))
    rows = _rows(2)
    rows[0] |= {"category": "cereal & breakfast"}
    rows[1] |= {"category": "Frozen", "product": "Peas 1 lb"}
    import_feed(migrated_engine, _write_csv(tmp_path / "two.csv", rows))
    with migrated_engine.connect() as connection:
        categories = connection.scalars(select(Product.category).distinct()).all()
    assert sorted(categories) == ["Cereal & Breakfast", "Frozen"]


def test_json_objects_and_lists_are_not_text(sqlite_engine, tmp_path):
    deal = GOOD | {"store": ["Mission"], "product": {"name": "Soda"}, "tags": ["soda", "pop"]}
    error = _refused(sqlite_engine, _write_json(tmp_path / "feed.json", [deal]))
    assert "item 1: fields store, product: an object or list, not text or a number" in str(error)


def test_a_json_whole_number_may_be_written_with_a_point(sqlite_engine, tmp_path):
    deal = GOOD | {"kind": "multi_buy", "price": "5.00", "quantity": 2.0}
    import_feed(sqlite_engine, _write_json(tmp_path / "feed.json", [deal]))
    with sqlite_engine.connect() as connection:
        assert connection.scalar(select(Deal.quantity)) == 2


def test_a_deal_dearer_than_the_regular_price_is_refused(sqlite_engine, tmp_path):
    dearer = GOOD | {"regular_price": "3.00", "price": "5.00"}
    error = _refused(sqlite_engine, _write_csv(tmp_path / "feed.csv", [dearer]))
    assert "price $5.00 for 1 is more than the regular price of 1 ($3.00)" in str(error)


def test_a_product_spelling_out_every_long_tag_still_fits_what_it_is(migrated_engine, tmp_path):
    # Every tag is in the name, so each is part of what the product is: over 300 characters.
    words = ["alpha", "beta", "gamma", "delta", "omega"]
    tags: list[str] = []
    for tag in (" ".join(some) for n in (3, 2, 1) for some in itertools.permutations(words, n)):
        if len(", ".join([*tags, tag])) <= 300:
            tags.append(tag)
    row = GOOD | {"product": " ".join(words) + " cola", "tags": ", ".join(tags)}
    import_feed(migrated_engine, _write_csv(tmp_path / "feed.csv", [row]))
    with migrated_engine.connect() as connection:
        product_type = connection.scalar(select(Product.product_type))
    assert len(product_type) <= 300 and product_type.endswith(", cola")


def test_deals_are_found_whatever_their_quantity_times_regular_price(migrated_engine, tmp_path):
    # 5,000 items of a $5,000.00 product: 2.5e9 cents, over PostgreSQL's integer.
    huge = GOOD | {"regular_price": "5000.00", "kind": "multi_buy", "price": "1000.00"}
    rows = [huge | {"quantity": "5000"}, GOOD | {"id": "t-2", "product": "Chex 12 oz"}]
    import_feed(migrated_engine, _write_csv(tmp_path / "feed.csv", rows))
    tools = build_tools(migrated_engine, timezone="America/Los_Angeles")
    on = {"start": "2026-11-26", "end": "2026-11-26"}

    found = tools["find_deals"](min_percent_off=10, **on)

    assert [deal["percent_off"] for deal in found] == [100.0, 27.3]
    assert tools["count_deals"](min_percent_off=10, **on) == 2


def test_min_percent_off_keeps_a_deal_showing_that_percent(migrated_engine, tmp_path):
    # 2 for $22.64 against $15.09 each: 24.98 % off, shown as 25.0.
    row = GOOD | {"regular_price": "15.09", "kind": "multi_buy", "price": "22.64"}
    import_feed(migrated_engine, _write_csv(tmp_path / "feed.csv", [row | {"quantity": "2"}]))
    tools = build_tools(migrated_engine, timezone="America/Los_Angeles")
    on = {"start": "2026-11-26", "end": "2026-11-26"}

    [deal] = tools["find_deals"](min_percent_off=25, **on)

    assert deal["percent_off"] == 25.0
    assert tools["find_deals"](min_percent_off=25.1, **on) == []


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("Mānuka Honey 8 oz", "manuka honey"),
        ("Phở Bò Soup Kit", "pho soup"),
        ("Żywiec Lager 6 pk", "zywiec"),
        ("Gluten/Dairy Free Cookies 8 oz", "dairy free cookies"),
        ("Gluten/Dairy Free Crackers 8 oz", "gluten"),
        ("Jalapeño Chips", "jalapeno chips"),
        ("Smørrebrød Kit", "smørrebrød"),  # letters with no accent to fold are letters
        ("Straße Pretzels 10 oz", "straße pretzels"),
        ("Łódź Pickles", "łódź pickles"),
    ],
)
def test_a_name_is_found_by_its_words_on_either_database(migrated_engine, tmp_path, name, query):
    import_feed(migrated_engine, _write_csv(tmp_path / "feed.csv", [GOOD | {"product": name}]))
    tools = build_tools(migrated_engine, timezone="America/Los_Angeles")

    found = tools["search_products"](query)

    assert [(product["name"], product["match"]) for product in found] == [(name, "all")]
