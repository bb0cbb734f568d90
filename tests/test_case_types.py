"""The types stage (``incidex.classify``) by example: ``tests/cases/types.jsonl``.

Each case is a fictional report; ``expect`` gives some of ``event_type``,
``sub_event_type``, ``target_type`` and ``weapon`` of the one incident
:func:`incidex.extract` finds in it, and only those are compared. A case that expects
``victims`` instead checks :func:`incidex.classify.victims_of` on the text alone (the
target type of those a figure counts). Reports are published on Wednesday 8 May 2024
unless a case says otherwise.
"""

from __future__ import annotations

from typing import Any

import pytest
from case_files import cases

import incidex
from incidex.classify import victims_of

PUBLISHED = "2024-05-08"
FIELDS = ("event_type", "sub_event_type", "target_type", "weapon")


@pytest.mark.parametrize("case", cases("types"))
def test_type_case(case: dict[str, Any]) -> None:
    expect = case["expect"]
    why = case.get("why", case["id"])
    if "victims" in expect:
        assert expect.keys() == {"victims"}, "a victims case checks only victims_of"
        assert victims_of(case["text"]) == expect["victims"], why
        return
    unknown = set(expect) - set(FIELDS)
    assert not unknown, f"a types case gives only {FIELDS} or victims, not {sorted(unknown)}"
    found = incidex.extract(case["text"], published=case.get("published", PUBLISHED))
    assert len(found) == 1, [i.to_dict() for i in found]
    got = found[0].to_dict()
    assert {k: got[k] for k in expect} == expect, why
