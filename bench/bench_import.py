"""Feed import speed and peak memory: rows/s and the importing process's peak RSS.

    .venv/bin/python bench/bench_import.py [--rows 100000 1000000] [--formats csv json]
        [--postgres postgresql://postgres@127.0.0.1:5432/test]

Generates feeds of each size and format (about 20 stores, a product per ten deals), then
imports each twice into a fresh database, in a child process of its own so that its peak
RSS (ru_maxrss, interpreter and libraries included) is the import's alone: first into the
empty database (every deal added), then again (every deal compared, none changed). On SQLite
always; on PostgreSQL too when --postgres or DATABASE_URL names a server (a fresh database
is made there and dropped afterwards). Goal: 1,000,000 rows under 500 MB peak.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import nullcontext
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.database import make_engine, upgrade
from tests.tools.databases import fresh_postgres
from tools import import_feed
from tools.feed_rows import COLUMNS

GOAL_ROWS, GOAL_MB = 1_000_000, 500
STORES = [(f"Store {n:02d}", f"City {n % 7}") for n in range(1, 21)]
KINDS = ("sale", "bogo", "multi_buy", "coupon", "member_price")
NOUNS = ("Soda", "Cereal", "Coffee", "Chips", "Yogurt", "Pasta", "Salsa", "Cookies", "Juice")
ADJECTIVES = ("Orange", "Crunchy", "Organic", "Dark Roast", "Greek", "Spicy", "Classic", "Lite")


def deals(count: int, seed: int = 7) -> Iterator[dict]:
    """`count` valid deals, a product for every ten, in the documented columns."""
    rng = random.Random(seed)
    first = date(2026, 11, 1)
    for number in range(count):
        item = number // 10 if number % 3 else rng.randrange(max(1, count // 10))
        name = f"{ADJECTIVES[item % 8]} {NOUNS[item % 9]} {item} {8 + item % 24} oz"
        store, city = STORES[rng.randrange(len(STORES))]
        regular = 99 + (item * 37) % 1900
        kind = KINDS[rng.randrange(len(KINDS))]
        quantity = 2 if kind in ("bogo", "multi_buy") else 1
        price = regular if kind == "bogo" else regular * quantity * rng.randint(50, 95) // 100
        starts = first + timedelta(days=rng.randrange(60))
        yield {
            "id": f"bench-{number:08d}",
            "store": store,
            "city": city,
            "product": name,
            "brand": f"Brand {item % 500}",
            "category": NOUNS[item % 9],
            "size": 8 + item % 24,
            "unit": "oz",
            "tags": "bench, generated",
            "regular_price": f"{regular / 100:.2f}",
            "kind": kind,
            "price": f"{price / 100:.2f}",
            "quantity": quantity,
            "description": "",
            "starts": starts.isoformat(),
            "ends": (starts + timedelta(days=rng.randrange(1, 14))).isoformat(),
            "requires_card": kind in ("coupon", "member_price"),
            "limit_per_customer": "" if number % 4 else 4,
        }


def write_feed(path: Path, count: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        if path.suffix == ".csv":
            writer = csv.DictWriter(file, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(deals(count))
            return
        file.write("[\n")
        for number, deal in enumerate(deals(count)):
            file.write((",\n" if number else "") + json.dumps(deal))
        file.write("\n]\n")


def child(url: str, feed: str) -> None:
    """Import once and print seconds, rows and peak RSS as one JSON line."""
    engine = make_engine(url)
    started = time.perf_counter()
    report = import_feed(engine, feed)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "rows": report.rows, "peak_mb": peak_kb / 1024}))


def measure(url: str, feed: Path) -> dict:
    command = [sys.executable, __file__, "--child", url, str(feed)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"import of {feed} failed:\n{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])


def bench(label: str, url_for, feeds: list[tuple[Path, int]]) -> bool:
    print(f"\n== {label}")
    print(f"{'feed':<22} {'MB':>6} {'import':<10} {'seconds':>8} {'rows/s':>9} {'peak MB':>8}")
    met = True
    for feed, rows in feeds:
        with url_for() as url:
            upgrade(make_engine(url))
            for label_ in ("first", "again"):
                got = measure(url, feed)
                assert got["rows"] == rows, got
                size = feed.stat().st_size / 2**20
                print(
                    f"{feed.name:<22} {size:>6.1f} {label_:<10} {got['seconds']:>8.1f}"
                    f" {rows / got['seconds']:>9,.0f} {got['peak_mb']:>8.0f}"
                )
                if rows >= GOAL_ROWS:
                    met &= got["peak_mb"] < GOAL_MB
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--formats", nargs="+", choices=("csv", "json"), default=["csv", "json"])
    parser.add_argument("--postgres", help="a PostgreSQL server URL to bench on as well")
    parser.add_argument("--child", nargs=2, metavar=("URL", "FEED"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    server = args.postgres or os.environ.get("DATABASE_URL", "")
    server = server if server.startswith(("postgresql", "postgres:")) else None
    with tempfile.TemporaryDirectory() as folder:
        feeds = []
        for rows in args.rows:
            for kind in args.formats:
                feed = Path(folder) / f"deals-{rows}.{kind}"
                write_feed(feed, rows)
                feeds.append((feed, rows))
        numbers = itertools.count(1)
        sqlite = lambda: nullcontext(f"sqlite:///{folder}/bench-{next(numbers)}.db")  # noqa: E731
        met = bench("SQLite", sqlite, feeds)
        if server:
            met &= bench("PostgreSQL", lambda: fresh_postgres(server, "dealbot_bench"), feeds)
    verdict = "met" if met else "NOT met"
    print(f"\ngoal: {GOAL_ROWS:,} rows under {GOAL_MB} MB peak: {verdict}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
