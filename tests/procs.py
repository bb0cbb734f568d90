"""Which processes are alive, from ``/proc`` (Linux; no psutil): for the tests that check that
an ingest's worker processes end with it, and that the test session leaves none behind.

Elsewhere (no ``/proc``) every function answers "nothing", and the checks pass vacuously.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    pgid: int
    cmdline: str


def _read(pid: int) -> Proc | None:
    """The process ``pid``, or ``None`` when it is gone or a zombie (dead, not yet reaped)."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return None
    # "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] in ("Z", "X"):
        return None
    cmdline = raw.replace(b"\0", b" ").decode("utf-8", "replace").strip()
    return Proc(pid, int(fields[1]), int(fields[2]), cmdline)


def processes() -> list[Proc]:
    """Every live process this user can see."""
    if not PROC.is_dir():
        return []
    found = (_read(int(p.name)) for p in PROC.iterdir() if p.name.isdigit())
    return [p for p in found if p is not None]


def descendants(pid: int) -> list[Proc]:
    """The live children of ``pid``, their children, and so on."""
    everyone = processes()
    out: list[Proc] = []
    parents = {pid}
    while True:
        found = [p for p in everyone if p.ppid in parents and p not in out]
        if not found:
            return out
        out += found
        parents = {p.pid for p in found}


def alive(pids: Iterable[int]) -> list[Proc]:
    """Those of ``pids`` still alive (zombies count as dead)."""
    return [p for p in (_read(pid) for pid in pids) if p is not None]


def wait_gone(pids: Iterable[int], timeout: float) -> list[Proc]:
    """Wait up to ``timeout`` seconds for the processes ``pids`` to end; those still alive."""
    pids = list(pids)
    deadline = time.monotonic() + timeout
    while (left := alive(pids)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def group_members(pgid: int | None = None) -> list[Proc]:
    """The live processes of a process group (default: this process's), but this process."""
    pgid = os.getpgid(0) if pgid is None else pgid
    return [p for p in processes() if p.pgid == pgid and p.pid != os.getpid()]
