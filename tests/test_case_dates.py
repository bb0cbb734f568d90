"""The date cases of ``tests/cases/dates.jsonl``: a phrase found in a sentence and resolved
against the publication date (and, where a case gives one, the ``reference`` day of the act
the phrase is relative to).

``expect`` holds ``phrases`` (every phrase found, in order) or the fields of the first phrase
found: ``phrase``, ``kind``, ``reporting``, ``dateline``, ``days_before``, ``date``
(ISO day or null), ``precision`` (ACLED time precision) and ``months_before``; a field the
case leaves out is not checked.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from case_files import cases

from incidex.dates import find_dates, months_before, resolve


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@pytest.mark.parametrize("case", cases("dates"))
def test_date_case(case: dict[str, Any]) -> None:
    expect = case["expect"]
    published, reference = _day(case.get("published")), _day(case.get("reference"))
    found = find_dates(case["text"])
    if "phrases" in expect:
        assert [m.text for m in found] == expect["phrases"]
        return
    assert found, "no date phrase found"
    m = found[0]
    resolved = resolve(m, published, reference)
    got = {
        "phrase": m.text,
        "kind": m.kind,
        "reporting": m.reporting,
        "dateline": m.dateline,
        "days_before": m.days_before,
        "date": resolved.date.isoformat() if resolved.date else None,
        "precision": resolved.precision,
        "months_before": months_before(m, published),
    }
    unknown = expect.keys() - got.keys()
    assert not unknown, f"unknown expect fields {sorted(unknown)}"
    assert {k: got[k] for k in expect} == expect
