"""Seed time and tool latency at a million deals, on SQLite and (given a server) PostgreSQL.

    .venv/bin/python bench/bench_tools.py [--products 100000] [--deals 1000000] [--runs 50]
        [--postgres postgresql://postgres@127.0.0.1:5432/test]

For PostgreSQL a fresh database is made on the named server and dropped afterwards.
Goal: p95 <= 20 ms for find_deals and search_products.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine

from bench.figures import percentile
from bot.database import make_engine, upgrade
from tests.tools.databases import fresh_postgres
from tools import build_tools, seed_demo

GOAL_MS = 20.0
GOAL_TOOLS = ("find_deals", "search_products")


def typical_calls(tools: dict) -> list[tuple[str, str, Callable[[], object]]]:
    """(tool, label, call): what the shopper questions make a program ask."""
    today = tools["today"]()
    saturday = today + timedelta(days=(5 - today.weekday()) % 7)
    friday = today + timedelta(days=(4 - today.weekday()) % 7)
    week = {"start": today, "end": today + timedelta(days=6)}
    cheerios = tools["search_products"]("cheerios 18 oz", limit=1)[0]["id"]
    pods = tools["search_products"]("tide pods", limit=1)[0]["id"]
    find, search = tools["find_deals"], tools["search_products"]
    return [
        *[("search_products", q, lambda q=q: search(q)) for q in SEARCHES],
        ("find_deals", "orange soda, weekend",
         lambda: find("orange soda", start=saturday, end=saturday + timedelta(days=1))),
        ("find_deals", "category cereal, today", lambda: find(category="Cereal & Breakfast")),
        ("find_deals", "ground beef, Friday", lambda: find("ground beef", start=friday)),
        ("find_deals", "Snacks this week, 500", lambda: find(category="Snacks", limit=500, **week)),
        ("find_deals", "ice cream bogo, week", lambda: find("ice cream", kind="bogo", **week)),
        ("find_deals", "coffee >= 30% off, week",
         lambda: find("coffee", min_percent_off=30, **week)),
        ("find_deals", "3 biggest discounts", lambda: find(limit=3)),
        ("find_deals", "ending tomorrow, 500",
         lambda: find(start=today + timedelta(days=1), limit=500)),
        ("find_deals", "produce at Mission", lambda: find(category="Produce", store="Mission")),
        ("find_deals", "diapers coupons", lambda: find("diapers", kind="coupon")),
        ("find_deals", "sparkling water, week", lambda: find("sparkling water", **week)),
        ("find_deals", "gluten-free, week", lambda: find("gluten-free", **week)),
        ("find_deals", "soda, week", lambda: find("soda", **week)),
        ("deal_history", "Cheerios 18 oz", lambda: tools["deal_history"](cheerios)),
        ("deal_history", "Tide PODS", lambda: tools["deal_history"](pods)),
        ("list_categories", "", tools["list_categories"]),
        ("list_stores", "", tools["list_stores"]),
        ("today", "", tools["today"]),
    ]  # fmt: skip


SEARCHES = (
    "orange soda",
    "cheerios",
    "tide pods",
    "sparkling water",
    "chips",
    "gluten-free bread",
    "coffee",
    "diapers",
    "oj",
    "frozen pizza",
)


def measure(call: Callable[[], object], runs: int) -> list[float]:
    call()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def bench(engine: Engine, label: str, args: argparse.Namespace) -> bool:
    upgrade(engine)
    report = seed_demo(engine, products=args.products, deals=args.deals, seed=args.seed)
    print(f"\n== {label}: seeded {report.products:,} products and {report.deals:,} deals"
          f" in {report.seconds:.1f} s")  # fmt: skip
    tools = build_tools(engine, timezone="UTC")
    worst: dict[str, float] = {}
    print(f"{'tool':<16} {'query':<28} {'rows':>5} {'p50 ms':>8} {'p95 ms':>8}")
    for tool, what, call in typical_calls(tools):
        timings = measure(call, args.runs)
        rows = call()
        count = len(rows) if isinstance(rows, list) else 1
        p50, p95 = statistics.median(timings), percentile(timings, 0.95)
        worst[tool] = max(worst.get(tool, 0.0), p95)
        print(f"{tool:<16} {what:<28} {count:>5} {p50:>8.2f} {p95:>8.2f}")
    met = all(worst[tool] <= GOAL_MS for tool in GOAL_TOOLS)
    summary = ", ".join(f"{tool} worst p95 {worst[tool]:.1f} ms" for tool in GOAL_TOOLS)
    print(f"{label}: {summary} (goal {GOAL_MS:g} ms): {'met' if met else 'NOT met'}")
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--postgres", help="a PostgreSQL server URL to bench on as well")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    met = True
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
            met &= bench(engine, "SQLite", args)
            engine.dispose()
    if args.postgres:
        with fresh_postgres(args.postgres, prefix="dealbot_bench") as url:
            engine = make_engine(url)
            met &= bench(engine, "PostgreSQL", args)
            engine.dispose()
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
