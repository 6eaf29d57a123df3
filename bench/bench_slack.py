"""The Slack app under load, over real HTTP (serve's waitress server) with the fakes behind it.

    .venv/bin/python bench/bench_slack.py [--acks 300] [--questions 50] [--model-seconds 1]

1. Ack latency: signed app_mention events posted one after another; the time until the HTTP
   response (the ack). Goal p99 <= 100 ms.
2. Concurrency: N questions posted at once, the model taking `--model-seconds` each; the time
   until every answer has been streamed. Goal: 50 answered within 3 s.
3. First sign of progress: signed app_mention events posted one after another; the time from
   posting each until Slack receives its assistant.threads.setStatus. Goal p95 <= 300 ms.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import tools
from bot.database import make_engine, upgrade
from bot.evals.report import percentile
from tests.bot.slack_harness import running_bot
from tests.fakes.anthropic_api import FakeAnthropic, tool_use_reply
from tests.fakes.slack_api import BOT_USER_ID, CHANNEL_ID, USER_ID, FakeSlack
from tests.fakes.slack_payloads import app_mention_event

PROGRAM = "deals = find_deals('orange soda')\nfinal_answer(f'{len(deals)} deals')"
ANSWERED = "chat.stopStream"  # the call that ends an answer's stream


def measure_acks(bot, count: int) -> list[float]:
    latencies = []
    for i in range(count):
        started = time.perf_counter()
        status, _ = bot.event(app_mention_event(f"ack test {i}"))
        latencies.append((time.perf_counter() - started) * 1000)
        assert status == 200
    bot.drain()
    return latencies


def measure_concurrency(bot, slack: FakeSlack, count: int) -> float:
    before = len(slack.calls_to(ANSWERED))
    events = [app_mention_event(f"concurrent question {i}") for i in range(count)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=count) as pool:
        statuses = list(pool.map(lambda e: bot.event(e)[0], events))
    assert all(status == 200 for status in statuses)
    slack.wait_for(ANSWERED, before + count, timeout=60)
    return time.perf_counter() - started


def measure_first_status(bot, slack: FakeSlack, count: int) -> list[float]:
    latencies = []
    for i in range(count):
        before = len(slack.calls_to("assistant.threads.setStatus"))
        started = time.perf_counter()
        bot.event(app_mention_event(f"status test {i}"))
        slack.wait_for("assistant.threads.setStatus", before + 1)
        latencies.append((time.perf_counter() - started) * 1000)
    bot.drain()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--acks", type=int, default=300)
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--model-seconds", type=float, default=1.0)
    parser.add_argument("--statuses", type=int, default=100)
    args = parser.parse_args()
    # A burst of 50 queues behind waitress's 16 request threads, as designed; the figures say
    # what that costs, so its "Task queue depth is N" warning per request adds nothing here.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)

    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.db")
        upgrade(engine)
        tools.seed_demo(engine)
        with FakeSlack() as slack, FakeAnthropic() as model:
            slack.add_user(USER_ID)
            slack.set_members(CHANNEL_ID, [USER_ID, BOT_USER_ID])
            model.responder = lambda _r: tool_use_reply({"code": PROGRAM})
            with running_bot(engine, slack, model, dealbot_rate_limit=0) as bot:
                acks = measure_acks(bot, args.acks)
                statuses = measure_first_status(bot, slack, args.statuses)
                model.responder = lambda _r: tool_use_reply(
                    {"code": PROGRAM}, delay=args.model_seconds
                )
                elapsed = measure_concurrency(bot, slack, args.questions)
                answers = [slack.message(c["channel"], c["ts"]) for c in slack.calls_to(ANSWERED)]
                failed = [answer for answer in answers if "deals" not in answer["text"]]
    print(
        f"ack latency over {args.acks} events (ms): p50 {percentile(acks, 0.5):.1f}  "
        f"p95 {percentile(acks, 0.95):.1f}  p99 {percentile(acks, 0.99):.1f}  "
        f"max {max(acks):.1f}   goal p99 <= 100: "
        f"{'met' if percentile(acks, 0.99) <= 100 else 'MISSED'}"
    )
    print(
        f"{args.questions} concurrent questions, model {args.model_seconds:g}s each: all answered "
        f"in {elapsed:.2f}s   goal <= 3s: {'met' if elapsed <= 3 else 'MISSED'}"
    )
    print(
        f"event -> first status call over {args.statuses} events (ms): "
        f"p50 {percentile(statuses, 0.5):.1f}  p95 {percentile(statuses, 0.95):.1f}  "
        f"max {max(statuses):.1f}   goal p95 <= 300: "
        f"{'met' if percentile(statuses, 0.95) <= 300 else 'MISSED'}"
    )
    if failed:
        print(f"answers that were not answers: {json.dumps(failed[:2])[:400]}")


if __name__ == "__main__":
    main()
