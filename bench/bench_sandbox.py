"""What the sandbox costs: a trivial run, a CPU-bound program, and 1,000 hostile runs.

    .venv/bin/python bench/bench_sandbox.py [--trivial-runs 500] [--repeats 7]
        [--deals 20000] [--hostile-runs 1000]

Goals: trivial run p50 <= 5 ms; the CPU-bound program <= 1.5x plain in-process exec and
>= 10x faster than smolagents' LocalPythonExecutor (skipped with a note when smolagents is
not installed: `.venv/bin/pip install smolagents`); after 1,000 hostile runs, no stray
process, no leaked descriptor, and no memory growth worth mentioning in the bot's process.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.evals.report import percentile
from sandbox import Sandbox
from tests.sandbox.fakes import deals_tools
from tests.sandbox.hostile import hostile_program
from tests.sandbox.processes import children, open_fds, rss_kb, zombies

TRIVIAL_PROGRAM = "final_answer('ok')"
CPU_PROGRAM = """
import math
import statistics
from collections import defaultdict

deals = []
for i in range(DEALS):
    regular = 1.0 + (i * 37 % 500) / 10
    price = round(regular * (0.5 + (i * 13 % 40) / 100), 2)
    deals.append({"id": i, "product": f"product {i % 997}", "category": f"cat{i % 23}",
                  "store": f"store{i % 7}", "price": price, "regular_price": regular,
                  "quantity": 1 + i % 3})
by_category = defaultdict(list)
for deal in deals:
    by_category[deal["category"]].append(deal)
lines = []
for category, items in sorted(by_category.items()):
    unit_prices = [d["price"] / d["quantity"] for d in items]
    saved = sum(d["regular_price"] - d["price"] for d in items)
    best = min(items, key=lambda d: d["price"] / d["quantity"])
    lines.append(f"{category}: {len(items)} deals, mean ${statistics.fmean(unit_prices):.2f}, "
                 f"best {best['product']} ${best['price']:.2f}, saves ${saved:,.2f}")
top = sorted(deals, key=lambda d: (d["regular_price"] - d["price"]) / d["regular_price"],
             reverse=True)[:5]
counts = {}
for deal in deals:
    for word in deal["product"].split():
        counts[word] = counts.get(word, 0) + 1
score = 0.0
for deal in deals:
    score += math.sqrt(deal["price"]) * deal["quantity"]
final_answer("\\n".join(lines[:3]) + f"\\ntop {top[0]['id']} words {len(counts)} score {score:.1f}")
"""


class _Finished(BaseException):
    """Ends a reference run at final_answer."""


def timed_ms(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = call()
    return (time.perf_counter() - started) * 1000, value


def verdict(met: bool) -> str:
    return "met" if met else "NOT MET"


def trivial_runs(box: Sandbox, runs: int) -> None:
    for _ in range(20):
        box.run(TRIVIAL_PROGRAM, {})
    times = [timed_ms(lambda: box.run(TRIVIAL_PROGRAM, {}))[0] for _ in range(runs)]
    p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
    print(
        f"trivial run, {runs} back to back: p50 {p50:.2f} ms, p95 {p95:.2f} ms, "
        f"max {max(times):.2f} ms   [goal p50 <= 5 ms: {verdict(p50 <= 5)}]"
    )


def in_process_exec(code: str) -> str:
    answers: list[str] = []

    def final_answer(answer: str) -> None:
        answers.append(answer)
        raise _Finished

    with contextlib.suppress(_Finished):
        exec(compile(code, "<program>", "exec"), {"final_answer": final_answer})
    return answers[0]


def median_ms(call: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    runs = [timed_ms(call) for _ in range(repeats)]
    return statistics.median(ms for ms, _ in runs), runs[-1][1]


def cpu_bound(box: Sandbox, code: str, repeats: int) -> float:
    exec_ms, expected = median_ms(lambda: in_process_exec(code), repeats)
    sandbox_ms, result = median_ms(lambda: box.run(code, {}, timeout_s=60), repeats)
    if result.answer != expected:
        raise SystemExit(f"the sandbox's answer differs from exec's: {result.error}")
    ratio = sandbox_ms / exec_ms
    print(
        f"CPU-bound program: in-process exec {exec_ms:.1f} ms, sandbox {sandbox_ms:.1f} ms "
        f"(whole run) -> {ratio:.2f}x   [goal <= 1.5x: {verdict(ratio <= 1.5)}]"
    )
    return sandbox_ms


def smolagents_comparison(code: str, sandbox_ms: float, repeats: int) -> None:
    try:
        from smolagents import LocalPythonExecutor
    except ImportError:
        print("smolagents LocalPythonExecutor: skipped (pip install smolagents to compare)")
        return
    imports = ["math", "statistics", "collections"]

    def smolagents_run() -> Any:
        executor = LocalPythonExecutor(additional_authorized_imports=imports)
        executor.send_tools({"final_answer": lambda answer: answer})
        return executor(code).output

    smol_ms, output = median_ms(smolagents_run, repeats)
    if output != in_process_exec(code):
        raise SystemExit("smolagents' answer differs from exec's")
    faster = smol_ms / sandbox_ms
    print(
        f"smolagents LocalPythonExecutor: {smol_ms:.0f} ms -> sandbox {faster:.1f}x faster   "
        f"[goal >= 10x: {verdict(faster >= 10)}]"
    )


def settled_children(server_pid: int, expected: int) -> list[int]:
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        workers = children(server_pid)
        if len(workers) == expected and not zombies(server_pid):
            break
        time.sleep(0.02)
    return children(server_pid)


def hostile_soak(box: Sandbox, runs: int) -> None:
    server_pid = box.server_pid
    assert server_pid is not None, "the warm-up started the worker server"
    bot_children, fds, rss = children(os.getpid()), len(open_fds()), rss_kb()
    workers_before = len(settled_children(server_pid, box.prefork))
    tools = deals_tools()
    started = time.perf_counter()
    wrong = 0
    for index in range(runs):
        code, kind, timeout_s = hostile_program(index)
        result = box.run(code, tools, timeout_s=timeout_s, memory_mb=128)
        wrong += result.error_kind != kind
    elapsed = time.perf_counter() - started
    workers_after = len(settled_children(server_pid, box.prefork))
    grown_mb = (rss_kb() - rss) / 1024
    clean = (
        wrong == 0
        and box.server_pid == server_pid
        and workers_after == workers_before
        and children(os.getpid()) == bot_children
        and not zombies(os.getpid())
        and len(open_fds()) == fds
    )
    print(
        f"{runs} hostile runs in {elapsed:.1f} s ({wrong} with an unexpected error_kind): "
        f"worker server pid kept, its workers {workers_before} -> {workers_after}, "
        f"bot children {len(bot_children)} -> {len(children(os.getpid()))}, zombies "
        f"{len(zombies(os.getpid()))}, bot fds {fds} -> {len(open_fds())}, bot RSS "
        f"{rss / 1024:.1f} -> {rss_kb() / 1024:.1f} MB ({grown_mb:+.1f})   "
        f"[no strays, no leaks: {verdict(clean and grown_mb < 5)}]"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trivial-runs", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--deals", type=int, default=20_000)
    parser.add_argument("--hostile-runs", type=int, default=1000)
    args = parser.parse_args()
    code = CPU_PROGRAM.replace("DEALS", str(args.deals))
    with Sandbox() as box:
        print(f"isolation: {box.isolation}")
        trivial_runs(box, args.trivial_runs)
        sandbox_ms = cpu_bound(box, code, args.repeats)
        smolagents_comparison(code, sandbox_ms, max(1, args.repeats // 2))
        hostile_soak(box, args.hostile_runs)


if __name__ == "__main__":
    main()
