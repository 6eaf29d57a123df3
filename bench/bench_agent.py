"""dealbot's own overhead per answer beyond the model's time: the model (a local fake) replies
instantly, so what is measured is prompt building, the HTTP round trip through the real
anthropic client, the sandbox run with real tool calls, and the history writes.

    .venv/bin/python bench/bench_agent.py [--runs 200] [--products 2000] [--deals 20000]

Goal: p50 <= 50 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import tools
from bot.agent import Agent, AgentConfig
from bot.database import make_engine, upgrade
from bot.evals.report import percentile
from bot.history import History
from tests.fakes.anthropic_api import FakeAnthropic, tool_use_reply

PROGRAM = """\
from datetime import timedelta
t = today()
sat = t + timedelta(days=(5 - t.weekday()) % 7)
deals = find_deals("orange soda", start=sat, end=sat + timedelta(days=1))
lines = [f"- {d['product']} at {d['store']}: {d['description']}" for d in deals[:8]]
final_answer(f"{len(deals)} deals:\\n" + "\\n".join(lines))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--deals", type=int, default=20000)
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory() as folder,
        FakeAnthropic(responder=lambda _request: tool_use_reply({"code": PROGRAM})) as fake,
    ):
        engine = make_engine(f"sqlite:///{folder}/bench.db")
        upgrade(engine)
        tools.seed_demo(engine, products=args.products, deals=args.deals)
        agent = Agent(
            client=fake.client(max_retries=0),
            engine=engine,
            history=History(engine),
            config=AgentConfig(model="claude-sonnet-5-5", timezone="America/Los_Angeles"),
        )
        agent.ask("warm-up")
        totals, model, sandbox = [], [], []
        for _ in range(args.runs):
            started = time.perf_counter()
            run = agent.ask("Any deals on orange soda this weekend?")
            totals.append((time.perf_counter() - started) * 1000)
            assert run.ok, run.error
            model.append(run.model_ms)
            sandbox.append(run.sandbox_ms)

    print(f"answers: {args.runs} on SQLite ({args.products} products, {args.deals} deals)")
    print(f"{'':28}{'p50':>9}{'p95':>9}")
    for label, values in (
        ("whole answer (ms)", totals),
        ("  model HTTP, instant (ms)", model),
        ("  sandbox incl. tools (ms)", sandbox),
        ("  the rest (ms)", [t - m - s for t, m, s in zip(totals, model, sandbox, strict=True)]),
    ):
        print(f"{label:28}{percentile(values, 0.5):9.1f}{percentile(values, 0.95):9.1f}")
    verdict = "met" if statistics.median(totals) <= 50 else "MISSED"
    print(f"goal p50 <= 50 ms: {verdict}")


if __name__ == "__main__":
    main()
