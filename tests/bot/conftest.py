"""Fixtures for the bot: a demo-seeded database, the fake Messages API, and an agent on both."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine

import tools
from bot.agent import Agent, AgentConfig
from bot.database import make_engine, today_in, upgrade
from bot.history import History
from bot.program_cache import ProgramCache
from bot.watches.schedule import parse_schedule
from bot.watches.store import Watch
from tests.fakes.anthropic_api import FakeAnthropic

TEST_MODEL = "claude-sonnet-5-5"
TEST_TIMEZONE = "America/Los_Angeles"
DEMO_PRODUCTS = 400
DEMO_DEALS = 3000


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> str:
    """One migrated, demo-seeded SQLite file per test session; tests get copies of it."""
    path = tmp_path_factory.mktemp("demo") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    # Dated around the shoppers' today, which is not the server's for hours each day.
    tools.seed_demo(engine, products=DEMO_PRODUCTS, deals=DEMO_DEALS, today=today_in(TEST_TIMEZONE))
    engine.dispose()
    return str(path)


@pytest.fixture
def demo_url(demo_template, tmp_path) -> str:
    path = tmp_path / "dealbot.db"
    shutil.copy(demo_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def demo_engine(demo_url) -> Iterator[Engine]:
    engine = make_engine(demo_url)
    yield engine
    engine.dispose()


def make_test_agent(
    engine: Engine, fake: FakeAnthropic, *, program_cache: bool = False, **config
) -> Agent:
    """The agent on `engine` and the fake Messages API; `program_cache` as DEALBOT_PROGRAM_CACHE
    turns it on (off here, so a test asking twice sees two model calls unless it says so)."""
    config = {"model": TEST_MODEL, "timezone": TEST_TIMEZONE, **config}
    return Agent(
        client=fake.client(max_retries=1),
        engine=engine,
        history=History(engine),
        config=AgentConfig(**config),
        cache=ProgramCache(engine, window=timedelta(hours=24)) if program_cache else None,
    )


@pytest.fixture
def agent(demo_engine, fake_anthropic) -> Agent:
    return make_test_agent(demo_engine, fake_anthropic)


def a_watch(**fields: object) -> Watch:
    """A watch as the store hands it out, for tests that need one without a database:
    hourly, in UTC, in channel C1; `fields` override any of it."""
    moment = datetime(2026, 5, 8, 9, 0)
    values: dict[str, object] = {
        "watch_id": "w1",
        "team_id": "T1",
        "owner_id": "U1",
        "target": "channel",
        "channel_id": "C1",
        "thread_ts": None,
        "question": "q",
        "code": "final_answer('x')",
        "source_run_id": "r1",
        "timezone": "UTC",
        "schedule": parse_schedule("hourly"),
        "only_changes": True,
        "paused": False,
        "pause_reason": None,
        "failures": 0,
        "next_run_at": moment,
        "last_answer": None,
        "last_posted_at": None,
        "last_run_id": None,
        "created_at": moment,
    }
    return Watch(**(values | fields))  # type: ignore[arg-type]
