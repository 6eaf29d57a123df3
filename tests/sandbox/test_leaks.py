"""Hundreds of hostile runs leave no processes, no descriptors and no memory behind."""

from __future__ import annotations

import os
import time

from sandbox import Sandbox
from tests.sandbox.fakes import deals_tools
from tests.sandbox.processes import children, open_fds, rss_kb, zombies

HOSTILE = [
    ("().__class__.__bases__[0].__subclasses__()", "policy"),
    ("getattr(print, '__globals__')", "policy"),
    ("'{0.__class__}'.format(1)", "policy"),
    ("import os", "policy"),
    ("open('/etc/passwd')", "policy"),
    ("x = [0] * 10 ** 9", "memory"),
    ("x = []\nwhile True:\n    x.append('y' * 100000)", "memory"),
    ("while True:\n    print('flood' * 100)", "output_limit"),
    ("final_answer('x' * 100000)", "output_limit"),
    ("def f():\n    return f()\nf()", "runtime"),
    ("find_deals(query={1})", "tool"),
    ("while True:\n    today()", "tool"),
    ("find_deals(store='Nowhere')", "tool"),
    ("x = " + "(" * 300 + ")" * 300, "syntax"),
    ("while True:\n    pass", "timeout"),
]
RUNS = 200


def run_hostile(box: Sandbox, index: int) -> str | None:
    code, kind = HOSTILE[index % len(HOSTILE)]
    return box.run(code, deals_tools(), timeout_s=0.2 if kind == "timeout" else 2.0).error_kind


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
        for index in range(len(HOSTILE)):
            run_hostile(box, index)
        server_pid = box.server_pid
        own_children = set(children(os.getpid()))
        fds_before, rss_before = open_fds(), rss_kb()

        kinds = [run_hostile(box, index) for index in range(RUNS)]

        assert kinds == [HOSTILE[index % len(HOSTILE)][1] for index in range(RUNS)]
        assert box.server_pid == server_pid, "the worker server survived every run"
        assert len(settle(server_pid, box.prefork)) == box.prefork
        assert set(children(os.getpid())) == own_children
        assert zombies(os.getpid()) == []
        assert open_fds() == fds_before
        assert rss_kb() - rss_before < 4 * 1024

    assert server_pid not in children(os.getpid())
