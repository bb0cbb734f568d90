"""Typed records the store returns, and the query it takes.

Frozen dataclasses like the pipeline's own records (:mod:`incidex.records`). The ``fields``
of a report or incident is the JSON object stored for it (an :meth:`Incident.to_dict`
shape); treat it as read-only. It takes no part in hashing, so records stay hashable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from incidex.records import Document
from incidex.store.errors import StoreError


@dataclass(frozen=True)
class StoredDocument:
    """A row of ``documents``."""

    id: int
    doc_id: str
    url: str | None
    digest: str
    source: str | None
    title: str | None
    published: dt.date | None
    retrieved_at: dt.datetime  # UTC
    language: str
    text: str
    story_id: int | None
    created_at: dt.datetime  # UTC

    def to_document(self) -> Document:
        """The pipeline's :class:`~incidex.records.Document` this row was stored from."""
        return Document(
            doc_id=self.doc_id,
            text=self.text,
            published=self.published,
            url=self.url,
            title=self.title,
            source=self.source,
            language=self.language,
        )


@dataclass(frozen=True)
class StoredReport:
    """One incident as one document reported it (a row of ``reports``), with its document."""

    id: int
    document_id: int
    ordinal: int  # index of the incident within the document's extraction
    incident_id: int | None  # None until merged
    fields: dict[str, Any] = field(hash=False)
    doc_id: str
    url: str | None = None
    title: str | None = None
    published: dt.date | None = None


@dataclass(frozen=True)
class StoredIncident:
    """A merged incident (a row of ``incidents``): ``fields`` plus indexed copies of some."""

    id: int
    incident_uid: str  # "inc_" + 12 hex digits, stable across re-ingests of the same corpus
    fields: dict[str, Any] = field(hash=False)
    event_type: str | None = None
    sub_event_type: str | None = None
    date: dt.date | None = None
    country: str | None = None
    admin1: str | None = None
    place: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    killed_low: int | None = None
    killed_high: int | None = None
    killed_best: int | None = None
    wounded_low: int | None = None
    wounded_best: int | None = None
    perpetrator: str | None = None
    not_incident: bool = False  # a reviewer said so
    merged_into: int | None = None  # incidents.id a reviewer merged this one into
    n_reports: int = 0
    first_seen: dt.datetime | None = None  # UTC
    updated_at: dt.datetime | None = None  # UTC


@dataclass(frozen=True)
class HistoryEntry:
    """One change to an incident, and the document that caused it."""

    id: int
    incident_id: int
    at: dt.datetime  # UTC
    document_id: int | None
    doc_id: str | None
    action: str  # "created", "merged" (reports added) or "updated" (fields changed only)
    changes: dict[str, Any] = field(hash=False)  # {field: [before, after]}


@dataclass(frozen=True)
class IncidentQuery:
    """Filters for :meth:`Store.incidents`; every filter given must hold.

    ``near`` is ``(latitude, longitude, km)``: incidents located within ``km`` kilometres
    (great-circle). ``text`` matches incidents reported by a document whose title or text
    holds every whitespace-separated term of it: whole words, case-insensitive, no
    stemming, the same on both engines (a hyphenated term matches the hyphenated word;
    quotes and other punctuation are never query syntax). ``min_killed`` compares with the best
    figure (``killed_best``). Results come newest first (unknown dates last); ``limit=None``
    returns them all. Incidents a reviewer marked not an incident are left out unless
    ``include_not_incident``.
    """

    country: str | None = None
    admin1: str | None = None
    near: tuple[float, float, float] | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    event_type: str | None = None
    min_killed: int | None = None
    text: str | None = None
    include_not_incident: bool = False
    limit: int | None = 100
    offset: int = 0

    def __post_init__(self) -> None:
        if self.limit is not None and self.limit < 0:
            raise StoreError(f"IncidentQuery.limit must be >= 0 or None, got {self.limit}")
        if self.offset < 0:
            raise StoreError(f"IncidentQuery.offset must be >= 0, got {self.offset}")
        if self.near is not None:
            lat, lon, km = self.near
            if not (-90 <= lat <= 90 and -180 <= lon <= 180 and km >= 0):
                raise StoreError(
                    f"IncidentQuery.near must be (latitude -90..90, longitude -180..180, km >= 0), got {self.near}"
                )
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise StoreError(f"IncidentQuery.date_from {self.date_from} is after date_to {self.date_to}")


@dataclass(frozen=True)
class ApiToken:
    """A row of ``api_tokens``: a REST API token's name and lifecycle, never its secret."""

    id: int
    name: str
    created_at: dt.datetime  # UTC
    expires_at: dt.datetime | None  # UTC; None: never
    revoked_at: dt.datetime | None  # UTC; None: not revoked
    last_used_at: dt.datetime | None  # UTC; the last write made with it, to the minute

    def state(self, now: dt.datetime) -> str:
        """``"revoked"``, ``"expired"`` (at ``now``) or ``"active"``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"
