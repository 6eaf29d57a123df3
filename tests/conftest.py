"""Shared fixtures: databases (SQLite always, PostgreSQL when DATABASE_URL names one)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text

from bot.database import make_engine, normalize_url, upgrade
from tests.fakes.fixtures import *  # noqa: F403 - the fakes' fixtures, for every test


def _postgres_server_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return normalize_url(url) if url.startswith(("postgresql", "postgres:")) else None


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """A fresh SQLite file; never DATABASE_URL, so SQLite tests stay on SQLite."""
    return f"sqlite:///{tmp_path / 'dealbot-test.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the server DATABASE_URL names, dropped after."""
    server = _postgres_server_url()
    if server is None:
        pytest.skip("needs a PostgreSQL DATABASE_URL")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"dealbot_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request) -> str:
    """Runs a test once on SQLite and once on PostgreSQL (skipped without one)."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def migrated_engine(database_url) -> Iterator[Engine]:
    """An engine on a fresh database with every migration applied."""
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()
