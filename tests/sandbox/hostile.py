"""A rotation of hostile programs, one of each kind of limit, with the error_kind each must get.

Shared by the leak test and bench/bench_sandbox.py; they run with the fake deals tools.
"""

from __future__ import annotations

HOSTILE_PROGRAMS: list[tuple[str, str]] = [
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
BUSY_TIMEOUT_S = 0.2
HOSTILE_TIMEOUT_S = 2.0


def hostile_program(index: int) -> tuple[str, str, float]:
    """The index-th program of the rotation: code, expected error_kind, timeout to give it."""
    code, kind = HOSTILE_PROGRAMS[index % len(HOSTILE_PROGRAMS)]
    return code, kind, BUSY_TIMEOUT_S if kind == "timeout" else HOSTILE_TIMEOUT_S
