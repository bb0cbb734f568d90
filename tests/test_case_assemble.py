"""The assemble stage by example: ``tests/cases/assemble.jsonl``.

Each case is a fictional report with one incident; ``expect`` gives some of its fields and
only those are compared: any of ``date``, ``date_text``, ``time_precision``, ``place``,
``place_detail``, ``admin1``, ``country``, ``perpetrator``, ``claim_status``,
``target_type``, and ``killed`` or ``wounded`` as ``[low, high]`` (``null`` for none).
Reports are published on Wednesday 8 May 2024 unless a case says otherwise.
"""

from __future__ import annotations

from typing import Any

import pytest
from case_files import cases

import incidex
from incidex import Incident

PUBLISHED = "2024-05-08"


def _fields(incident: Incident) -> dict[str, Any]:
    got = incident.to_dict()
    for name in ("killed", "wounded"):
        count = getattr(incident, name)
        got[name] = [count.low, count.high] if count else None
    return got


@pytest.mark.parametrize("case", cases("assemble"))
def test_assemble_case(case: dict[str, Any]) -> None:
    expect = case["expect"]
    found = incidex.extract(case["text"], published=case.get("published", PUBLISHED))
    assert len(found) == 1, [i.to_dict() for i in found]
    got = _fields(found[0])
    unknown = expect.keys() - got.keys()
    assert not unknown, f"unknown expect fields {sorted(unknown)}"
    assert {k: got[k] for k in expect} == expect, case.get("why", case["id"])
