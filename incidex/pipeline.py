"""The extraction pipeline, stage by stage.

    read (reader.py) -> clean (clean.py) -> entities (nlp.py, trigger sentences only)
    -> mentions (mentions.py) -> fold (fold.py) -> assemble (assemble.py)

Each stage takes and returns typed records (records.py). Documents are processed in
batches so the entity recogniser sees many sentences at once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import islice

from incidex.assemble import anchored, assemble
from incidex.clean import clean
from incidex.fold import fold
from incidex.gazetteer import get_gazetteer
from incidex.lexicon import lexicon
from incidex.mentions import find_mentions
from incidex.nlp import Entity, entities
from incidex.places import PlaceMention, countries_named, find_places
from incidex.records import CleanDocument, Document, ExtractionFailure, Incident
from incidex.settings import DEFAULT_LIMITS, Limits

log = logging.getLogger(__name__)


def _as_date(value: dt.date | str | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def extract(text: str, *, published: dt.date | str | None = None, doc_id: str = "doc") -> list[Incident]:
    """Incidents reported by one text, with dates resolved against ``published``."""
    doc = Document(doc_id=doc_id, text=text, published=_as_date(published))
    return next(extract_documents([doc]))[1]


def extract_documents(
    docs: Iterable[Document], *, batch_size: int = 32
) -> Iterator[tuple[Document, list[Incident]]]:
    """Extract each document in turn; yields ``(document, incidents)`` in input order."""
    it = iter(docs)
    while batch := list(islice(it, batch_size)):
        cleaned = [clean(d) for d in batch]
        ents = _entities(cleaned)
        for i, c in enumerate(cleaned):
            yield c.document, incidents_of(c, ents[i])


def extract_each(
    docs: Iterable[Document], *, limits: Limits = DEFAULT_LIMITS, batch_size: int = 32
) -> Iterator[tuple[Document, list[Incident] | ExtractionFailure]]:
    """As :func:`extract_documents`, but a document that breaks a limit or a rule yields an
    :class:`ExtractionFailure` with the reason instead of stopping the others: what a run
    over untrusted input (ingest, the API) uses."""
    # TODO(issue 9): size and time budgets per document; this first version only isolates
    # failures one document at a time.
    for doc in docs:
        try:
            yield doc, next(extract_documents([doc]))[1]
        except Exception as exc:  # one document's failure is that document's alone
            log.exception("%s: extraction failed", doc.doc_id)
            yield doc, ExtractionFailure(doc.doc_id, f"extraction failed ({type(exc).__name__}: {exc})")


def _entities(cleaned: list[CleanDocument]) -> list[dict[int, list[Entity]]]:
    """Entities of the sentences that can report an incident (the rest are never parsed)."""
    trigger = lexicon().trigger_any
    jobs = [
        (di, si) for di, c in enumerate(cleaned) for si, s in enumerate(c.sentences) if trigger.search(s.text)
    ]
    out: list[dict[int, list[Entity]]] = [{} for _ in cleaned]
    texts = [cleaned[di].sentences[si].text for di, si in jobs]
    for (di, si), ents in zip(jobs, entities(texts), strict=True):
        base = cleaned[di].sentences[si].start
        out[di][si] = [Entity(base + e.start, base + e.end, e.label, e.text) for e in ents]
    return out


def document_countries(c: CleanDocument) -> tuple[tuple[str, ...], tuple[str, ...], frozenset[str]]:
    """Countries the document names, most often named first, headline and lead counting
    triple: (all of them, those named by name rather than demonym, those named twice or more)."""
    gaz = get_gazetteer()
    tally: Counter[str] = Counter()
    names: Counter[str] = Counter()
    times: Counter[str] = Counter()
    for si, s in enumerate(c.sentences):
        for code, demonym in countries_named(s.text, [], gaz):
            weight = 3 if si < 3 else 1
            tally[code] += weight
            times[code] += 1
            if not demonym:
                names[code] += weight
    return (
        tuple(code for code, _ in tally.most_common()),
        tuple(code for code, _ in names.most_common()),
        frozenset(code for code, n in times.items() if n >= 2),
    )


def is_fiction(text: str) -> bool:
    """A review, a sports report, a story: several distinct signs of fiction in one text."""
    pattern = lexicon().cues["fiction"]
    return len({m.group(0).lower() for m in pattern.finditer(text)}) >= 2


def incidents_of(c: CleanDocument, ents: dict[int, list[Entity]]) -> list[Incident]:
    if is_fiction(c.document.text):
        log.info("%s: reads as fiction or sport; no incidents extracted", c.document.doc_id)
        return []
    countries, named, focus = document_countries(c)
    mentions = find_mentions(c, ents, countries)
    groups = [g for g in fold(mentions, c.document.published) if anchored(g)]
    # A report of one act that names no place in the sentences telling it ("the siege at the
    # school") still leads with where it happened: the first town or province of its opening.
    lead = lead_place(c, countries) if len(groups) == 1 and groups[0].best_place is None else None
    return [assemble(g, c.document, named, countries, focus, lead) for g in groups]


def lead_place(c: CleanDocument, countries: tuple[str, ...]) -> PlaceMention | None:
    """The first located town, district or province in the first two paragraphs."""
    for s in c.sentences:
        if s.paragraph > 1:
            break
        for p in find_places(s.text, s.start, [], countries):
            if p.place is not None and p.place.kind != "country" and p.rank < 4:
                return p
    return None
