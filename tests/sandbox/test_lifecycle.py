"""Starting, sharing between threads, recovering and stopping the sandbox."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import sandbox
from sandbox import Sandbox, SandboxError
from tests.sandbox.fakes import deals_tools
from tests.sandbox.processes import children, state

REPO = Path(__file__).resolve().parents[2]


def python(code: str) -> str:
    """Run `code` in a fresh interpreter from the repository root; its output."""
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return completed.stdout.strip()


def wait_until_gone(pid: int) -> bool:
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        if state(pid) in ("gone", "Z"):
            return True
        time.sleep(0.02)
    return False


def test_importing_sandbox_starts_nothing():
    output = python(
        """
        import os
        import sandbox
        from tests.sandbox.processes import children
        print(children(os.getpid()))
        """
    )

    assert output == "[]"


def test_the_worker_server_holds_only_what_workers_need():
    """Every module in the worker server is in every fork: the bot's side of the sandbox
    (threads, subprocesses, caches) and threading's handler run at each fork made a run
    ~10 % dearer."""
    output = python(
        """
        import sys
        from sandbox import worker_server
        worker_server.warm_up()
        print(" ".join(sorted(sys.modules)))
        """
    )

    held = set(output.split())
    assert "sandbox.worker" in held
    assert not held & {"threading", "logging", "sandbox.supervisor", "sandbox.conversation"}


def test_interpreter_exit_stops_the_worker_server():
    output = python(
        """
        import sandbox
        print(sandbox.run("final_answer('hi')", {}).answer)
        print(sandbox.default_sandbox().server_pid)
        """
    )
    answer, server_pid = output.splitlines()

    assert answer == "hi"
    assert wait_until_gone(int(server_pid))


def test_module_level_run_and_shutdown():
    result = sandbox.run("final_answer(str(today()))", deals_tools())
    server_pid = sandbox.default_sandbox().server_pid
    workers = children(server_pid)

    sandbox.shutdown()

    assert result.answer == "2024-05-03"
    assert all(wait_until_gone(pid) for pid in [server_pid, *workers])
    assert sandbox.run("final_answer('again')", {}).answer == "again"
    sandbox.shutdown()


def test_closed_sandbox_refuses_to_run():
    box = Sandbox()
    box.close()

    with pytest.raises(SandboxError, match="closed"):
        box.run("pass", {})


def test_killed_worker_server_is_replaced_on_the_next_run():
    with Sandbox() as box:
        box.run("pass", {})
        old_server = box.server_pid
        old_workers = children(old_server)

        os.kill(old_server, signal.SIGKILL)
        result = box.run("final_answer('recovered')", {})

        assert result.answer == "recovered"
        assert box.server_pid not in (None, old_server)
        assert all(wait_until_gone(pid) for pid in old_workers)


def test_concurrent_runs_from_many_threads_each_get_their_own_answer(box):
    program = "n = {n}\nfinal_answer(f'{{n}}:{{len(find_deals())}}:{{today()}}')"

    def one(n: int) -> str | None:
        return box.run(program.format(n=n), deals_tools()).answer

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(one, range(120)))

    expected_deals = len(deals_tools()["find_deals"]())
    assert answers == [f"{n}:{expected_deals}:2024-05-03" for n in range(120)]


def test_no_state_carries_from_one_run_to_the_next(run):
    first = run("import math\nleft = 'behind'\nfinal_answer(str(math.pi))")
    second = run("final_answer(left)")

    assert first.answer == "3.141592653589793"
    assert second.error_kind == "runtime"
    assert "NameError: name 'left' is not defined" in second.error
