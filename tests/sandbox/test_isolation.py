"""The operating-system layer, read from /proc: what a worker holds, and failing closed.

These look at real worker processes (the worker server keeps forked workers ready, hardened
exactly as the one that runs a program), so they check the deployment, not a mock of it.
What an escaped program can do in such a worker is in test_escaped_worker.py.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import os
import platform
import signal
import time
from dataclasses import replace
from pathlib import Path

import pytest

from sandbox import Sandbox, isolation, wire
from sandbox.isolation import HOW_TO_FIX, TESTING_SKIP_ENV, Isolation
from sandbox.job import EXIT_UNISOLATED, Job
from sandbox.server_handle import WorkerServerHandle
from tests.sandbox.escaped import has_capability
from tests.sandbox.processes import children, environment, limits, open_fds, state, status

CAP_SYS_PTRACE = 19
CAP_SYS_ADMIN = 21
needs_full_root = pytest.mark.skipif(
    os.geteuid() != 0 or not has_capability(CAP_SYS_ADMIN), reason="needs root with CAP_SYS_ADMIN"
)
reads_worker_proc = pytest.mark.skipif(
    not has_capability(CAP_SYS_PTRACE),
    reason="only CAP_SYS_PTRACE may read a non-dumpable worker's /proc entries",
)
PR_GET_DUMPABLE = 3
PR_SET_DUMPABLE = 4
STRONG = Isolation(
    root="/tmp/x",
    pid_namespace=True,
    ipc_namespace=True,
    network_namespace=True,
    chroot=True,
    capabilities_dropped=True,
    landlock=7,
    seccomp=True,
    host_non_dumpable=True,
)


@pytest.fixture(scope="module")
def canary_box():
    """A Sandbox started while the bot's environment holds a secret."""
    os.environ["DEALBOT_TEST_SECRET"] = "xoxb-canary"
    try:
        with Sandbox(prefork=1) as sandbox:
            sandbox.isolation  # noqa: B018 - starts the worker server
            yield sandbox
    finally:
        del os.environ["DEALBOT_TEST_SECRET"]


def ready_worker(box: Sandbox) -> int:
    """A ready worker: forked, hardened, asleep waiting for its job."""
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        ready = [pid for pid in children(box.server_pid) if state(pid) == "S"]
        if ready:
            return ready[0]
        time.sleep(0.01)
    raise AssertionError("no ready worker")


@pytest.fixture
def worker_pid(canary_box):
    return ready_worker(canary_box)


def wait_until_gone(pid: int) -> bool:
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        if state(pid) in ("gone", "Z"):
            return True
        time.sleep(0.02)
    return False


def namespace(pid: int | str, kind: str) -> str:
    return os.readlink(f"/proc/{pid}/ns/{kind}")


@reads_worker_proc
def test_no_secret_of_the_bot_reaches_the_server_or_a_worker(canary_box, worker_pid):
    for pid in (canary_box.server_pid, worker_pid):
        assert set(environment(pid)) <= {"PATH", "TZ", "LC_CTYPE"}
        assert "xoxb-canary" not in Path(f"/proc/{pid}/environ").read_text()


@reads_worker_proc
def test_worker_holds_no_file_but_its_pipe(worker_pid):
    fds = open_fds(worker_pid)

    assert sorted(fds) == [1, 2, 3], "stdin closed, stdout/stderr to /dev/null, fd 3 the pipe"
    assert fds[1] == fds[2] == "/dev/null"
    assert fds[3].startswith("socket:")


def test_worker_resource_limits_are_set_before_any_job(worker_pid):
    worker_limits = limits(worker_pid)

    assert worker_limits["Max core file size"] == ("0", "0")
    assert worker_limits["Max file size"] == ("0", "0")
    assert worker_limits["Max processes"] == ("0", "0")
    assert worker_limits["Max open files"] == ("4", "4")
    assert status(worker_pid)["NoNewPrivs"] == "1"


@reads_worker_proc
def test_worker_sits_in_an_empty_directory(canary_box, worker_pid):
    root = canary_box.isolation.root

    assert os.listdir(root) == []
    assert os.readlink(f"/proc/{worker_pid}/cwd") == root


@reads_worker_proc
def test_every_layer_the_report_claims_is_there_in_the_worker(canary_box, worker_pid):
    setup = canary_box.isolation
    server = canary_box.server_pid
    worker_status = status(worker_pid)

    assert setup.pid_namespace == (namespace(worker_pid, "pid") != namespace("self", "pid"))
    assert setup.network_namespace == (namespace(worker_pid, "net") != namespace("self", "net"))
    assert setup.user_namespace == (namespace(worker_pid, "user") != namespace("self", "user"))
    if setup.ipc_namespace:
        assert namespace(worker_pid, "ipc") not in {namespace(p, "ipc") for p in ("self", server)}
    if setup.chroot:
        assert os.readlink(f"/proc/{worker_pid}/root") == setup.root
    if setup.user is not None:
        assert worker_status["Uid"].split() == [str(setup.uid)] * 4
        assert worker_status["Gid"].split() == [str(setup.gid)] * 4
        assert worker_status["Groups"] == ""
    if setup.capabilities_dropped:
        for capability_set in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
            assert int(worker_status[capability_set], 16) == 0, capability_set
    assert setup.host_non_dumpable == (ctypes.CDLL(None).prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0)
    assert worker_status["NoNewPrivs"] == "1"


@needs_full_root
@pytest.mark.skipif(platform.machine() != "x86_64", reason="the allow-list is x86-64 only")
def test_as_root_every_required_layer_holds(canary_box):
    setup = canary_box.isolation

    assert setup.missing() == [], setup.problem()
    assert setup.problem() is None
    assert (setup.pid_namespace, setup.ipc_namespace, setup.network_namespace) == (True,) * 3
    assert (setup.chroot, setup.user, setup.capabilities_dropped, setup.seccomp) == (
        True,
        "nobody",
        True,
        True,
    )


def test_run_limits_and_the_system_call_filter_hold_in_the_worker_that_runs_the_job(canary_box):
    seen = {}

    def inspect() -> str:
        for pid in children(canary_box.server_pid):
            worker_limits = limits(pid)
            if worker_limits["Max cpu time"][0] != "unlimited":
                seen.update(worker_limits, seccomp=status(pid)["Seccomp"])
        return "inspected"

    result = canary_box.run(
        "final_answer(inspect())", {"inspect": inspect}, timeout_s=2.5, memory_mb=300
    )

    assert result.answer == "inspected"
    assert seen["Max cpu time"] == (str(math.ceil(2.5) + 1), str(math.ceil(2.5) + 2))
    assert seen["Max address space"] == (str(300 * 1024 * 1024),) * 2
    assert seen["seccomp"] == ("2" if canary_box.isolation.seccomp else "0")


def test_worker_parent_is_the_server_in_its_own_session(canary_box, worker_pid):
    server_pid = canary_box.server_pid

    assert int(status(worker_pid)["PPid"]) == server_pid
    assert os.getsid(server_pid) == server_pid != os.getsid(0)


def test_the_server_is_pid_1_of_its_own_pid_namespace(canary_box, worker_pid):
    if not canary_box.isolation.pid_namespace:
        pytest.skip("no PID namespace on this machine")
    server_pid = canary_box.server_pid

    assert status(server_pid)["NSpid"].split() == [str(server_pid), "1"]
    assert status(worker_pid)["NSpid"].split()[0] == str(worker_pid)
    assert len(status(worker_pid)["NSpid"].split()) == 2


def test_the_inner_server_and_its_workers_die_with_the_outer_one():
    with Sandbox(prefork=2) as box:
        box.run("pass", {})
        server = box.server_pid
        outer = int(status(server)["PPid"])
        workers = children(server)

        os.kill(outer, signal.SIGKILL)

        assert all(wait_until_gone(pid) for pid in [server, *workers])
        assert box.run("final_answer('recovered')", {}).answer == "recovered"


def test_starting_the_sandbox_makes_the_bot_non_dumpable():
    libc = ctypes.CDLL(None)
    libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
    assert libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 1

    with Sandbox(prefork=1) as box:
        setup = box.isolation

    assert setup.host_non_dumpable
    assert libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0


def test_a_strong_isolation_misses_nothing():
    assert STRONG.missing() == []
    assert STRONG.problem() is None
    assert Isolation(
        root="/r", chroot=True, user="nobody", uid=1, gid=1, seccomp=True
    ).missing() == [
        "no capabilities",
        "a non-dumpable bot process",
    ]


@pytest.mark.parametrize(
    ("weaker", "named"),
    [
        ({"chroot": False, "landlock": 0}, "no file access (chroot or Landlock)"),
        ({"seccomp": False}, "the seccomp allow-list"),
        ({"capabilities_dropped": False}, "no capabilities"),
        ({"pid_namespace": False}, "no other process visible or signalable"),
        ({"seccomp": False, "network_namespace": False}, "no network"),
        ({"seccomp": False, "ipc_namespace": False}, "no shared IPC"),
        ({"host_non_dumpable": False}, "a non-dumpable bot process"),
    ],
)
def test_each_missing_requirement_is_named_with_how_to_fix_it(weaker, named):
    weak = replace(STRONG, **weaker)

    assert any(named in missing for missing in weak.missing())
    assert named in weak.problem() and HOW_TO_FIX in weak.problem()
    assert "\n" not in weak.problem()


def test_one_layer_is_enough_for_files_and_a_user_of_its_own_for_processes():
    assert replace(STRONG, chroot=False).missing() == []
    assert replace(STRONG, landlock=0).missing() == []
    assert replace(STRONG, pid_namespace=False, user="nobody", uid=1, gid=1).missing() == []


def test_unknown_layer_names_are_refused():
    assert isolation.skipped_layers(" seccomp, chroot ") == {"seccomp", "chroot"}
    assert isolation.skipped_layers(None) == frozenset()
    with pytest.raises(ValueError, match="lanlock"):
        isolation.skipped_layers("lanlock")


@pytest.mark.parametrize(
    ("skip", "named"),
    [
        ("chroot,landlock", "no file access (chroot or Landlock)"),
        ("seccomp", "the seccomp allow-list"),
        ("capabilities", "no capabilities"),
        ("host_non_dumpable", "a non-dumpable bot process"),
    ],
)
def test_a_missing_layer_makes_every_run_fail_closed(monkeypatch, skip, named):
    monkeypatch.setenv(TESTING_SKIP_ENV, skip)
    with Sandbox(prefork=1) as box:
        refused = box.run("final_answer('ran')", {})
        setup = box.isolation

    assert any(named in missing for missing in setup.missing())
    assert (refused.ok, refused.answer, refused.error_kind) == (False, None, "policy")
    assert refused.error.startswith("the sandbox refuses to run: ")
    assert named in refused.error and HOW_TO_FIX in refused.error


def test_allowing_weak_isolation_runs_programs_without_the_missing_layer(monkeypatch):
    monkeypatch.setenv(TESTING_SKIP_ENV, "seccomp,landlock")
    with Sandbox(prefork=1, allow_weak_isolation=True) as box:
        result = box.run("final_answer('ran')", {})
        setup = box.isolation

    assert (setup.seccomp, setup.landlock) == (False, 0)
    assert setup.missing() == ["the seccomp allow-list (x86-64 only)"]
    assert result.answer == "ran"


def test_a_worker_refuses_a_job_itself_when_isolation_is_weak(monkeypatch):
    """Not only the bot: a worker of a weak server not allowed to be weak runs nothing."""
    monkeypatch.setenv(TESTING_SKIP_ENV, "seccomp")
    job = Job(
        code="final_answer('ran')",
        tools=(),
        timeout_s=2.0,
        memory_mb=256,
        max_output_chars=1000,
        max_source_chars=1000,
    )
    server = WorkerServerHandle(prefork=1)
    try:
        worker = server.spawn()
        with contextlib.suppress(OSError):  # it may have exited already
            wire.send_frame(worker.sock, job.as_message(), limit=wire.JOB_LIMIT)
        worker.sock.settimeout(5)
        try:
            report = worker.sock.recv(1)
        except ConnectionResetError:  # it exited with the job unread
            report = b""
        assert report == b"", "no report"
        wait_status = server.reap(worker)
    finally:
        server.close()

    assert wait_status is not None and os.WIFEXITED(wait_status)
    assert os.WEXITSTATUS(wait_status) == EXIT_UNISOLATED
