"""The counts stage on ``tests/cases/counts.jsonl``: each case is one clause given to
:func:`incidex.counts.find_counts` and the figures it must find, in text order.

``expect.figures`` lists ``[kind, low, high]`` per figure (``null`` for an open bound), with
``"update"`` appended for a figure that replaces earlier ones ("raising the death toll to
eight") and ``"vague"`` for a vague quantity ("dozens"); ``expect.evidence``, when given,
lists the text each figure was read from.
"""

from __future__ import annotations

from typing import Any

import pytest

from incidex.counts import CountMention, find_counts
from tests.case_files import cases


def _figure(c: CountMention) -> list[Any]:
    flags = (["update"] if c.update else []) + (["vague"] if c.vague else [])
    return [c.kind, c.count.low, c.count.high, *flags]


@pytest.mark.parametrize("case", cases("counts"))
def test_counts_case(case: dict[str, Any]) -> None:
    found = find_counts(case["text"])
    assert [_figure(c) for c in found] == case["expect"]["figures"]
    if "evidence" in case["expect"]:
        assert [c.text for c in found] == case["expect"]["evidence"]
