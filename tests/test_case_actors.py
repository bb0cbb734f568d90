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
from case_files import cases

import incidex
from incidex.actors import find_actors

PUBLISHED = "2024-05-08"
FIELDS = ("perpetrator", "claimed", "claim_status")


@pytest.mark.parametrize("case", cases("actors"))
def test_actor_case(case: dict[str, Any]) -> None:
    expect = case["expect"]
    why = case.get("why", case["id"])
    if "actors" in expect:
        assert expect.keys() == {"actors"}, "an actors case checks only find_actors"
        got_actors = [[a.name, a.as_target] for a in find_actors(case["text"])]
        assert got_actors == expect["actors"], why
        return
    unknown = set(expect) - set(FIELDS)
    assert not unknown, f"an actors case gives only {FIELDS} or actors, not {sorted(unknown)}"
    found = incidex.extract(case["text"], published=case.get("published", PUBLISHED))
    assert len(found) == 1, [i.to_dict() for i in found]
    got = found[0].to_dict()
    assert {k: got[k] for k in expect} == expect, why
