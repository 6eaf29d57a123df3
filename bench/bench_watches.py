"""Watches and the program cache, measured.

1. Program cache: a question asked again, end to end through `dealbot ask --json` (in
   process: settings, database, the cache lookup, the sandbox run, the history) and through
   Slack (a signed app_mention to the bot's HTTP server until the answer's chat.stopStream reaches
   the fake Web API), beside the same question answered by a model call (a local fake
   answering at once, so the difference is dealbot's own work). Goal: a hit p50/p95 <= 50 ms.
2. A storm of due watches (1,000 and 10,000), each its own program or 100 programs shared
   among them (watches due together with the same program share its run), drained twice:
   every answer new (each slot posts), then the same answers (none posts, the usual day).
   Drained by serve's WatchScheduler (its default threads, live questions asked beside it on an
   answers' pool as serve's: their p50/p95), and by concurrent `dealbot watches run-due`
   processes (1 on SQLite; 2 and 4 on PostgreSQL when DATABASE_URL names a server). Program
   runs per second, time to drain, and CPU per slot on the whole machine (bot, sandbox
   workers, database and fakes), with the PostgreSQL server's share of it for serve's storms.

    .venv/bin/python bench/bench_watches.py [--watches 1000 10000] [--programs 0 100]
        [--processes 2 4] [--questions 100] [--slack-latency-ms 150] [--model-latency-ms 2000]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, create_engine, delete, func, insert, select, update

import tools
from bench.bench_agent import PROGRAM  # the orange soda program the model writes
from bot.database import make_engine, upgrade
from bot.evals.report import percentile
from bot.history import new_run_id, utcnow
from bot.serve import settle_start_up_heap
from bot.settings import Settings
from bot.slack.watches import SlackPoster
from bot.slack.work import WorkPool
from bot.watches.runner import WatchConfig, WatchRunner
from bot.watches.schedule import parse_schedule
from bot.watches.scheduler import WatchScheduler
from bot.watches.store import WatchStore
from bot.watches.tables import WatchRow, WatchSlotRow
from tests.bot.conftest import make_test_agent
from tests.bot.slack_harness import running_bot
from tests.fakes.anthropic_api import (
    FakeAnthropic,
    RecordedRequest,
    Reply,
    Responder,
    tool_use_reply,
)
from tests.fakes.slack_api import BOT_TOKEN, BOT_USER_ID, CHANNEL_ID, USER_ID, FakeSlack
from tests.fakes.slack_payloads import app_mention_event
from tests.tools.databases import fresh_postgres
from tools.catalog import SHELVES

QUESTION = "Any deals on orange soda this weekend?"
# What the storm's watches look for: every kind of product the demo sells.
KINDS = tuple(sorted({kind.name.lower() for shelf in SHELVES for kind in shelf.kinds}))


def program(number: int) -> str:
    """The `number`th distinct watch program: the weekend's deals on one kind of product,
    the first few shown (kinds first, then how many are shown)."""
    kind, shown = KINDS[number % len(KINDS)], 8 + number // len(KINDS)
    return PROGRAM.replace('"orange soda"', repr(kind)).replace("deals[:8]", f"deals[:{shown}]")


def model_answering_in(latency_s: float) -> Responder:
    """The fake model's answer to every question: the storm's program, after `latency_s`."""

    def answer(_request: RecordedRequest) -> Reply:
        time.sleep(latency_s)
        return tool_use_reply({"code": PROGRAM})

    return answer


def summary(name: str, values_ms: list[float]) -> str:
    return (
        f"{name:<44} p50 {percentile(values_ms, 0.5):7.1f} ms   "
        f"p95 {percentile(values_ms, 0.95):7.1f} ms   (n={len(values_ms)})"
    )


@contextlib.contextmanager
def demo_database(url: str, products: int, deals: int) -> Iterator[Engine]:
    engine = make_engine(url)
    upgrade(engine)
    tools.seed_demo(engine, products=products, deals=deals)
    try:
        yield engine
    finally:
        engine.dispose()


# --- 1. the program cache ------------------------------------------------------------------


def bench_cache_cli(url: str, model: FakeAnthropic, runs: int) -> None:
    from bot.cli import main

    os.environ |= {
        "DATABASE_URL": url,
        "ANTHROPIC_API_KEY": "bench",
        "ANTHROPIC_BASE_URL": model.url,
    }

    def ask(*extra: str) -> dict:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            main(["ask", QUESTION, "--json", *extra])
        return json.loads(out.getvalue())

    ask()  # the program the cache keeps
    hits, fresh, runs_ms = [], [], []
    for _ in range(runs):
        started = time.perf_counter()
        shown = ask()
        hits.append((time.perf_counter() - started) * 1000)
        assert shown["reused_from"] and shown["llm_calls"] == 0, shown
        runs_ms.append(shown["duration_ms"])
        started = time.perf_counter()
        shown = ask("--fresh")
        fresh.append((time.perf_counter() - started) * 1000)
        assert shown["llm_calls"] == 1
    print(summary("dealbot ask --json, cache hit (0 model calls)", hits))
    print(summary("  of which the run itself (its duration_ms)", runs_ms))
    print(summary("dealbot ask --json --fresh (1 model call)", fresh))


def bench_cache_slack(engine: Engine, model: FakeAnthropic, runs: int) -> None:
    with FakeSlack() as slack:
        slack.set_members(CHANNEL_ID, [USER_ID, BOT_USER_ID])
        for cache, label in (
            (True, "Slack mention → answer, cache hit"),
            (False, "Slack mention → answer, model call"),
        ):
            with running_bot(
                engine, slack, model, program_cache=cache, dealbot_rate_limit=0
            ) as bot:
                stopped = "chat.stopStream"  # an answer ends as a streamed message
                bot.event(app_mention_event(QUESTION))
                slack.wait_for(stopped, len(slack.calls_to(stopped)) + 1, timeout=30)
                bot.drain()
                timings = []
                for _ in range(runs):
                    count = len(slack.calls_to(stopped))
                    started = time.perf_counter()
                    bot.event(app_mention_event(QUESTION))
                    stop = slack.wait_for(stopped, count + 1, timeout=30)[-1]
                    timings.append((time.perf_counter() - started) * 1000)
                    assert ("reused the program" in json.dumps(stop["blocks"])) == cache
                    bot.drain()
                print(summary(label + (" (0 model calls)" if cache else ""), timings))


# --- 2. a storm of due watches ---------------------------------------------------------------


def add_due_watches(engine: Engine, count: int, programs: int) -> None:
    """`count` hourly watches, each due now (a fresh slot), for different owners and channels,
    with `programs` distinct programs among them (0: each its own)."""
    schedule = parse_schedule("hourly")
    now = utcnow()
    rows = [
        {
            "watch_id": new_run_id() + f"{n:05d}"[-5:],
            "team_id": "T0DEALS",
            "owner_id": f"U{n:06d}",
            "target": "channel",
            "channel_id": f"C{n:06d}",
            "thread_ts": None,
            "question": QUESTION,
            "code": program(n % programs if programs else n),
            "source_run_id": "bench00",
            "timezone": "America/Los_Angeles",
            "rule": schedule.rule,
            "only_changes": True,
            "paused": False,
            "failures": 0,
            "next_run_at": due_slot(),
            "created_at": now,
        }
        for n in range(count)
    ]
    with engine.begin() as connection:
        for start in range(0, count, 1000):
            connection.execute(insert(WatchRow), rows[start : start + 1000])


def due_slot() -> datetime:
    """The latest hourly slot: what every watch of the storm is due at."""
    return parse_schedule("hourly").next_after(utcnow() - timedelta(hours=1), "UTC")


def due_again(engine: Engine) -> None:
    """The same slot falls due again with the last answers kept: the next day's storm, on
    deals that did not change (its slots forgotten, so their keys are free again)."""
    with engine.begin() as connection:
        connection.execute(delete(WatchSlotRow))
        connection.execute(update(WatchRow).values(next_run_at=due_slot()))


def finished_slots(engine: Engine) -> int:
    """Slots run to their end so far; asked of the observer (below) while a storm runs."""
    query = select(func.count()).where(WatchSlotRow.state.not_in(("running", "posting")))
    with engine.connect() as connection:
        return connection.scalar(query) or 0


def last_ended(engine: Engine) -> datetime:
    """When the latest slot ended (naive UTC, the bot's clock): a storm's end, read once it
    has drained, so the observer need not look often (a count of 10,000 slots every 0.1 s
    was ~2 % of the machine, beside the storm it measures)."""
    with engine.connect() as connection:
        ended = connection.scalar(select(func.max(WatchSlotRow.finished_at)))
    assert ended is not None, "no slot ended"
    return ended


@contextlib.contextmanager
def observer(engine: Engine) -> Iterator[Engine]:
    """An engine of its own, one connection in autocommit, for watching a storm drain: the
    bot's pool stays the bot's, and no read of ours ends in a ROLLBACK (psycopg forgets a
    connection's prepared statements at each)."""
    watching = create_engine(engine.url, isolation_level="AUTOCOMMIT", pool_size=1)
    try:
        yield watching
    finally:
        watching.dispose()


def busy_cpu_seconds() -> float:
    """CPU time the whole machine spent busy (every process: bot, workers, database, fakes)."""
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def postgres_cpu() -> dict[int, float]:
    """CPU seconds each running PostgreSQL process has used, by pid (the database server's
    share of a storm, where it runs on this machine)."""
    used: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # gone meanwhile
        name, fields = text[text.index("(") + 1 : text.rindex(")")], text.rsplit(")", 1)[1].split()
        if name == "postgres":
            used[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf(
                "SC_CLK_TCK"
            )
    return used


def postgres_cpu_since(before: dict[int, float]) -> float:
    """CPU seconds PostgreSQL's processes used since `before` (a backend started meanwhile
    counts whole; one that ended meanwhile is missed)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in postgres_cpu().items())


def live_questions(
    ask: Callable[[], None],
    stop: threading.Event,
    every_s: float,
    timings: list[tuple[datetime, float]],
) -> None:
    """Ask every `every_s` until `stop`: when each question was asked (naive UTC) and how long
    its answer took (ms)."""
    while not stop.wait(every_s):
        asked, started = utcnow(), time.perf_counter()
        ask()
        timings.append((asked, (time.perf_counter() - started) * 1000))


def drained_line(
    label: str, count: int, drained: float, cpu: float, posts: int, database_cpu: float | None
) -> str:
    line = (
        f"{label}: {count:,} due watches drained in {drained:.1f} s = "
        f"{count / drained:.0f} program runs/s, {posts:,} posts; "
        f"{cpu * 1000 / count:.1f} ms CPU per slot on the whole machine"
    )
    if database_cpu is not None:
        line += f", {database_cpu * 1000 / count:.1f} of it PostgreSQL's"
    return line


def _on_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def bench_storm(
    label: str,
    engine: Engine,
    model: FakeAnthropic,
    count: int,
    workers: int,
    programs: int,
    slack_latency_s: float = 0.0,
) -> None:
    """serve's WatchScheduler in this process, live questions asked beside it; twice: every
    answer new (each slot posts), then the same answers again (none posts)."""
    add_due_watches(engine, count, programs)
    with FakeSlack(latency_s=slack_latency_s) as slack:
        agent = make_test_agent(engine, model)
        live_agent = make_test_agent(engine, model)
        # Live questions on an answers' pool wired as serve wires it: the scheduler steps back
        # while one is answered, but not while it waits on the model.
        pool = WorkPool(4)
        live_agent.model_wait = pool.waiting

        def answer() -> None:
            live_agent.ask(QUESTION)

        def ask() -> None:
            pool.submit(answer).result()

        quiet = [0.0] * 20
        for i in range(len(quiet)):
            started = time.perf_counter()
            ask()
            quiet[i] = (time.perf_counter() - started) * 1000
        print("  " + summary("live question, quiet (model call, fake)", quiet))
        settle_start_up_heap()  # as serve does once it is up
        for storm in ("every answer new", "answers unchanged"):
            if storm == "answers unchanged":
                due_again(engine)
            posted = len(slack.calls_to("chat.postMessage"))
            runner = WatchRunner(  # a new one each storm: shared results last a minute
                agent=agent,
                store=WatchStore(engine),
                poster_for=lambda _team: SlackPoster(slack.client()),
                config=WatchConfig(batch=50),
            )
            scheduler = WatchScheduler(
                runner, workers=workers, live_in_flight=lambda: pool.busy, poll_s=0.05
            )
            stop = threading.Event()
            live: list[tuple[datetime, float]] = []
            asker = threading.Thread(target=live_questions, args=(ask, stop, 0.25, live))
            began, cpu, own = utcnow(), busy_cpu_seconds(), time.process_time()
            database = postgres_cpu()
            scheduler.start()
            asker.start()
            with observer(engine) as watching:
                while finished_slots(watching) < count:
                    time.sleep(0.5)
                ended = last_ended(watching)
                drained = (ended - began).total_seconds()
            cpu, own = busy_cpu_seconds() - cpu, time.process_time() - own
            database_cpu = postgres_cpu_since(database) if _on_postgres(engine) else None
            stop.set()
            asker.join()
            scheduler.stop(30)
            posts = len(slack.calls_to("chat.postMessage")) - posted
            what = f"{label}, serve's scheduler, {storm}"
            print(
                drained_line(what, count, drained, cpu, posts, database_cpu)
                + f" ({own * 1000 / count:.1f} ms in this process: bot and fakes)"
            )
            during = [ms for asked, ms in live if asked <= ended]  # not those after it
            print("  " + summary("live question during the storm", during))
        pool.close(30)


def bench_processes(
    label: str,
    url: str,
    engine: Engine,
    model: FakeAnthropic,
    count: int,
    processes: int,
    programs: int,
    slack_latency_s: float = 0.0,
) -> None:
    """`processes` × `dealbot watches run-due` at once on one database: claimants sharing
    the storm, the fakes in this process; every answer new, then the same answers again."""
    add_due_watches(engine, count, programs)
    with FakeSlack(latency_s=slack_latency_s) as slack:
        environment = {
            k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DEALBOT_"))
        } | {
            "DATABASE_URL": url,
            "ANTHROPIC_API_KEY": "bench",
            "ANTHROPIC_BASE_URL": model.url,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": slack.api_url,
        }
        for storm in ("every answer new", "answers unchanged"):
            if storm == "answers unchanged":
                due_again(engine)
            posted = len(slack.calls_to("chat.postMessage"))
            started, cpu = time.perf_counter(), busy_cpu_seconds()
            running = [
                subprocess.Popen(
                    [Path(sys.executable).with_name("dealbot"), "watches", "run-due"],
                    env=environment,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                for _ in range(processes)
            ]
            said = [process.communicate()[0].strip() for process in running]
            drained = time.perf_counter() - started
            cpu = busy_cpu_seconds() - cpu
            assert finished_slots(engine) == count, said
            posts = len(slack.calls_to("chat.postMessage")) - posted
            what = f"{label}, {processes} × dealbot watches run-due, {storm}"
            # No database share here: the processes' own server backends end with them.
            print(drained_line(what, count, drained, cpu, posts, None))
            for line in said:
                print(f"  {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--watches", type=int, nargs="*", default=[1000, 10000], help="storm sizes (none: no storm)"
    )
    parser.add_argument(
        "--questions", type=int, default=100, help="cache hits timed per path (0: none)"
    )
    parser.add_argument(
        "--workers", type=int, default=Settings.model_fields["dealbot_watch_workers"].default
    )
    parser.add_argument(
        "--processes", type=int, nargs="+", default=[2, 4], help="run-due claimants at once"
    )
    parser.add_argument(
        "--programs",
        type=int,
        nargs="+",
        default=[0, 100],
        help="distinct programs among the watches (0: each its own; watches that share one, "
        "due together, share its run)",
    )
    parser.add_argument(
        "--slack-latency-ms",
        type=float,
        default=0.0,
        help="how long the fake Slack takes to answer each call (0: at once; Slack's servers "
        "take ~100-300 ms from a cloud host)",
    )
    parser.add_argument(
        "--model-latency-ms",
        type=float,
        default=0.0,
        help="how long the fake model takes to answer (0: at once; Claude takes seconds)",
    )
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--deals", type=int, default=20000)
    args = parser.parse_args()
    latency = args.slack_latency_ms / 1000
    server = os.environ.get("DATABASE_URL", "")
    with (
        tempfile.TemporaryDirectory() as folder,
        FakeAnthropic(responder=model_answering_in(args.model_latency_ms / 1000)) as model,
    ):
        url = f"sqlite:///{folder}/cache.db"
        if args.questions:  # --questions 0: the storms alone
            print("== program cache ==")
            with demo_database(url, args.products, args.deals) as engine:
                bench_cache_cli(url, model, args.questions)
                bench_cache_slack(engine, model, args.questions)
        print("== watch storms ==")
        postgres = server.startswith(("postgresql", "postgres:"))
        for count, programs in itertools.product(args.watches, args.programs):
            mix = f"{programs} distinct programs" if programs else "each its own program"
            print(f"-- {count:,} watches due at once, {mix} --")
            sqlite = f"sqlite:///{folder}/storm{count}-{programs}.db"
            with demo_database(sqlite, args.products, args.deals) as engine:
                bench_storm("SQLite", engine, model, count, args.workers, programs, latency)
            sqlite = f"sqlite:///{folder}/claimant{count}-{programs}.db"
            with demo_database(sqlite, args.products, args.deals) as engine:
                bench_processes("SQLite", sqlite, engine, model, count, 1, programs, latency)
            if not postgres:
                continue
            with (
                fresh_postgres(server, "dealbot_bench") as pg,
                demo_database(pg, args.products, args.deals) as engine,
            ):
                bench_storm("PostgreSQL", engine, model, count, args.workers, programs, latency)
            for processes in args.processes:
                with (
                    fresh_postgres(server, "dealbot_bench") as pg,
                    demo_database(pg, args.products, args.deals) as engine,
                ):
                    bench_processes(
                        "PostgreSQL", pg, engine, model, count, processes, programs, latency
                    )


if __name__ == "__main__":
    main()
