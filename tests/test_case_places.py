"""The places stage by example: ``tests/cases/places.jsonl``.

Each case is a fictional report; ``expect`` gives some of ``place``, ``admin1`` and
``country`` of the one incident :func:`incidex.extract` finds in it, and only those are
compared. Reports are published on Wednesday 8 May 2024 unless a case says otherwise.
"""

from __future__ import annotations

from typing import Any

import pytest
from case_files import cases

import incidex

PUBLISHED = "2024-05-08"
FIELDS = ("place", "admin1", "country")


@pytest.mark.parametrize("case", cases("places"))
def test_place_case(case: dict[str, Any]) -> None:
    expect = case["expect"]
    unknown = set(expect) - set(FIELDS)
    assert not unknown, f"a places case gives only {FIELDS}, not {sorted(unknown)}"
    found = incidex.extract(case["text"], published=case.get("published", PUBLISHED))
    assert len(found) == 1, [i.to_dict() for i in found]
    got = found[0].to_dict()
    assert {k: got[k] for k in expect} == expect, case.get("why", case["id"])
