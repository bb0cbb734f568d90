"""Typed records that flow between the pipeline's stages.

Frozen dataclasses, no loose dicts: a stage takes records and returns records. Only
:meth:`Incident.to_dict` turns a record into the JSON shape of the evaluation guide.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from incidex.text import safe_text


@dataclass(frozen=True)
class Document:
    """One news report as read from its source."""

    doc_id: str
    text: str
    published: dt.date | None = None
    url: str | None = None
    title: str | None = None
    source: str | None = None  # path, URL or "<stdin>" it was read from
    language: str = "en"

    def __post_init__(self) -> None:
        # Every source builds a Document: one place makes its strings safe for every engine
        # and encoder (incidex.text; same length, so evidence offsets are unchanged).
        for name in ("doc_id", "text", "url", "title", "source"):
            value = getattr(self, name)
            if isinstance(value, str):
                clean = safe_text(value)
                if clean is not value:
                    object.__setattr__(self, name, clean)


@dataclass(frozen=True)
class Sentence:
    """A sentence of a document's cleaned text; offsets point into ``Document.text``."""

    start: int
    end: int
    text: str
    paragraph: int = 0  # index of the paragraph (block) it came from


@dataclass(frozen=True)
class CleanDocument:
    """A document after cleaning: boilerplate and repeated passages dropped."""

    document: Document
    sentences: tuple[Sentence, ...]
    dropped: tuple[tuple[int, int, str], ...] = ()  # (start, end, why) of what was removed


@dataclass(frozen=True)
class Evidence:
    """The characters of the original text that support one field's value."""

    field: str
    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True)
class Count:
    """A casualty figure as a range; ``None`` bounds are open."""

    low: int | None
    high: int | None

    @property
    def best(self) -> int | None:
        """ACLED's conservative rule: the lowest figure the report supports."""
        if self.low is not None:
            return self.low
        return self.high

    def to_dict(self) -> dict[str, int | None]:
        return {"low": self.low, "high": self.high, "best": self.best}


@dataclass(frozen=True)
class Place:
    """A gazetteer entry a place name resolved to."""

    name: str  # the gazetteer's own name ("Karachi")
    country: str  # ISO 3166-1 alpha-2
    kind: str  # "city", "region" (an area between town and province), "admin1" or "country"
    latitude: float | None = None
    longitude: float | None = None
    geonames_id: int | None = None
    admin1: str | None = None  # name of the province/state, if known
    population: int = 0

    @property
    def geo_precision(self) -> int:
        """ACLED geo_precision: 1 town, 2 region/district, 3 province or country."""
        return {"city": 1, "admin1": 3, "country": 3}.get(self.kind, 2)


@dataclass(frozen=True)
class Incident:
    """One incident as extracted from one document, with evidence for each field."""

    event_type: str | None
    sub_event_type: str | None
    date: dt.date | None
    date_text: str | None
    time_precision: int  # ACLED: 1 day, 2 week, 3 month or vaguer
    place: str | None  # as written in the text: the most specific place the gazetteer can locate
    country: str | None
    admin1: str | None
    resolved_place: Place | None
    killed: Count | None
    wounded: Count | None
    perpetrator: str | None
    perpetrator_aliases: tuple[str, ...]
    claimed: bool
    claim_status: str  # "claimed", "suspected", "denied", "unclaimed" or "unknown"
    target_type: str
    weapon: str
    confidence: float
    evidence: tuple[Evidence, ...] = field(default=())
    place_detail: str | None = None  # a more specific place named but not locatable ("Shaab")

    @property
    def evidence_sentence(self) -> str | None:
        for ev in self.evidence:
            if ev.field == "incident":
                return ev.text
        return None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``shared/eval/GUIDE.md`` plus incidex's own fields."""
        rp = self.resolved_place
        return {
            "event_type": self.event_type,
            "sub_event_type": self.sub_event_type,
            "date": self.date.isoformat() if self.date else None,
            "date_text": self.date_text,
            "time_precision": self.time_precision,
            "place": self.place,
            "place_aliases": [],
            "place_detail": self.place_detail,
            "admin1": self.admin1,
            "country": self.country,
            "latitude": rp.latitude if rp else None,
            "longitude": rp.longitude if rp else None,
            "geonames_id": rp.geonames_id if rp else None,
            "geo_precision": rp.geo_precision if rp else None,
            "killed": self.killed.to_dict() if self.killed else None,
            "wounded": self.wounded.to_dict() if self.wounded else None,
            "perpetrator": self.perpetrator,
            "perpetrator_aliases": list(self.perpetrator_aliases),
            "claimed": self.claimed,
            "claim_status": self.claim_status,
            "target_type": self.target_type,
            "weapon": self.weapon,
            "confidence": round(self.confidence, 3),
            "evidence_text": self.evidence_sentence,
            "evidence": [ev.to_dict() for ev in self.evidence],
        }


@dataclass(frozen=True)
class ExtractionFailure:
    """A document extraction gave up on, and why (over a limit, or a rule failed on it)."""

    doc_id: str
    reason: str

    def __str__(self) -> str:
        return f"{self.doc_id}: {self.reason}"
