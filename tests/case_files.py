"""Example cases as data: one JSON Lines file per stage in ``tests/cases/``, each line a
fictional sentence (or short report) with what that stage must make of it.

A case is ``{"id": "...", "text": "...", "published"?: "YYYY-MM-DD", "expect": {...},
"why"?: "..."}``; what ``expect`` holds is the stage's own (see the test that runs the file).
``id`` names the rule the case shows, so a failing case says which rule broke. Every example
a code comment gives belongs here, in our own words, where a test keeps it true.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

CASES = Path(__file__).parent / "cases"


def cases(stage: str) -> list[Any]:
    """The cases of ``tests/cases/STAGE.jsonl`` as pytest params, each with its id."""
    path = CASES / f"{stage}.jsonl"
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}:{n}: not JSON ({e}); one case a line") from e
        missing = {"id", "text", "expect"} - case.keys()
        if missing:
            raise ValueError(f"{path}:{n}: a case needs {sorted(missing)}")
        out.append(pytest.param(case, id=case["id"]))
    ids = [str(p.id) for p in out]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"{path}: case ids used twice: {dupes}")
    return out
