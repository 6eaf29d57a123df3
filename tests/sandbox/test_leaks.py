"""Hundreds of hostile runs leave no processes, no descriptors and no memory behind."""

from __future__ import annotations

import os
import time

from sandbox import Sandbox
from tests.sandbox.fakes import deals_tools
from tests.sandbox.hostile import HOSTILE_PROGRAMS, hostile_program
from tests.sandbox.processes import children, open_fds, rss_kb, zombies

RUNS = 200


def run_hostile(box: Sandbox, index: int) -> str | None:
    code, _, timeout_s = hostile_program(index)
    return box.run(code, deals_tools(), timeout_s=timeout_s).error_kind


def settle(server_pid: int, prefork: int) -> list[int]:
    """The server's children once it has refilled its ready workers (at most 2 s)."""
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        workers = children(server_pid)
        if len(workers) == prefork and not zombies(server_pid):
            return workers
        time.sleep(0.02)
    return children(server_pid)


def test_hostile_runs_leave_nothing_behind():
    with Sandbox(max_tool_calls=20) as box:
        for index in range(len(HOSTILE_PROGRAMS)):
            run_hostile(box, index)
        server_pid = box.server_pid
        own_children = set(children(os.getpid()))
        fds_before, rss_before = open_fds(), rss_kb()

        kinds = [run_hostile(box, index) for index in range(RUNS)]

        assert kinds == [hostile_program(index)[1] for index in range(RUNS)]
        assert box.server_pid == server_pid, "the worker server survived every run"
        assert len(settle(server_pid, box.prefork)) == box.prefork
        assert set(children(os.getpid())) == own_children
        assert zombies(os.getpid()) == []
        assert open_fds() == fds_before
        assert rss_kb() - rss_before < 4 * 1024

    assert server_pid not in children(os.getpid())
