"""Engines on PostgreSQL (the bot's, the tools' readers): a pooled connection is checked before
use only after idling."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from tools import engines
from tools.engines import server_engine

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine(postgres_url):
    engine = server_engine(postgres_url)
    yield engine
    engine.dispose()


@pytest.fixture
def pings(engine, monkeypatch) -> list[object]:
    """The pings the engine's pool makes, counted (each still made)."""
    made: list[object] = []
    ping = engine.dialect.do_ping

    def counted(dbapi_connection):
        made.append(dbapi_connection)
        return ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return made


def _backend(engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(text("SELECT pg_backend_pid()"))


def _terminate(url: str, pid: int) -> None:
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        assert connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


def test_a_connection_back_in_the_pool_a_moment_ago_is_used_without_a_ping(engine, pings):
    first = _backend(engine)
    again = _backend(engine)

    assert again == first
    assert pings == []


def test_a_connection_idle_past_the_window_is_pinged_first(engine, pings, monkeypatch):
    first = _backend(engine)
    monkeypatch.setattr(engines, "PING_AFTER_IDLE_S", 0.0)

    assert _backend(engine) == first
    assert len(pings) == 1


def test_a_connection_lost_while_idle_is_replaced_before_its_borrower_sees_it(
    engine, pings, postgres_url, monkeypatch
):
    lost = _backend(engine)
    _terminate(postgres_url, lost)
    monkeypatch.setattr(engines, "PING_AFTER_IDLE_S", 0.0)

    replaced = _backend(engine)

    assert replaced != lost
    assert len(pings) == 1  # the lost one's; the new connection is not pinged
