"""Leases on the work a process is doing: an instance row with a heartbeat, and the runs it
holds, whose leases the heartbeat renews. Another process may take a run once its lease ran
out, or at once when the instance holding it is provably gone (its heartbeat stopped, it said
goodbye, or it was this host's process and that process no longer exists)."""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, insert, or_, select, update

from bot.history import utcnow
from bot.tables import InstanceRow, RunRow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LeaseConfig:
    # How far ahead a lease runs: a process silent this long loses its runs.
    lease: timedelta = timedelta(seconds=30)
    # How often the heartbeat renews the instance and every lease it holds.
    heartbeat_s: float = 5.0
    # An instance whose heartbeat is this old is gone (three beats missed).
    dead_after: timedelta = timedelta(seconds=15)
    # Gone instances' rows are forgotten after this long.
    forget_after: timedelta = timedelta(days=1)


class Leases:
    """One process's instance and the leases of the runs it works on."""

    def __init__(
        self,
        engine: Engine,
        config: LeaseConfig | None = None,
        *,
        host: str | None = None,
    ) -> None:
        self.engine = engine
        self.config = config or LeaseConfig()
        # The host as other instances compare it (tests name two in one process apart).
        self.host = (host or socket.gethostname())[:64]
        self.instance_id = f"{self.host[:40]}:{os.getpid()}:{secrets.token_hex(3)}"
        self._held: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- the instance ------------------------------------------------------------------------

    def start(self) -> Leases:
        """Register this instance and beat on a thread of its own until `stop`."""
        self.register()
        self._thread = threading.Thread(target=self._beat_loop, name="heartbeat", daemon=True)
        self._thread.start()
        return self

    def register(self) -> None:
        """Say this instance is alive (and forget instances gone long ago)."""
        now = utcnow()
        with self.engine.begin() as connection:
            connection.execute(
                insert(InstanceRow).values(
                    instance_id=self.instance_id,
                    host=self.host,
                    pid=os.getpid(),
                    started_at=now,
                    heartbeat_at=now,
                    stopped=False,
                )
            )
            connection.execute(
                delete(InstanceRow).where(InstanceRow.heartbeat_at < now - self.config.forget_after)
            )

    def stop(self) -> None:
        """Stop beating and say goodbye: what this instance still holds is free at once."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.config.heartbeat_s + 5)
        with self.engine.begin() as connection:
            connection.execute(
                update(InstanceRow)
                .where(InstanceRow.instance_id == self.instance_id)
                .values(stopped=True)
            )

    def _beat_loop(self) -> None:
        while not self._stop.wait(self.config.heartbeat_s):
            try:
                self.beat()
            except Exception:  # the database went away for a while: beat again next time
                log.exception("heartbeat of %s failed", self.instance_id)

    def beat(self) -> int:
        """Renew the instance and, in the same transaction, every lease it holds (one UPDATE
        whatever their number); returns how many runs it still holds."""
        now = utcnow()
        with self._lock:
            held = sorted(self._held)
        with self.engine.begin() as connection:
            connection.execute(
                update(InstanceRow)
                .where(InstanceRow.instance_id == self.instance_id)
                .values(heartbeat_at=now)
            )
            if held:
                connection.execute(
                    update(RunRow)
                    .where(RunRow.run_id.in_(held), RunRow.lease_owner == self.instance_id)
                    .values(lease_until=now + self.config.lease)
                )
        return len(held)

    # --- the runs held -----------------------------------------------------------------------

    def lease_until(self) -> datetime:
        return utcnow() + self.config.lease

    def hold(self, run_id: str) -> None:
        with self._lock:
            self._held.add(run_id)

    def release(self, run_id: str) -> None:
        with self._lock:
            self._held.discard(run_id)

    @property
    def held(self) -> int:
        with self._lock:
            return len(self._held)

    def gone_instances(self) -> list[str]:
        """Instances provably gone (other than this one): stopped, silent past `dead_after`,
        or of this host with a process id that is this process's or runs no process."""
        here = self.host
        silent_since = utcnow() - self.config.dead_after
        query = select(
            InstanceRow.instance_id,
            InstanceRow.host,
            InstanceRow.pid,
            InstanceRow.heartbeat_at,
            InstanceRow.stopped,
        ).where(
            InstanceRow.instance_id != self.instance_id,
            or_(
                InstanceRow.stopped.is_(True),
                InstanceRow.heartbeat_at < silent_since,
                InstanceRow.host == here,
            ),
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        return [
            row.instance_id
            for row in rows
            if row.stopped or row.heartbeat_at < silent_since or _no_such_process(row.pid)
        ]


def _no_such_process(pid: int) -> bool:
    """Whether `pid`, on this host, no longer names the process that registered it."""
    if pid == os.getpid():  # a restart that got the same pid (a container's pid 1): gone
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # another user's process has that pid now: ours is gone
        return True
    return False
