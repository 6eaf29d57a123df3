"""A throwaway PostgreSQL database on a given server, for session fixtures and benchmarks."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

from bot.database import normalize_url


@contextmanager
def fresh_postgres(server: str, prefix: str = "dealbot_tools") -> Iterator[str]:
    """The URL of a new, empty database on `server`, dropped (connections and all) after."""
    admin = create_engine(normalize_url(server), isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
