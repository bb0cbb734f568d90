"""Shared fixtures: the evaluation folder next to the repository, and clean logging for CLI runs.

The spaCy model, gazetteer and lexicons are cached by incidex itself (loaded once per
process on first use), so tests simply call the library; nothing here reloads them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
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
