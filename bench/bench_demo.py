"""The first run with no key, measured.

1. The README's first command (its `dealbot ask …`) in a fresh directory, as a new user runs
   it on a warm install: no ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL at a closed port. Wall time
   of the whole process (start-up, migrations, seeding the demo and its saved programs, the
   answer), and of the same command again once the database exists. Goal: a few seconds,
   dominated by seeding.
2. A saved program's answer after start-up: every demo question answered in process by the
   agent with no model (`dealbot ask` without a key does the same), the cache lookup, the
   sandbox run and the history included. Goal: p50 <= 50 ms.

    .venv/bin/python bench/bench_demo.py [--runs 5] [--answers 20]
"""

from __future__ import annotations

import argparse
import os
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sandbox
from bot.cli import make_saved_agent
from bot.database import prepare
from bot.demo_programs import DEMO_PROGRAMS, save_demo_programs
from bot.evals.report import percentile
from bot.records import Origin
from bot.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
DEALBOT = Path(sys.executable).parent / "dealbot"


def first_command() -> list[str]:
    block = (ROOT / "README.md").read_text().split("```sh\n", 1)[1].split("```", 1)[0]
    line = next(line for line in block.splitlines() if line and not line.startswith("#"))
    return shlex.split(next(part for part in line.split("&&") if "dealbot ask" in part))


def timed_command(argv: list[str], cwd: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"the first command failed ({done.returncode}): {done.stderr.strip()}")
    return elapsed


def bench_first_command(runs: int) -> None:
    argv = [str(DEALBOT), *first_command()[1:]]
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "DATABASE_"))}
        env["ANTHROPIC_BASE_URL"] = f"http://127.0.0.1:{closed.getsockname()[1]}"
        fresh, again = [], []
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as directory:
                fresh.append(timed_command(argv, directory, env))
                again.append(timed_command(argv, directory, env))
    print(f"README's first command: {shlex.join(first_command())}")
    print(f"  fresh directory (seeds the demo): {_seconds(fresh)}")
    print(f"  database already there:           {_seconds(again)}")


def bench_saved_answers(answers: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        os.environ.pop("ANTHROPIC_API_KEY", None)
        os.environ["DATABASE_URL"] = f"sqlite:///{directory}/dealbot.db"
        settings = load_settings()
        sandbox.configure(allow_weak_isolation=settings.dealbot_sandbox_allow_weak_isolation)
        engine = prepare(settings.database_url, seed_if_empty=True, timezone=settings.timezone)
        agent = make_saved_agent(settings, engine)
        assert agent.cache is not None
        save_demo_programs(agent, agent.cache, timezone=settings.timezone)
        by_question: dict[str, list[float]] = {}
        for _ in range(answers):
            for saved in DEMO_PROGRAMS:
                started = time.perf_counter()
                run = agent.ask(saved.question, origin=Origin())
                elapsed = (time.perf_counter() - started) * 1000
                assert run.ok and run.reused_from, (saved.question, run.error)
                by_question.setdefault(saved.question, []).append(elapsed)
        every = [ms for times in by_question.values() for ms in times]
        print(f"saved-program answers after start-up ({len(every)}, no model):")
        print(f"  all: p50 {percentile(every, 0.5):.1f} ms, p95 {percentile(every, 0.95):.1f} ms")
        slowest = max(by_question, key=lambda q: percentile(by_question[q], 0.5))
        print(f"  slowest question p50 {percentile(by_question[slowest], 0.5):.1f} ms: {slowest}")
        engine.dispose()


def _seconds(values: list[float]) -> str:
    ordered = sorted(values)
    median, best, worst = ordered[len(ordered) // 2], ordered[0], ordered[-1]
    return f"median {median:.2f} s, best {best:.2f} s, worst {worst:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--answers", type=int, default=20)
    args = parser.parse_args()
    bench_first_command(args.runs)
    bench_saved_answers(args.answers)


if __name__ == "__main__":
    main()
