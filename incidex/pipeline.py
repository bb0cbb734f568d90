"""The extraction pipeline, stage by stage (stub: being written)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from incidex.records import Document, Incident


def _as_date(value: dt.date | str | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def extract(text: str, *, published: dt.date | str | None = None, doc_id: str = "doc") -> list[Incident]:
    """Incidents reported by one text, with dates resolved against ``published``."""
    doc = Document(doc_id=doc_id, text=text, published=_as_date(published))
    return next(extract_documents([doc]))[1]


def extract_documents(docs: Iterable[Document], *, batch_size: int = 32) -> Iterator[tuple[Document, list[Incident]]]:
    """Extract each document in turn; yields ``(document, incidents)`` in input order."""
    for doc in docs:
        yield doc, []
