"""Everyday programs of the kind the model writes give exactly what plain CPython gives."""

from __future__ import annotations

import contextlib
import io
import textwrap
from typing import Any

import pytest

from tests.sandbox.fakes import deals_tools


class _Finished(BaseException):
    """Stops the reference run at final_answer, as the sandbox does."""


def run_in_cpython(code: str, tools: dict[str, Any]) -> tuple[str | None, str]:
    """The program's answer and printed output under plain CPython, full builtins."""
    answers: list[str] = []

    def final_answer(answer: Any) -> None:
        answers.append(answer if isinstance(answer, str) else str(answer))
        raise _Finished

    namespace = {"__name__": "__main__", "final_answer": final_answer, **tools}
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.suppress(_Finished):
        exec(compile(code, "<program>", "exec"), namespace)
    return (answers[0] if answers else None), output.getvalue()


PROGRAMS = {
    "orange_soda_this_weekend": """
        from datetime import timedelta
        t = today()
        saturday = t + timedelta(days=(5 - t.weekday()) % 7)
        sunday = saturday + timedelta(days=1)
        deals = find_deals("orange soda", start=saturday, end=sunday)
        if not deals:
            final_answer("No orange soda deals this weekend.")
        lines = [
            f"- {d['product']} at {d['store']}: ${d['price']:.2f} (was ${d['regular_price']:.2f})"
            for d in sorted(deals, key=lambda d: d["price"])
        ]
        heading = f"Orange soda deals {saturday:%a %b %d}–{sunday:%a %b %d}:"
        final_answer(heading + "\\n" + "\\n".join(lines))
    """,
    "cheapest_cereal_per_ounce": """
        best = None
        for deal in find_deals(category="cereal"):
            per_oz = deal["price"] / deal["quantity"] / deal["size"]
            if best is None or per_oz < best[0]:
                best = (per_oz, deal)
        per_oz, deal = best
        final_answer("Cheapest cereal per ounce: {} at {} ({:.3f} $/oz)".format(
            deal["product"], deal["store"], per_oz))
    """,
    "savings_on_a_basket": """
        basket = {"coca-cola": 2, "chips": 3}
        total = 0.0
        details = []
        for query, count in basket.items():
            deals = find_deals(query)
            if not deals:
                continue
            deal = min(deals, key=lambda d: d["price"] / d["quantity"])
            saving = deal["savings"] / deal["quantity"] * count
            total += saving
            details.append("%-25s x%d  saves $%6.2f" % (deal["product"], count, saving))
        print("\\n".join(details))
        final_answer(f"You would save ${total:,.2f}")
    """,
    "augmented_assignment_on_items_and_attributes": """
        from collections import Counter, defaultdict

        class Tally:
            def __init__(self):
                self.count = 0
                self.amount = 0.0

        by_store = defaultdict(list)
        kinds = Counter()
        tally = Tally()
        totals = {}
        calls = []

        def key(name):
            calls.append(name)
            return name

        for d in find_deals():
            by_store[d["store"]] += [d["product"]]
            kinds[d["kind"]] += 1
            totals[key(d["category"])] = totals.get(d["category"], 0)
            totals[key(d["category"])] += d["savings"]
            tally.count += 1
            tally.amount += d["price"]
        grid = [[0, 0], [0, 0]]
        grid[1][0] -= 5
        grid[0][1] **= 2
        s = "ab"
        s *= 3
        print(dict(by_store), kinds.most_common(3), tally.count, round(tally.amount, 2))
        print({k: round(v, 2) for k, v in sorted(totals.items())}, grid, s, len(calls))
    """,
    "comprehensions_generators_and_builtins": """
        deals = find_deals()
        prices = [d["price"] for d in deals]
        names = {d["product"] for d in deals if d["kind"] == "sale"}
        by_id = {d["id"]: d for d in deals}
        gen = (p * 2 for p in prices)
        print(sum(prices) > 0, any(p > 10 for p in prices), all(p > 0 for p in prices))
        print(sorted(names), len(by_id), max(gen), min(prices, default=0))
        print(list(enumerate(sorted(prices)[:3], start=1)))
        print(list(zip(prices[:2], reversed(prices[-2:]))))
        print(list(map(round, prices[:3])), list(filter(lambda p: p < 3, prices)))
        print(tuple(range(0, 20, 7)), list(range(2000))[-1], set("aab") == {"a", "b"})
        print(divmod(17, 5), abs(-2.5), pow(2, 10), round(2.675, 2), isinstance(deals, list))
    """,
    "unpacking_walrus_and_loops": """
        first, *middle, last = [d["price"] for d in find_deals(category="snacks")]
        a, (b, c) = 1, (2, 3)
        for i, (name, price) in enumerate((d["product"], d["price"]) for d in find_deals("cola")):
            print(i, name, price)
        n = 0
        while True:
            n += 1
            if (square := n * n) > 50:
                break
        head, *tail = "abc"
        merged = {**{"x": 1}, **{"y": 2}}
        print(first, middle, last, a, b, c, n, square, head, tail, merged, [*tail, *"de"])
    """,
    "classes_with_methods": """
        class Deal:
            def __init__(self, raw):
                self.raw = raw
                self.price = raw["price"] / raw["quantity"]

            def __lt__(self, other):
                return self.price < other.price

            def __repr__(self):
                return f"Deal({self.raw['product']!r}, {self.price:.2f})"

            @property
            def saving(self):
                return self.raw["savings"]

            @staticmethod
            def describe(deal):
                return str(deal)

            def label(self):
                return self.raw["store"]

        class BigDeal(Deal):
            def label(self):
                return "big " + super().label()

        deals = sorted(Deal(d) for d in find_deals(category="snacks"))
        big = BigDeal(find_deals("milk")[0])
        big.price *= 2
        print(deals[0], Deal.describe(deals[-1]), round(deals[0].saving, 2))
        print(isinstance(big, Deal), big.label(), type(big) is BigDeal, round(big.price, 2))
    """,
    "exceptions_try_except_finally": """
        results = []
        try:
            find_deals(store="Costco")
        except ValueError as error:
            results.append(str(error))
        finally:
            results.append("done")
        try:
            {}["missing"]
        except KeyError as error:
            results.append(repr(error))
        try:
            int("x")
        except (TypeError, ValueError):
            results.append("bad int")
        else:
            results.append("unreachable")
        class NoDeals(Exception):
            pass
        try:
            raise NoDeals("none this week")
        except NoDeals as error:
            results.append(error.args[0])
        print(results)
    """,
    "dates_and_strftime": """
        import datetime
        from datetime import date, timedelta
        t = today()
        week = [t + timedelta(days=i) for i in range(7)]
        print([d.strftime("%a %d") for d in week])
        ending = [d for d in find_deals() if d["ends"] <= t + timedelta(days=3)]
        print(len(ending), min(d["ends"] for d in find_deals()).isoformat())
        print((date(2024, 12, 25) - t).days, t.replace(day=1).strftime("%B %Y"))
        print(datetime.datetime(2024, 5, 3, 14, 30).strftime("%I:%M %p"), t.isocalendar()[1])
        print(datetime.datetime.strptime("2024-05-10", "%Y-%m-%d").date() > t)
        print(f"{t:%A}", "{:%d/%m}".format(t), "%s" % t)
    """,
    "modules_everyday": """
        import json, math, re, statistics
        from collections import OrderedDict, deque, namedtuple
        from decimal import Decimal, ROUND_HALF_UP
        from fractions import Fraction
        from itertools import chain, groupby, islice
        prices = [d["price"] for d in find_deals()]
        print(round(statistics.mean(prices), 3), statistics.median(prices))
        print(round(statistics.stdev(prices), 3), math.floor(max(prices)))
        print(math.isclose(0.1 + 0.2, 0.3), math.sqrt(16), math.pi > 3)
        sizes = [re.search(r"(\\d+)\\s*(pk|L)", d["product"]) for d in find_deals("orange")]
        print([m.group(1) for m in sizes if m])
        print(json.dumps({"n": len(prices), "max": max(prices)}, sort_keys=True))
        print(json.loads('{"a": [1, 2]}')["a"])
        print(Decimal("19.995").quantize(Decimal("0.01"), ROUND_HALF_UP))
        print(Fraction(3, 4) * 2, list(islice(chain([1], [2, 3]), 2)), deque([1, 2], maxlen=2))
        by_cat = {k: len(list(g)) for k, g in groupby(sorted(d["category"] for d in find_deals()))}
        Row = namedtuple("Row", "name price")
        print(by_cat, Row("x", 1).price, list(OrderedDict(a=1)))
    """,
    "string_formatting": """
        d = find_deals("cheerios")[0]
        print("{:.2f}".format(d["price"]), "{:>10}|".format("right"), "{0}-{0}".format("x"))
        print("{name} costs {price:.2f}".format(**{"name": "Milk", "price": 3.5}))
        print("{p[product]}".format(p=d), "{:,}".format(1234567), "{:.1%}".format(0.256))
        print("%s costs $%.2f (%d%% off)" % (d["product"], d["price"], d["percent_off"]))
        print("{x}".format_map({"x": 5}), f"{d['price']:08.3f}", f"{'deal'!r:>8}")
        print(str.format("{} {}", "a", "b"), "-".join(["a", "b"]), "Cola".lower().title())
        print(" padded ".strip().upper(), "a,b".split(","), "x".center(5, "*"))
    """,
    "helper_functions_and_closures": """
        def per_unit(deal: dict) -> float:
            unit_price: float = deal["price"] / deal["quantity"]
            return unit_price

        def cheapest(deals: list[dict], n: int = 3, key=per_unit) -> list[dict]:
            return sorted(deals, key=key)[:n]

        class Basket:
            total: float = 0.0
            items: list

        basket = Basket()
        basket.items: list[str] = []
        seen: dict[str, int] = {}
        seen["x"]: int = 1

        def counter():
            count = 0
            def bump():
                nonlocal count
                count += 1
                return count
            return bump

        bump = counter()
        bump()
        top = cheapest(find_deals(category="beverages"), n=2)
        print([d["product"] for d in top], bump(), Basket.total, basket.items, seen)
        final_answer(", ".join(f"{d['product']} (${per_unit(d):.2f})" for d in top))
    """,
    "history_and_stores": """
        stores = list_stores()
        names = [s["name"] for s in stores]
        product = search_products("cheerios")[0]
        history = deal_history(product["id"], days=90)
        lowest = min(history, key=lambda d: d["price"])
        print(names, list_categories()[:2], len(history))
        price = f"${lowest['price']:.2f} at {lowest['store']}"
        final_answer(f"Lowest recent price for {product['name']}: {price}")
    """,
    "classes_with_equality": """
        class Point:
            def __init__(self, x, y):
                self.x, self.y = x, y
            def __eq__(self, other):
                return (self.x, self.y) == (other.x, other.y)

        class Keyed:
            def __init__(self, key):
                self.key = key
            def __hash__(self):
                return hash(self.key)
            def __eq__(self, other):
                return self.key == other.key

        p = Point(1, 2)
        p.x += 2
        setattr(p, "y", 5)
        k = Keyed("a")
        k.key = "b"
        print(p.x, p.y, p == Point(3, 5), len({k, Keyed("b")}), dict(**{"_id": 1, "n": 2}))
        print("bücher.de".encode("idna"))
    """,
    "printing_without_final_answer": """
        for deal in find_deals(category="dairy"):
            print(deal["product"], deal["store"], sep=" @ ", end=";\\n")
        print()
        print("total", len(find_deals()), sep=": ")
    """,
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_everyday_program_gives_what_cpython_gives(name, run):
    code = textwrap.dedent(PROGRAMS[name]).strip("\n")
    expected_answer, expected_stdout = run_in_cpython(code, deals_tools())

    result = run(code)

    assert result.error is None, result.error
    assert result.ok
    assert (result.answer, result.stdout) == (expected_answer, expected_stdout)


def test_program_without_final_answer_is_ok_with_no_answer(run):
    result = run("print('hello')")

    assert (result.ok, result.answer, result.stdout) == (True, None, "hello\n")


def test_final_answer_ends_the_program_even_inside_try(run):
    result = run(
        """
        try:
            final_answer("first")
        except BaseException:
            pass
        finally:
            print("not reached")
        final_answer("second")
        """
    )

    assert (result.ok, result.answer, result.stdout) == (True, "first", "")


def test_final_answer_converts_non_text_to_text(run):
    assert run("final_answer(42)").answer == "42"


def test_tool_calls_and_duration_are_reported(run):
    result = run("today()\nfind_deals()\nfinal_answer('x')")

    assert result.tool_calls == 2
    assert 0 < result.duration_ms < 5000
