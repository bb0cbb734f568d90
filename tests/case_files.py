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
#: The publication date of a case that gives none: Wednesday 8 May 2024.
PUBLISHED = "2024-05-08"


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


def check_one_incident(case: dict[str, Any], fields: tuple[str, ...]) -> None:
    """The case's text gives exactly one incident, whose ``expect`` fields (some of
    ``fields``) are as the case says; the others are not compared."""
    import incidex

    expect = case["expect"]
    unknown = set(expect) - set(fields)
    assert not unknown, f"this stage's cases give only {fields}, not {sorted(unknown)}"
    found = incidex.extract(case["text"], published=case.get("published", PUBLISHED))
    assert len(found) == 1, [i.to_dict() for i in found]
    got = found[0].to_dict()
    assert {k: got[k] for k in expect} == expect, case.get("why", case["id"])
