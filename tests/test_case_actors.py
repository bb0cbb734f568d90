"""The actors stage by example: ``tests/cases/actors.jsonl``.

Each case is a fictional report; ``expect`` gives some of ``perpetrator``, ``claimed`` and
``claim_status`` of the one incident :func:`incidex.extract` finds in it, and only those
are compared. A case that expects ``actors`` instead checks
:func:`incidex.actors.find_actors` on the text alone: each actor found, in order, as
``[name as reported, whether named as a target]``. Reports are published on Wednesday
8 May 2024 unless a case says otherwise.
"""

from __future__ import annotations

from typing import Any

import pytest
from case_files import cases, check_one_incident

from incidex.actors import find_actors

FIELDS = ("perpetrator", "claimed", "claim_status")


@pytest.mark.parametrize("case", cases("actors"))
def test_actor_case(case: dict[str, Any]) -> None:
    expect = case["expect"]
    if "actors" in expect:
        assert expect.keys() == {"actors"}, "an actors case checks only find_actors"
        got_actors = [[a.name, a.as_target] for a in find_actors(case["text"])]
        assert got_actors == expect["actors"], case.get("why", case["id"])
        return
    check_one_incident(case, FIELDS)
