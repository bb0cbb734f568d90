"""Shared fixtures: the evaluation folder next to the repository, clean logging for CLI runs,
and a check that the session leaves no process behind.

The spaCy model, gazetteer and lexicons are cached by incidex itself (loaded once per
process on first use), so tests simply call the library; nothing here reloads them.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

sys.path.insert(0, str(Path(__file__).parent))
import procs  # noqa: E402

# On CI (CI=true) the property tests and the API fuzz replay the same examples every run: a
# new counterexample found by chance would fail a submission for something it did not
# change. Run without CI, they explore new examples each time, and what they find is fixed
# and kept as a test. Loaded here, before the test modules make their own settings.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
#: Processes of this one's own that end with it (multiprocessing starts them once, for good).
OWN_HELPERS = ("multiprocessing.forkserver", "multiprocessing.resource_tracker")
#: Seconds a process left by a test gets to end by itself (a worker notices its parent's end
#: within a moment; generous for a loaded machine).
GRACE_S = 15.0


@pytest.fixture(scope="session", autouse=True)
def no_process_left_behind() -> Iterator[None]:
    """Fail the session when a test leaves a process running: an ingest's worker outliving a
    killed ingest, a server not stopped. Processes the tests start stay in this process
    group: those still running at the end that descend from this process, or lost their
    parent (reparented, so it is outside the group), are reported and then killed. Other
    members of the group (``make -j`` running another job beside the tests) are left alone."""
    before = {p.pid for p in procs.group_members()}
    yield
    me = os.getpid()
    members = procs.group_members()
    group = {me} | {p.pid for p in members}
    descendants = {p.pid for p in procs.descendants(me)}
    new = [
        p
        for p in members
        if p.pid not in before
        and (p.pid in descendants or p.ppid not in group)
        and not (p.ppid == me and any(h in p.cmdline for h in OWN_HELPERS))
    ]
    left = procs.wait_gone((p.pid for p in new), GRACE_S)
    for p in left:
        os.kill(p.pid, signal.SIGKILL)
    if left:
        listed = "; ".join(f"{p.pid} (parent {p.ppid}): {p.cmdline[:200]}" for p in left)
        pytest.fail(f"the tests left {len(left)} process(es) running, killed now: {listed}")


#: ``shared/eval`` beside the repository: gold files and the reference scorer, when present.
SHARED_EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"


@pytest.fixture
def shared_eval() -> Path:
    """The shared evaluation folder; the test is skipped when this checkout has none."""
    if not SHARED_EVAL.is_dir():
        pytest.skip(f"no shared evaluation folder at {SHARED_EVAL} (it sits beside the repository checkout)")
    return SHARED_EVAL


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """``incidex.cli.main`` calls ``logging.basicConfig``: undo it so no handler outlives
    the test's captured stderr."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for h in root.handlers:
        if h not in handlers:
            root.removeHandler(h)
    root.setLevel(level)
