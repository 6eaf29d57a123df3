"""The operating-system layer, read from /proc: what a worker holds and what it may do.

These look at real worker processes (the worker server keeps forked workers ready, hardened
exactly as the one that runs a program), so they check the deployment, not a mock of it.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from sandbox import Sandbox, isolation
from tests.sandbox.processes import children, environment, limits, open_fds, state, status

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="privilege drop needs root")
reads_worker_proc = pytest.mark.skipif(
    os.geteuid() != 0, reason="only root may read a non-dumpable worker's /proc entries"
)
REPO = Path(__file__).resolve().parents[2]


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


@pytest.fixture
def worker_pid(canary_box):
    """A ready worker: forked, hardened, asleep waiting for its job."""
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        ready = [pid for pid in children(canary_box.server_pid) if state(pid) == "S"]
        if ready:
            return ready[0]
        time.sleep(0.01)
    raise AssertionError("no ready worker")


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


@needs_root
def test_worker_is_chrooted_unprivileged_and_off_the_network(canary_box, worker_pid):
    setup = canary_box.isolation
    worker_status = status(worker_pid)

    assert setup.chroot and setup.user == "nobody"
    assert os.readlink(f"/proc/{worker_pid}/root") == setup.root
    assert worker_status["Uid"].split() == [str(setup.uid)] * 4
    assert worker_status["Gid"].split() == [str(setup.gid)] * 4
    assert worker_status["Groups"] == ""
    if setup.network_isolated:
        assert os.readlink(f"/proc/{worker_pid}/ns/net") != os.readlink("/proc/self/ns/net")


def test_run_limits_are_applied_to_the_worker_that_runs_the_job(canary_box):
    seen = {}

    def inspect() -> str:
        for pid in children(canary_box.server_pid):
            worker_limits = limits(pid)
            if worker_limits["Max cpu time"][0] != "unlimited":
                seen.update(worker_limits)
        return "inspected"

    result = canary_box.run(
        "final_answer(inspect())", {"inspect": inspect}, timeout_s=2.5, memory_mb=300
    )

    assert result.answer == "inspected"
    assert seen["Max cpu time"] == (str(math.ceil(2.5) + 1), str(math.ceil(2.5) + 2))
    assert seen["Max address space"] == (str(300 * 1024 * 1024),) * 2


def test_worker_parent_is_the_server_in_its_own_session(canary_box, worker_pid):
    server_pid = canary_box.server_pid

    assert int(status(worker_pid)["PPid"]) == server_pid
    assert os.getsid(server_pid) == server_pid != os.getsid(0)


def test_without_root_the_server_degrades_to_what_it_can_do(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)

    setup = isolation.prepare()
    os.rmdir(setup.root)

    assert (setup.chroot, setup.network_isolated, setup.user, setup.uid) == (
        False,
        False,
        None,
        None,
    )


ESCAPED_WORKER = """
import errno, json, os, socket, sys
from sandbox import isolation

setup = isolation.prepare()
devnull = os.open(os.devnull, os.O_RDWR)
fd = isolation.harden_worker(setup, int(sys.argv[1]), devnull, os.getppid())
report = socket.socket(fileno=fd)
facts = {"root": setup.root}

def attempt(name, action):
    try:
        action()
        facts[name] = "allowed"
    except OSError as error:
        facts[name] = errno.errorcode.get(error.errno, str(error.errno))

def fork():
    if os.fork() == 0:
        os._exit(0)

def connect():
    socket.socket().connect(("127.0.0.1", int(sys.argv[2])))

attempt("read /etc/passwd", lambda: open("/etc/passwd").read())
attempt("write a file", lambda: open("/notes.txt", "w").write("x"))
attempt("make a directory", lambda: os.mkdir("/tmp"))
attempt("fork", fork)
attempt("become root", lambda: os.setuid(0))
attempt("signal init", lambda: os.kill(1, 0))
attempt("signal the bot", lambda: os.kill(os.getppid(), 0))
attempt("open a socket", lambda: socket.socket(socket.AF_UNIX))
attempt("reach the bot's loopback", connect)
report.sendall(json.dumps(facts).encode())
"""


@needs_root
def test_a_worker_that_escaped_the_language_layer_finds_nothing(tmp_path):
    """Run the hardening as a worker gets it, then try what an escaped program would."""
    listener = socket.create_server(("127.0.0.1", 0))
    ours, theirs = socket.socketpair()
    with listener, ours, theirs:
        process = subprocess.run(
            [
                sys.executable,
                "-c",
                ESCAPED_WORKER,
                str(theirs.fileno()),
                str(listener.getsockname()[1]),
            ],
            pass_fds=[theirs.fileno()],
            cwd=REPO,
            timeout=30,
            check=True,
        )
        theirs.close()
        facts = json.loads(ours.recv(65536))
    os.rmdir(facts.pop("root"))

    assert process.returncode == 0
    assert facts == {
        "read /etc/passwd": "ENOENT",
        "write a file": "EACCES",
        "make a directory": "EACCES",
        "fork": "EAGAIN",
        "become root": "EPERM",
        "signal init": "EPERM",
        "signal the bot": "EPERM",
        "open a socket": "EPERM",
        "reach the bot's loopback": "EPERM",
    }


@needs_root
@pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs setpriv (util-linux)")
def test_root_without_capabilities_degrades_and_still_runs_programs():
    """A container may run the bot as root yet forbid unshare, chroot and setuid."""
    script = textwrap.dedent(
        """
        import sandbox
        with sandbox.Sandbox() as box:
            setup = box.isolation
            result = box.run("import math\\nfinal_answer(str(math.isqrt(17)))", {})
        print(setup.chroot, setup.user, setup.network_isolated, setup.syscalls_filtered)
        print(result.answer)
        """
    )
    completed = subprocess.run(
        ["setpriv", "--bounding-set=-all", "--inh-caps=-all", sys.executable, "-c", script],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert completed.stdout.split() == ["False", "None", "False", "True", "4"]
    assert "only partly isolated" in completed.stderr
