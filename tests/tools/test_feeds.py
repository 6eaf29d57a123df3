"""Feed import: all or nothing, every problem by line, and the same file twice is a no-op."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tools import FeedError, ImportReport, import_feed
from tools.models import Deal, Product, Store

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


def _write_csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(GOOD))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _rows(count: int) -> list[dict]:
    return [GOOD | {"id": f"t-{n}", "product": f"Cheerios {n} oz"} for n in range(1, count + 1)]


def _counts(engine) -> tuple[int, int, int]:
    with engine.connect() as connection:
        return tuple(
            connection.scalar(select(func.count()).select_from(table))
            for table in (Store, Product, Deal)
        )


@pytest.mark.parametrize(
    ("feed", "expected"),
    [
        ("example-feed.csv", ImportReport(6, 0, 0, stores_added=3, products_added=6)),
        ("example-feed.json", ImportReport(3, 0, 0, stores_added=1, products_added=3)),
    ],
)
def test_example_feeds_import(migrated_engine, feed, expected):
    assert import_feed(migrated_engine, DOCS / feed) == expected


@pytest.mark.parametrize("feed", ["example-feed.csv", "example-feed.json"])
def test_importing_the_same_feed_again_changes_nothing(migrated_engine, feed):
    first = import_feed(migrated_engine, DOCS / feed)
    counts = _counts(migrated_engine)
    again = import_feed(migrated_engine, DOCS / feed)
    assert again == ImportReport(0, 0, first.inserted)
    assert _counts(migrated_engine) == counts


def test_an_edited_feed_updates_the_deals_it_repeats(migrated_engine, tmp_path):
    import_feed(migrated_engine, _write_csv(tmp_path / "week.csv", _rows(3)))
    edited = _rows(4)
    edited[0]["price"] = "2.99"
    report = import_feed(migrated_engine, _write_csv(tmp_path / "week.csv", edited))
    assert report == ImportReport(inserted=1, updated=1, unchanged=2, products_added=1)
    with migrated_engine.connect() as connection:
        assert connection.scalar(select(Deal.price_cents).where(Deal.feed_id == "t-1")) == 299


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"starts": "2026-13-01"}, "starts '2026-13-01' is not a date like 2026-11-28"),
        ({"ends": "next week"}, "ends 'next week' is not a date like 2026-11-28"),
        ({"ends": "2026-11-01"}, "ends 2026-11-01 is before starts 2026-11-25"),
        ({"price": "-1.00"}, "price -1.00 must be at least 0"),
        ({"price": "cheap"}, "price 'cheap' is not an amount in dollars like 3.99"),
        ({"regular_price": "0"}, "regular_price 0 must be above 0"),
        ({"kind": "clearance"}, "kind 'clearance' is not one of sale, bogo, multi_buy, coupon"),
        ({"product": ""}, "product is missing"),
        ({"store": " "}, "store is missing"),
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
    with pytest.raises(FeedError) as caught:
        import_feed(migrated_engine, _write_csv(tmp_path / "feed.csv", rows))
    assert len(caught.value.problems) == 1
    line, problem = caught.value.problems[0]
    assert line == 4 and problem.startswith(reason)
    assert _counts(migrated_engine) == (0, 0, 0)


def test_every_problem_is_listed_in_a_readable_message(migrated_engine, tmp_path):
    rows = _rows(3)
    rows[0]["kind"] = "clearance"
    rows[2]["starts"] = "soon"
    with pytest.raises(FeedError) as caught:
        import_feed(migrated_engine, _write_csv(tmp_path / "feed.csv", rows))
    assert [line for line, _reason in caught.value.problems] == [2, 4]
    message = str(caught.value)
    assert message.splitlines()[0].endswith("feed.csv: 2 problems, nothing imported")
    assert "  line 4: starts 'soon' is not a date" in message


def test_a_bad_row_leaves_earlier_imports_untouched(migrated_engine, tmp_path):
    import_feed(migrated_engine, _write_csv(tmp_path / "first.csv", _rows(2)))
    counts = _counts(migrated_engine)
    rows = _rows(5)
    rows[0]["price"] = "1.00"
    rows[4]["price"] = "-2"
    with pytest.raises(FeedError):
        import_feed(migrated_engine, _write_csv(tmp_path / "second.csv", rows))
    assert _counts(migrated_engine) == counts
    with migrated_engine.connect() as connection:
        assert connection.scalar(select(Deal.price_cents).where(Deal.feed_id == "t-1")) == 399


def test_json_problems_point_at_the_line_the_deal_starts_on(migrated_engine, tmp_path):
    path = tmp_path / "feed.json"
    shutil.copy(DOCS / "example-feed.json", path)
    deals = json.loads(path.read_text())
    deals[1]["kind"] = "clearance"
    path.write_text(json.dumps(deals, indent=2))
    expected_line = path.read_text().splitlines().index("  {", 2) + 1
    with pytest.raises(FeedError) as caught:
        import_feed(migrated_engine, path)
    assert caught.value.problems == [
        (
            expected_line,
            "kind 'clearance' is not one of sale, bogo, multi_buy, coupon, member_price",
        )
    ]


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("feed.csv", "id,store\n1,Mission\n", (1, "missing columns product, category")),
        ("feed.csv", ",".join([*GOOD, "colour"]) + "\n", (1, "unknown column colour")),
        ("feed.json", '{"id": "1"}', (1, "expected a JSON array of deals")),
        ("feed.json", '[\n  {"id": "1",\n  "store": }\n]', (3, "not valid JSON")),
        ("feed.json", '[\n  "deal"\n]', (2, "each deal must be an object")),
        ("feed.txt", "hello", (0, "the file name must end in .csv or .json")),
    ],
)
def test_a_malformed_file_is_refused_with_where_and_why(
    migrated_engine, tmp_path, name, content, problem
):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(FeedError) as caught:
        import_feed(migrated_engine, path)
    line, reason = caught.value.problems[0]
    assert line == problem[0] and reason.startswith(problem[1])


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
        ({"pack_count": "0"}, "pack_count '0' must be a whole number of at least 1"),
        ({"must_buy": "two"}, "must_buy 'two' must be a whole number of at least 1"),
    ],
)
def test_deal_rules_the_docs_state_are_checked(migrated_engine, tmp_path, change, reason):
    path = tmp_path / "feed.csv"
    row = GOOD | change
    with path.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)
    with pytest.raises(FeedError) as caught:
        import_feed(migrated_engine, path)
    [(line, problem)] = caught.value.problems
    assert line == 2 and problem.startswith(reason)
