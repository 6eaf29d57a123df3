"""A program that escaped the language layer finds nothing: tried in real, hardened workers.

Workers here run the program as plain Python (escaped.py) after the usual hardening. First
with every layer; then with layers left out (the test-only switch, weak isolation allowed),
to show the others still hold on their own; then, in subprocesses, as root without
capabilities and as an unprivileged user — where the sandbox must either isolate fully or
refuse every program with the documented message.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest

from sandbox.isolation import HOW_TO_FIX, TESTING_SKIP_ENV
from tests.sandbox.escaped import (
    SHM_KEY,
    escape,
    escaped_sandbox,
    has_capability,
    shm_between_runs,
)

REPO = Path(__file__).resolve().parents[2]
CAP_SETGID = 6
CAP_SETUID = 7
# Whatever layer is missing, none of these may ever work.
NEVER = {
    "read /etc/passwd",
    "read /proc/1/environ",
    "read the bot's environ",
    "create a file",
    "create a file in /tmp",
    "make a directory",
    "reach the bot's loopback",
    "reach the bot's abstract socket",
    "signal the bot",
    "setuid(0)",
    "mq_open",
}
needs_x86_64 = pytest.mark.skipif(
    platform.machine() != "x86_64", reason="the seccomp allow-list is x86-64 only"
)


def host_shm_keys() -> set[int]:
    """The SysV shared-memory keys of this process's IPC namespace (the bot's)."""
    lines = Path("/proc/sysvipc/shm").read_text().splitlines()[1:]
    return {int(line.split()[0]) for line in lines}


@needs_x86_64
def test_with_every_layer_an_escaped_program_is_refused_everything():
    with escaped_sandbox(prefork=1) as box:
        assert box.isolation.missing() == [], box.isolation.problem()
        facts = escape(box)
        shm = shm_between_runs(box)

    assert facts == dict.fromkeys(facts, "EPERM"), "the allow-list answers first"
    assert len(facts) == 20
    assert shm == ("EPERM", "EPERM")


@pytest.mark.parametrize(
    ("skip", "also_refused"),
    [
        # chroot, Landlock, namespaces, no capabilities: files, network, bot, IPC.
        ("seccomp", {"list /", "unshare", "chroot"}),
        # Landlock alone keeps files out of reach.
        ("seccomp,chroot", {"list /"}),
        # chroot alone: an empty root (listing it shows nothing).
        ("seccomp,landlock", {"unshare", "chroot"}),
    ],
)
def test_without_the_allow_list_the_other_layers_still_hold(monkeypatch, skip, also_refused):
    monkeypatch.setenv(TESTING_SKIP_ENV, skip)
    with escaped_sandbox(prefork=1, allow_weak_isolation=True) as box:
        setup = box.isolation
        facts = escape(box)
        left, found = shm_between_runs(box)

    refused = {name for name, outcome in facts.items() if outcome != "allowed"}
    assert NEVER | also_refused <= refused, facts
    if setup.chroot:
        assert facts["read /etc/passwd"] == "ENOENT"
    else:
        assert facts["read /etc/passwd"] == "EACCES", "Landlock"
    if setup.ipc_namespace:
        assert (left, found) == ("created", "ENOENT"), "each run has an IPC namespace of its own"
    assert found != "found"
    assert SHM_KEY not in host_shm_keys()


# --- as root without capabilities, and as an unprivileged user -----------------------------


def interpreter_for_others(workdir: Path) -> str | None:
    """A Python any user may run, with this environment's packages; None if there is none."""
    if _reachable(sys.executable, run=True):
        return sys.executable
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    packages = sysconfig.get_paths()["purelib"]
    system = shutil.which(version, path="/usr/local/bin:/usr/bin:/bin")
    if system is None or not _reachable(system, run=True) or not _reachable(packages):
        return None
    venv = workdir / "venv"
    subprocess.run([system, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    site = Path(
        subprocess.run(
            [
                str(venv / "bin" / "python"),
                "-c",
                "import sysconfig; print(sysconfig.get_path('purelib'))",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout.strip()
    )
    (site / "dealbot-test.pth").write_text(packages + "\n")
    return str(venv / "bin" / "python")


def _reachable(path: str, *, run: bool = False) -> bool:
    """Whether a user who owns nothing here may read (and, if `run`, run) `path`."""
    real = Path(os.path.realpath(path))
    if not all(os.stat(parent).st_mode & 0o001 for parent in real.parents):
        return False
    wanted = 0o005 if run or real.is_dir() else 0o004
    return os.stat(real).st_mode & wanted == wanted


def report_as(prefix: list[str], python: str, skip: str = "") -> dict:
    environment = {**os.environ, TESTING_SKIP_ENV: skip}
    completed = subprocess.run(
        [*prefix, python, "-m", "tests.sandbox.escaped"],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def check_isolated_or_refused(report: dict) -> None:
    """Either every required layer holds and nothing escapes, or programs are refused."""
    if report["missing"]:
        assert report["run_kind"] == "policy"
        assert HOW_TO_FIX in report["run"]["error"]
        return
    assert report["run"] == {"ok": True, "answer": "4", "error": None}
    assert report["isolation"]["capabilities_dropped"] and report["isolation"]["seccomp"]
    refused = {name for name, outcome in report["escape"].items() if outcome != "allowed"}
    assert refused == set(report["escape"]), report["escape"]
    assert len(refused) == 20
    assert "found" not in report["shm"]
    assert not report["bot_environ_readable"], "non-dumpable: its own user cannot read it"


SETPRIV = shutil.which("setpriv")
needs_setpriv = pytest.mark.skipif(SETPRIV is None, reason="needs setpriv (util-linux)")


@needs_setpriv
def test_as_a_process_without_capabilities_it_isolates_fully_or_refuses():
    prefix = [SETPRIV, "--bounding-set=-all", "--inh-caps=-all", "--ambient-caps=-all"]

    report = report_as(prefix, sys.executable)

    assert report["euid"] == os.geteuid()
    check_isolated_or_refused(report)


@needs_setpriv
@pytest.mark.skipif(os.geteuid() != 0, reason="needs root")
def test_as_root_without_namespaces_like_a_default_docker_container_it_isolates_or_refuses():
    """Root without CAP_SYS_ADMIN, user namespaces refused: chroot, nobody, Landlock, seccomp."""
    prefix = [SETPRIV, "--bounding-set=-sys_admin", "--inh-caps=-all", "--ambient-caps=-all"]

    report = report_as(prefix, sys.executable, skip="user_namespace")

    assert not report["isolation"]["pid_namespace"] and not report["isolation"]["user_namespace"]
    check_isolated_or_refused(report)


@needs_setpriv
@pytest.mark.skipif(
    not (has_capability(CAP_SETGID) and has_capability(CAP_SETUID)),
    reason="switching to another uid needs CAP_SETUID and CAP_SETGID",
)
def test_as_an_unprivileged_user_it_isolates_fully_or_refuses():
    if not _reachable(str(REPO / "sandbox" / "isolation.py")):
        pytest.skip("the repository is not readable by other users")
    workdir = Path(tempfile.mkdtemp(prefix="dealbot-nobody-"))
    try:
        workdir.chmod(0o755)
        python = interpreter_for_others(workdir)
        if python is None:
            pytest.skip("no Python interpreter other users may run")
        prefix = [SETPRIV, "--reuid=65534", "--regid=65534", "--clear-groups"]
        prefix += ["--bounding-set=-all", "--inh-caps=-all", "--ambient-caps=-all"]

        report = report_as(prefix, python)
    finally:
        shutil.rmtree(workdir)

    assert report["euid"] == 65534
    check_isolated_or_refused(report)
