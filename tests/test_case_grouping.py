"""The grouping cases of ``tests/cases/grouping.jsonl``: short reports run through
``incidex.extract``, and how many incidents they give.

``expect`` holds ``incidents`` (how many) and, where useful, ``each``: one object per incident
in the order extract returns them, with any of ``date`` (ISO day or null), ``date_text``,
``time_precision``, ``place``, ``country``, ``killed`` (the low figure, or null),
``event_type`` and ``sub_event_type``; a field the case leaves out is not checked.
"""

from __future__ import annotations

from typing import Any

import pytest
from case_files import cases

from incidex import Incident, extract


def _fields(incident: Incident) -> dict[str, Any]:
    return {
        "date": incident.date.isoformat() if incident.date else None,
        "date_text": incident.date_text,
        "time_precision": incident.time_precision,
        "place": incident.place,
        "country": incident.country,
        "killed": incident.killed.low if incident.killed else None,
        "event_type": incident.event_type,
        "sub_event_type": incident.sub_event_type,
    }


@pytest.mark.parametrize("case", cases("grouping"))
def test_grouping_case(case: dict[str, Any]) -> None:
    expect = case["expect"]
    incidents = extract(case["text"], published=case.get("published"))
    got = [_fields(i) for i in incidents]
    assert len(incidents) == expect["incidents"], got
    if "each" not in expect:
        return
    for n, (want, have) in enumerate(zip(expect["each"], got, strict=True)):
        unknown = want.keys() - have.keys()
        assert not unknown, f"incident {n}: unknown expect fields {sorted(unknown)}"
        assert {k: have[k] for k in want} == want, f"incident {n}"
