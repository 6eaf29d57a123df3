"""Fixtures for the deals tools: one small seeded database per backend, shared by the tests
that only read it, and the tools bound to it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from bot.database import make_engine, upgrade
from tests.conftest import _postgres_server_url
from tests.tools.databases import fresh_postgres
from tools import build_tools, seed_demo

TIMEZONE = "America/Los_Angeles"
SMALL = {"products": 400, "deals": 4000, "seed": 7}


def shopper_today() -> date:
    return datetime.now(ZoneInfo(TIMEZONE)).date()


@pytest.fixture(scope="session")
def _session_sqlite_url(tmp_path_factory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('seeded') / 'deals.db'}"


@pytest.fixture(scope="session")
def _session_postgres_url() -> Iterator[str]:
    server = _postgres_server_url()
    if server is None:
        pytest.skip("needs a PostgreSQL DATABASE_URL")
    with fresh_postgres(server) as url:
        yield url


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def seeded_engine(request) -> Iterator[Engine]:
    """A small demo database dated around the shopper's today, shared: do not write to it."""
    engine = make_engine(request.getfixturevalue(f"_session_{request.param}_url"))
    upgrade(engine)
    seed_demo(engine, **SMALL, today=shopper_today())
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def tools(seeded_engine) -> dict:
    return build_tools(seeded_engine, timezone=TIMEZONE)
