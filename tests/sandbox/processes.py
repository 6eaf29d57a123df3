"""Reading /proc for the sandbox tests: a process's children, descriptors, limits, status."""

from __future__ import annotations

import os
from pathlib import Path


def children(pid: int) -> list[int]:
    """Pids whose parent is `pid` (zombies included)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == pid:
            found.append(int(entry.name))
    return sorted(found)


def zombies(pid: int) -> list[int]:
    """Children of `pid` that exited and were not reaped."""
    return [child for child in children(pid) if state(child) == "Z"]


def state(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "gone"
    return stat.rsplit(")", 1)[1].split()[0]


def open_fds(pid: int | str = "self") -> dict[int, str]:
    """A process's open descriptors and what each points at."""
    fd_dir = Path(f"/proc/{pid}/fd")
    result = {}
    for entry in fd_dir.iterdir():
        try:
            result[int(entry.name)] = os.readlink(entry)
        except OSError:
            continue
    return result


def status(pid: int | str) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {key: value.strip() for key, _, value in (line.partition(":") for line in lines)}


def limits(pid: int) -> dict[str, tuple[str, str]]:
    """`Max ...` name -> (soft, hard), as /proc/<pid>/limits prints them."""
    lines = Path(f"/proc/{pid}/limits").read_text().splitlines()[1:]
    result = {}
    for line in lines:
        name, soft, hard = line[:26].strip(), line[26:47].strip(), line[47:68].strip()
        result[name] = (soft, hard)
    return result


def environment(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    pairs = [item.decode().partition("=") for item in raw.split(b"\0") if item]
    return {key: value for key, _, value in pairs}


def rss_kb(pid: int | str = "self") -> int:
    return int(status(pid)["VmRSS"].split()[0])
