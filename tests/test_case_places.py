"""The places stage by example: ``tests/cases/places.jsonl``.

Each case is a fictional report; ``expect`` gives some of ``place``, ``admin1`` and
``country`` of the one incident :func:`incidex.extract` finds in it, and only those are
compared. Reports are published on Wednesday 8 May 2024 unless a case says otherwise.
"""

from __future__ import annotations

from typing import Any

import pytest
from case_files import cases, check_one_incident

FIELDS = ("place", "admin1", "country")


@pytest.mark.parametrize("case", cases("places"))
def test_place_case(case: dict[str, Any]) -> None:
    check_one_incident(case, FIELDS)
