"""Per-document budgets and linear cost of extraction on hostile text (issue 9, finding 6).

Every text here is invented for the tests. The hostile shapes are the ones that made
extraction grow faster than its input (commas, brackets, "3-4-4-...", thousands of short
paragraphs, a long hyphenated run of names): each must come out as incidents or as an
:class:`ExtractionFailure`, never as an exception and never after unbounded time.
"""

from __future__ import annotations

import signal
import types
from collections.abc import Iterator

import pytest

from incidex.clean import clean
from incidex.pipeline import extract_each
from incidex.records import Document, ExtractionFailure, Incident
from incidex.settings import DEFAULT_LIMITS, Limits

#: Seconds all the hostile shapes together may take. Timing is unavoidable for "never
#: unbounded time"; each shape takes about a second now and took from 10 s to hours before.
HOSTILE_SECONDS = 180

LEAD = "Gunmen killed 3 people in Kano on Monday"


def _paragraphs(n: int) -> str:
    towns = ("Kano", "Maiduguri", "Gao", "Mopti", "Herat", "Kunduz", "Mosul", "Aleppo")
    return "\n\n".join(
        f"Item {i}: gunmen killed {i % 40 + 1} people in {towns[i % 8]} on day {i}." for i in range(n)
    )


HOSTILE = {
    "commas": LEAD + "," * 16_000 + ".",
    "opening brackets": LEAD + " " + "(" * 10_000 + ".",
    "number-dashes": "Gunmen killed " + "3-4-" * 25_000 + "4 people in Kano.",
    "short paragraphs": _paragraphs(4_000),
    "hyphenated names": "Gunmen killed " + "-".join(["Abu"] * 600) + " in Kano.",
}


class _Deadline(BaseException):  # not an Exception: nothing on the way may catch it
    pass


@pytest.fixture
def deadline() -> Iterator[None]:
    def ring(_signum: int, _frame: object) -> None:
        raise _Deadline(f"the hostile shapes took more than {HOSTILE_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.alarm(HOSTILE_SECONDS)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def test_hostile_shapes_give_incidents_or_a_failure_in_bounded_time(deadline: None) -> None:
    docs = [Document(doc_id=name, text=text, published=None) for name, text in HOSTILE.items()]
    results = dict((doc.doc_id, result) for doc, result in extract_each(docs))
    assert list(results) == list(HOSTILE)
    for name, result in results.items():
        assert isinstance(result, list | ExtractionFailure), name
    # the ordinary parts of these texts are still read
    assert any(i.place == "Kano" for i in results["commas"])  # type: ignore[union-attr]


def test_a_document_over_the_size_limit_fails_with_its_reason_and_the_next_is_extracted() -> None:
    docs = [
        Document(doc_id="long", text=LEAD + "." + " More words." * 100),
        Document(doc_id="short", text=LEAD + "."),
    ]
    (_, long), (_, short) = extract_each(docs, limits=Limits(doc_chars=500))
    assert isinstance(long, ExtractionFailure)
    assert long.doc_id == "long"
    assert "over the limit of 500" in long.reason and "--doc-chars" in long.reason
    assert isinstance(short, list) and [i.place for i in short] == ["Kano"]


class _Clock:
    """A monotonic clock that moves one second each time it is read: the budget's checks see
    a document's time grow with the work done on it, the same on any machine."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        self.now += 1.0
        return self.now


def test_a_document_over_the_time_budget_fails_and_the_next_in_its_batch_is_extracted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("incidex.budget.time", types.SimpleNamespace(monotonic=_Clock().monotonic))
    docs = [
        Document(doc_id="slow", text=_paragraphs(200)),  # hundreds of steps: hundreds of "seconds"
        Document(doc_id="quick", text=LEAD + "."),  # a few steps
    ]
    (_, slow), (_, quick) = extract_each(docs, limits=Limits(doc_seconds=60))
    assert isinstance(slow, ExtractionFailure)
    assert "over the 60 s extraction budget in" in slow.reason and "--doc-seconds" in slow.reason
    assert isinstance(quick, list) and [i.place for i in quick] == ["Kano"]


def test_an_error_in_one_document_fails_that_document_only(monkeypatch: pytest.MonkeyPatch) -> None:
    import incidex.pipeline

    real = incidex.pipeline.find_mentions

    def broken(c, *args, **kwargs):  # type: ignore[no-untyped-def]
        if c.document.doc_id == "bad":
            raise ValueError("a rule broke")
        return real(c, *args, **kwargs)

    monkeypatch.setattr(incidex.pipeline, "find_mentions", broken)
    docs = [Document(doc_id="bad", text=LEAD + "."), Document(doc_id="good", text=LEAD + ".")]
    (_, bad), (_, good) = extract_each(docs)
    assert isinstance(bad, ExtractionFailure) and "ValueError: a rule broke" in bad.reason
    assert isinstance(good, list) and len(good) == 1


def test_a_long_sentence_is_cut_before_the_rules_and_offsets_still_point_at_its_text() -> None:
    filler = " ".join(f"word{i}" for i in range(1_500))  # about 10,000 characters, no full stop
    doc = Document(
        doc_id="long", text=f"{filler} and then {LEAD.lower()} in a market in Kano", published=None
    )
    sentences = clean(doc).sentences
    assert len(sentences) > 1
    assert all(len(s.text) <= DEFAULT_LIMITS.sentence_chars for s in sentences)
    assert all(doc.text[s.start : s.end] == s.text for s in sentences)
    found: list[Incident] = next(extract_each([doc]))[1]  # type: ignore[assignment]
    assert [i.place for i in found] == ["Kano"]
    for ev in found[0].evidence:
        assert doc.text[ev.start : ev.end] == ev.text
    assert any(ev.field == "place" and ev.text == "Kano" for ev in found[0].evidence)


def test_a_smaller_sentence_limit_cuts_at_a_space() -> None:
    text = "alpha beta gamma delta epsilon zeta eta theta"
    doc = Document(doc_id="t", text=text)
    sentences = clean(doc, sentence_chars=12).sentences
    assert [s.text for s in sentences] == ["alpha beta", "gamma delta", "epsilon zeta", "eta theta"]
    assert all(text[s.start : s.end] == s.text for s in sentences)
