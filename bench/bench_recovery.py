"""How long a shopper waits when the process answering them is killed, and what leases cost.

    .venv/bin/python bench/bench_recovery.py [--database-url postgresql://…] [--renewals 200]

1. Restart: `dealbot serve` is mentioned, SIGKILLed while the model thinks, started again at
   once; seconds from the SIGKILL to the answer. Goal <= 60 s (before leases: ~600 s).
2. Survivor: two `dealbot serve` processes on one database (SQLite file, or a scratch
   database on the PostgreSQL server --database-url names),
   the one answering is SIGKILLed; seconds until the other answers, with no restart.
   Goal <= 60 s. Both processes run on this host, so the pid proves the dead one gone; across
   hosts the heartbeat does, and the bound printed is dead_after + the recovery period.
3. Renewal: one heartbeat (instance + every held lease, one transaction) in milliseconds, with
   1 and 64 runs held; an answer of a few seconds sees at most one or two of them, shared with
   every other answer in flight, plus one write recording its progress message.
"""

from __future__ import annotations

import argparse
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, delete, text

import tools
from bot.database import make_engine, normalize_url, upgrade
from bot.history import History
from bot.leases import LeaseConfig, Leases
from bot.records import Origin
from bot.serve import RECOVERY_EVERY_SECONDS
from bot.tables import RunRow
from tests.bot.slack_harness import streamed_answer
from tests.bot.test_recovery_processes import (
    _ask_and_kill,
    _model_thinking_forever_then_answering,
)
from tests.bot.test_serve import _environment, _free_port, _serving, _wait_until_listening
from tests.fakes.anthropic_api import FakeAnthropic
from tests.fakes.slack_api import FakeSlack


def measure_restart(url: str) -> float:
    with FakeSlack() as slack, FakeAnthropic() as model:
        _model_thinking_forever_then_answering(model)
        env = _environment(url, slack, model)
        port = _free_port()
        with _serving(env, "--port", str(port)) as first:
            _wait_until_listening(port, first)
            killed_at = _ask_and_kill(first, port, model)
        with _serving(env, "--port", str(port)) as second:
            streamed_answer(slack, timeout=120)
            waited = time.monotonic() - killed_at
            second.send_signal(signal.SIGTERM)
            second.communicate(timeout=30)
    return waited


def measure_survivor(url: str) -> float:
    with FakeSlack() as slack, FakeAnthropic() as model:
        _model_thinking_forever_then_answering(model)
        env = _environment(url, slack, model)
        ports = _free_port(), _free_port()
        doomed_serve = _serving(env, "--port", str(ports[0]))
        with doomed_serve as doomed, _serving(env, "--port", str(ports[1])) as survivor:
            _wait_until_listening(ports[0], doomed)
            _wait_until_listening(ports[1], survivor)
            killed_at = _ask_and_kill(doomed, ports[0], model)
            streamed_answer(slack, timeout=120)
            waited = time.monotonic() - killed_at
            survivor.send_signal(signal.SIGTERM)
            survivor.communicate(timeout=30)
    return waited


def measure_renewal(url: str, held: int, count: int) -> float:
    """Median milliseconds of one heartbeat holding `held` runs."""
    engine = make_engine(url)
    leases = Leases(engine, host="bench")
    leases.register()
    history = History(engine, leases)
    origin = Origin(source="slack", team_id="TBENCH", channel_id="CBENCH", user_id="UBENCH")
    for i in range(held):
        history.start(f"renewal {i}", origin=origin, model="bench")
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        leases.beat()
        timings.append((time.perf_counter() - started) * 1000)
    leases.stop()
    with engine.begin() as connection:  # leave no bench run behind for recovery to find
        connection.execute(delete(RunRow).where(RunRow.team_id == origin.team_id))
    engine.dispose()
    return statistics.median(timings)


@contextmanager
def _database(server: str | None, folder: str) -> Iterator[str]:
    """A fresh database with demo data: a SQLite file, or one made on the PostgreSQL server
    `server` names and dropped after (the server's own databases are left alone)."""
    if server is None:
        url = f"sqlite:///{folder}/bench.db"
        admin = None
    else:
        admin = create_engine(normalize_url(server), isolation_level="AUTOCOMMIT")
        name = f"dealbot_bench_{uuid.uuid4().hex[:12]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = admin.url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    tools.seed_demo(engine, products=200, deals=1000)
    engine.dispose()
    try:
        yield url
    finally:
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server to make a scratch database on (default: a SQLite file)",
    )
    parser.add_argument("--renewals", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, _database(args.database_url, folder) as url:
        kind = make_engine(url).dialect.name
        restart = measure_restart(url)
        print(f"restart:  SIGKILL -> answer {restart:5.1f} s  ({kind}; goal <= 60 s, was ~600 s)")
        survivor = measure_survivor(url)
        print(f"survivor: SIGKILL -> answer {survivor:5.1f} s  ({kind}; goal <= 60 s, no restart)")
        config = LeaseConfig()
        bound = config.dead_after.total_seconds() + RECOVERY_EVERY_SECONDS
        print(f"survivor on another host: taken within {bound:.0f} s of the last heartbeat")
        for held in (1, 64):
            ms = measure_renewal(url, held, args.renewals)
            print(
                f"renewal:  {ms:.2f} ms per heartbeat holding {held:2d} runs "
                f"(1 transaction, 2 UPDATEs, every {config.heartbeat_s:.0f} s per process)"
            )


if __name__ == "__main__":
    main()
