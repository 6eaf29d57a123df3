"""Demo data: deterministic, dated around today, and able to answer every shopper question."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from bot.database import make_engine
from tools import has_deals, seed_demo
from tools.demo import NotDemoData
from tools.demo_deals import _window
from tools.tables import Deal, Product, Store

DAY = timedelta(days=1)
TABLES = ("stores", "products", "deals")


def _dump(engine) -> dict[str, list[tuple]]:
    with engine.connect() as connection:
        return {
            table: [
                tuple(row) for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY id"))
            ]
            for table in TABLES
        }


def test_the_same_seed_and_day_give_the_same_rows(migrated_engine):
    seed_demo(migrated_engine, products=300, deals=1500, seed=3, today=date(2026, 11, 28))
    first = _dump(migrated_engine)
    seed_demo(migrated_engine, products=300, deals=1500, seed=3, today=date(2026, 11, 28))
    assert _dump(migrated_engine) == first


def test_another_seed_gives_other_deals(migrated_engine):
    seed_demo(migrated_engine, products=300, deals=1500, seed=3, today=date(2026, 11, 28))
    first = _dump(migrated_engine)
    seed_demo(migrated_engine, products=300, deals=1500, seed=4, today=date(2026, 11, 28))
    assert _dump(migrated_engine)["deals"] != first["deals"]


def test_report_counts_what_was_loaded(migrated_engine):
    report = seed_demo(migrated_engine, products=500, deals=3000, today=date(2026, 11, 28))
    with migrated_engine.connect() as connection:
        counted = [
            connection.scalar(select(func.count()).select_from(t)) for t in (Store, Product, Deal)
        ]
    assert counted == [report.stores, report.products, report.deals] == [6, 500, 3000]


def test_deals_span_six_months_back_and_two_weeks_ahead(migrated_engine):
    today = date(2026, 11, 28)
    seed_demo(migrated_engine, products=300, deals=3000, today=today)
    with migrated_engine.connect() as connection:
        first, last = connection.execute(select(func.min(Deal.starts), func.max(Deal.starts))).one()
        kinds = set(connection.scalars(select(Deal.kind).distinct()))
    assert today - 190 * DAY <= first <= today - 170 * DAY
    assert today + 7 * DAY <= last <= today + 14 * DAY
    assert kinds == {"sale", "bogo", "multi_buy", "coupon", "member_price"}


def test_has_deals_is_false_before_the_database_is_migrated(sqlite_url):
    engine = make_engine(sqlite_url)
    assert not has_deals(engine)
    engine.dispose()


def test_has_deals_tells_an_empty_database_from_a_seeded_one(migrated_engine):
    assert not has_deals(migrated_engine)
    seed_demo(migrated_engine, products=200, deals=200)
    assert has_deals(migrated_engine)


def _add_feed_deal(engine, feed_id: str) -> None:
    """One deal as a feed import would add it: a feed id demo seeding never makes."""
    with engine.begin() as connection:
        product_id, store_id = connection.execute(
            select(Deal.product_id, Deal.store_id).limit(1)
        ).one()
        connection.execute(
            Deal.__table__.insert().values(
                feed_id=feed_id,
                product_id=product_id,
                store_id=store_id,
                kind="sale",
                description="",
                price_cents=199,
                quantity=1,
                regular_price_cents=299,
                starts=date(2026, 11, 25),
                ends=date(2026, 12, 1),
                requires_card=False,
            )
        )


@pytest.mark.parametrize("feed_id", ["wk48-0001", "DEMO-0000001", "demo"])
def test_seeding_over_a_feeds_deals_is_refused_and_changes_nothing(migrated_engine, feed_id):
    seed_demo(migrated_engine, products=200, deals=300, today=date(2026, 11, 28))
    _add_feed_deal(migrated_engine, feed_id)
    before = _dump(migrated_engine)

    with pytest.raises(NotDemoData) as refused:
        seed_demo(migrated_engine, products=300, deals=500, seed=9)

    assert refused.value.count == 1
    assert _dump(migrated_engine) == before


def test_seeding_with_replace_deletes_a_feeds_deals(migrated_engine):
    seed_demo(migrated_engine, products=200, deals=300, today=date(2026, 11, 28))
    _add_feed_deal(migrated_engine, "wk48-0001")

    report = seed_demo(migrated_engine, products=200, deals=300, replace=True)

    with migrated_engine.connect() as connection:
        ids = list(connection.scalars(select(Deal.feed_id)))
    assert len(ids) == report.deals and all(feed_id.startswith("demo-") for feed_id in ids)


@pytest.mark.parametrize("offset", range(7))
def test_windows_cover_the_days_they_are_named_for_on_any_weekday(offset):
    today = date(2026, 11, 23) + offset * DAY
    saturday = today + ((5 - today.weekday()) % 7) * DAY
    friday = today + ((4 - today.weekday()) % 7) * DAY
    monday = today - today.weekday() * DAY
    assert _covers(_window("weekend", today), saturday, saturday + DAY)
    assert _covers(_window("friday", today), friday, friday)
    assert _covers(_window("week", today), today, today + 6 * DAY)
    assert _window("ends_tomorrow", today)[1] == today + DAY
    assert monday <= _window("since_monday", today)[0] <= today


def _covers(window: tuple[date, date], first: date, last: date) -> bool:
    return window[0] <= first and last <= window[1]


QUESTIONS: list[Callable[[dict], bool]] = []


def shopper_question(check: Callable[[dict], bool]) -> Callable[[dict], bool]:
    """Registers a check that the demo data answers one question of QUESTIONS.md."""
    QUESTIONS.append(check)
    return check


def _week(tools) -> dict:
    today = tools["today"]()
    return {"start": today, "end": today + 6 * DAY, "limit": 500}


@shopper_question
def _q1_orange_soda_this_weekend(tools):
    today = tools["today"]()
    saturday = today + ((5 - today.weekday()) % 7) * DAY
    deals = tools["find_deals"]("orange soda", start=saturday, end=saturday + DAY, limit=200)
    return {"Sunkist", "Fanta", "Crush", "Bayside"} <= {d["brand"] for d in deals}


@shopper_question
def _q2_cheapest_cereal_per_ounce(tools):
    deals = tools["find_deals"](category="cereal", limit=500)
    return len([d for d in deals if d["unit"] == "oz" and d["size"]]) >= 3


@shopper_question
def _q3_tacos_on_friday(tools):
    today = tools["today"]()
    friday = today + ((4 - today.weekday()) % 7) * DAY
    wanted = ("ground beef", "tortillas", "shredded cheese", "salsa")
    return all(tools["find_deals"](item, start=friday) for item in wanted)


@shopper_question
def _q4_store_with_most_snack_deals(tools):
    counts = Counter(d["store"] for d in tools["find_deals"](category="Snacks", **_week(tools)))
    return len(counts) >= 3


@shopper_question
def _q5_bogo_ice_cream_without_a_card(tools):
    deals = tools["find_deals"]("ice cream", kind="bogo", **_week(tools))
    return any(not d["requires_card"] for d in deals) and any(d["requires_card"] for d in deals)


@shopper_question
def _q6_cases_of_coke_and_bags_of_chips(tools):
    coke = tools["find_deals"]("coca cola 24 pk", **_week(tools))
    chips = tools["find_deals"]("potato chips", **_week(tools))
    return any(d["size"] == 24 for d in coke) and bool(chips)


@shopper_question
def _q7_cheerios_cheaper_than_3_99_lately(tools):
    cheerios = tools["search_products"]("cheerios 18 oz", limit=1)[0]
    return any(d["unit_price"] < 3.99 for d in tools["deal_history"](cheerios["id"]))


@shopper_question
def _q8_deals_ending_tomorrow(tools):
    tomorrow = tools["today"]() + DAY
    return any(d["ends"] == tomorrow for d in tools["find_deals"](start=tomorrow, limit=500))


@shopper_question
def _q9_coffee_over_30_percent_off(tools):
    return bool(tools["find_deals"]("coffee", min_percent_off=30, **_week(tools)))


@shopper_question
def _q10_pepsi_or_coke_per_can(tools):
    pepsi = tools["find_deals"]("pepsi", **_week(tools))
    coke = tools["find_deals"]("coke", **_week(tools))
    return all(any(d["unit"] == "can" for d in deals) for deals in (pepsi, coke))


@shopper_question
def _q11_produce_at_mission(tools):
    return len(tools["find_deals"](category="produce", store="Mission")) >= 3


@shopper_question
def _q12_digital_coupons_for_diapers(tools):
    deals = tools["find_deals"]("diapers", kind="coupon")
    return any(d["requires_card"] for d in deals)


@shopper_question
def _q13_sparkling_water_cans(tools):
    deals = tools["find_deals"]("sparkling water", **_week(tools))
    return len({d["product"] for d in deals if d["unit"] == "can"}) >= 3


@shopper_question
def _q14_new_since_monday(tools):
    today = tools["today"]()
    monday = today - today.weekday() * DAY
    deals = tools["find_deals"](start=monday, end=today, limit=500)
    return any(d["starts"] >= monday for d in deals)


@shopper_question
def _q15_frozen_pizza_per_ounce(tools):
    deals = tools["find_deals"]("frozen pizza", **_week(tools))
    return len({d["product"] for d in deals if d["unit"] == "oz"}) >= 4


@shopper_question
def _q16_milk_eggs_bread_bananas_today(tools):
    return all(tools["find_deals"](item) for item in ("milk", "eggs", "bread", "bananas"))


@shopper_question
def _q17_multi_buys_that_save_and_that_do_not(tools):
    deals = tools["find_deals"](kind="multi_buy", **_week(tools))
    return any(d["savings"] > 0 for d in deals) and any(d["savings"] <= 0 for d in deals)


@shopper_question
def _q18_three_biggest_discounts(tools):
    return len(tools["find_deals"](limit=3)) == 3


@shopper_question
def _q19_gluten_free_this_week(tools):
    return len(tools["find_deals"]("gluten-free", **_week(tools))) >= 3


@shopper_question
def _q20_tide_pods_last_sale(tools):
    pods = tools["search_products"]("tide pods", limit=1)[0]
    history = tools["deal_history"](pods["id"])
    return any(d["ends"] < tools["today"]() for d in history)


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.__name__.lstrip("_"))
def test_demo_data_answers_every_shopper_question(tools, question):
    name = question.__name__.lstrip("_")
    assert question(tools), f"the demo data does not answer {name}: see its check's conditions"


def test_every_shopper_question_has_a_check():
    assert len(QUESTIONS) == 20
