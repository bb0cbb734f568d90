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
from case_files import cases, check_one_incident

from incidex.classify import victims_of

FIELDS = ("event_type", "sub_event_type", "target_type", "weapon")


@pytest.mark.parametrize("case", cases("types"))
def test_type_case(case: dict[str, Any]) -> None:
    expect = case["expect"]
    if "victims" in expect:
        assert expect.keys() == {"victims"}, "a victims case checks only victims_of"
        assert victims_of(case["text"]) == expect["victims"], case.get("why", case["id"])
        return
    check_one_incident(case, FIELDS)
