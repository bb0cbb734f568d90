"""A stand-in for extraction in the storage tests, and the fictional reports it reads.

What those tests check is storing, merging and near-duplicate linking under failures and
concurrent writers, not the extractor. The stand-in reads each report's incident from its
first line ("ALDERFORD 2024-05-03 (o01.example): gunmen killed 4 to 14 people"), so every
merge decision is known in advance (the reports of one incident always merge, two incidents
never do, whatever order they are stored in), and it costs microseconds instead of a model.

:func:`corpus` gives incidents told by two stories each, every story run by four outlets as
wire copies (near-duplicates of each other); every town, outlet and word is invented.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from incidex.records import Count, Document, ExtractionFailure, Incident, Place

#: Fictional towns, each over 100 km from the others (so no two incidents can merge).
TOWNS = {
    "Alderford": (10.0, 7.0),
    "Brinmoor": (11.5, 9.0),
    "Caskwell": (8.5, 11.0),
    "Dunmere": (12.5, 5.0),
    "Elmstead": (7.0, 6.0),
    "Fallowby": (13.0, 12.5),
}
STORIES, COPIES = 2, 4
_FIRST_LINE = re.compile(
    r"^(?P<town>[A-Z]+) (?P<date>\d{4}-\d\d-\d\d) \((?P<outlet>[^)]+)\): "
    r"gunmen killed (?P<low>\d+) to (?P<high>\d+) people"
)
_SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "ba", "de", "fo", "gu", "hi", "ja"]


def _filler(seed: str, words: int = 300) -> str:
    """Invented words in an order of their own for each seed: two stories share no 5 words in
    a row, so only copies of one story are near-duplicates."""
    rng = random.Random(seed)
    vocabulary = sorted({"".join(rng.choices(_SYLLABLES, k=3)) for _ in range(600)})
    return " ".join(rng.choice(vocabulary) for _ in range(words)) + "."


def report(incident: int, story: int, copy: int) -> Document:
    """Copy ``copy`` of story ``story`` of incident ``incident``: its own outlet and figures."""
    town = list(TOWNS)[incident]
    day = dt.date(2024, 5, 3) + dt.timedelta(days=5 * incident)  # incidents 5 days apart
    outlet = f"o{story}{copy}.example"
    low = 2 + incident + 3 * story + copy
    high = low + 10 * (4 * story + copy + 1)
    first = f"{town.upper()} {day.isoformat()} ({outlet}): gunmen killed {low} to {high} people at a market."
    return Document(
        doc_id=f"i{incident}-s{story}-c{copy}",
        text=first + "\n\n" + _filler(f"story-{incident}-{story}"),
        published=day + dt.timedelta(days=copy % 2),
        url=f"https://{outlet}/i{incident}",
        title=f"Attack in {town}",
        source="stand-in",
    )


def corpus(incidents: int = len(TOWNS)) -> list[Document]:
    """Every copy of every story of ``incidents`` incidents, incident by incident."""
    return [report(i, s, c) for i in range(incidents) for s in range(STORIES) for c in range(COPIES)]


def numbered(n: int, *, killed: int | None = None) -> Document:
    """Report ``n`` of a run of distinct reports, one incident each, three days apart (so none
    merge); ``killed`` overrides its toll (a figure no column can hold, for instance)."""
    town = list(TOWNS)[n % len(TOWNS)]
    day = dt.date(2023, 1, 1) + dt.timedelta(days=3 * n)
    low = 1 + n % 9 if killed is None else killed
    first = f"{town.upper()} {day.isoformat()} (n{n}.example): gunmen killed {low} to {low + 4} people."
    return Document(
        doc_id=f"doc-{n}",
        text=first + "\n\n" + _filler(f"numbered-{n}", 40),
        published=day,
        url=f"https://n{n}.example/report",
        source="stand-in",
    )


def incidents_in(doc: Document) -> list[Incident]:
    """What the stand-in extracts: the one incident the first line tells, or none."""
    m = _FIRST_LINE.match(doc.text)
    if m is None:
        return []
    town = m["town"].title()
    lat, lon = TOWNS[town]
    place = Place(
        name=town, country="NG", kind="city", latitude=lat, longitude=lon,
        geonames_id=9_000_000 + list(TOWNS).index(town), admin1="Fictional State",
    )  # fmt: skip
    return [
        Incident(
            event_type="Violence against civilians", sub_event_type="Attack",
            date=dt.date.fromisoformat(m["date"]), date_text=None, time_precision=1,
            place=town, country="NG", admin1="Fictional State", resolved_place=place,
            killed=Count(int(m["low"]), int(m["high"])), wounded=None, perpetrator=None,
            perpetrator_aliases=(), claimed=False, claim_status="unknown",
            target_type="civilians", weapon="firearms", confidence=0.8,
        )
    ]  # fmt: skip


Extracted = tuple[Document, list[Incident] | ExtractionFailure]

#: A report holding this kills the worker process that extracts it (:func:`crash_on_marker`).
CRASH_MARKER = "KILLS-THE-WORKER"


def crash_on_marker(batch: list[Document], limits: object) -> list[Extracted]:
    """A worker's batch function (see ``incidex.ingest.Work``) that dies as a native crash or
    the kernel's out-of-memory killer would end a worker: at once, running no clean-up."""
    if any(CRASH_MARKER in d.text for d in batch):
        os._exit(70)
    return [(d, incidents_in(d)) for d in batch]


class StandIn:
    """``extract_each`` as the ingest calls it, reading :func:`incidents_in`.

    ``during[doc_id]`` runs once while that document is being extracted: another writer's
    work, done after this ingest checked that the document is new and before it stores it.
    ``fails[doc_id]`` makes extraction give up on that document with the reason given.
    """

    def __init__(self) -> None:
        self.during: dict[str, Callable[[], Any]] = {}
        self.fails: dict[str, str] = {}

    def __call__(self, docs: Iterable[Document], **_: Any) -> Iterator[Extracted]:
        for doc in docs:
            if doc.doc_id in self.during:
                self.during.pop(doc.doc_id)()
            if doc.doc_id in self.fails:
                yield doc, ExtractionFailure(doc.doc_id, self.fails[doc.doc_id])
            else:
                yield doc, incidents_in(doc)

    def install(self, module: Any, monkeypatch: pytest.MonkeyPatch | None = None) -> StandIn:
        """Put the stand-in in place of ``module``'s extraction, for the test (with
        ``monkeypatch``) or for the process."""
        put = monkeypatch.setattr if monkeypatch is not None else _put
        put(module, "extract_each", self, raising=False)
        # the name the ingest used before it isolated failures per document: with it, these
        # tests also run against that older code, to show what they catch there
        put(module, "extract_documents", lambda docs, **kw: self(docs), raising=False)
        return self


def _put(obj: Any, name: str, value: Any, raising: bool = True) -> None:
    setattr(obj, name, value)
