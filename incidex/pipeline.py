"""The extraction pipeline, stage by stage.

    read (reader.py) -> clean (clean.py) -> entities (nlp.py, trigger sentences only)
    -> mentions (mentions.py) -> fold (fold.py) -> assemble (assemble.py)

Each stage takes and returns typed records (records.py). Documents are processed in
batches so the entity recogniser sees many sentences at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import islice

from incidex.assemble import anchored, assemble
from incidex.budget import UNLIMITED, Budget, BudgetExceeded
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
    """Extract each document in turn; yields ``(document, incidents)`` in input order.

    No time or size budget applies and an error raises; for untrusted input use
    :func:`extract_each`."""
    for doc, result in _extract(docs, DEFAULT_LIMITS, batch_size, isolate=False):
        assert not isinstance(result, ExtractionFailure)  # only isolating runs make failures
        yield doc, result


def extract_each(
    docs: Iterable[Document], *, limits: Limits = DEFAULT_LIMITS, batch_size: int = 32
) -> Iterator[tuple[Document, list[Incident] | ExtractionFailure]]:
    """As :func:`extract_documents`, but a document that breaks a limit or a rule yields an
    :class:`ExtractionFailure` with the reason instead of stopping the others: what a run
    over untrusted input (ingest, the API) uses.

    A document longer than ``limits.doc_chars`` is refused before any work; one whose
    extraction takes more than ``limits.doc_seconds`` (its own stages, plus its share of the
    entity model's batches) is stopped at the next sentence, mention or group."""
    yield from _extract(docs, limits, batch_size, isolate=True)


def _extract(
    docs: Iterable[Document], limits: Limits, batch_size: int, *, isolate: bool
) -> Iterator[tuple[Document, list[Incident] | ExtractionFailure]]:
    it = iter(docs)
    while batch := list(islice(it, batch_size)):
        yield from _extract_batch(batch, limits, isolate)


def _extract_batch(
    batch: list[Document], limits: Limits, isolate: bool
) -> Iterator[tuple[Document, list[Incident] | ExtractionFailure]]:
    """One batch: cleaning per document, the entity model over all of them, then the rules per
    document. With ``isolate``, a document's failure is recorded and the others go on."""
    budgets = [Budget(limits.doc_seconds if isolate else float("inf")) for _ in batch]
    failed: dict[int, ExtractionFailure] = {}
    cleaned: list[CleanDocument | None] = [None] * len(batch)
    for i, doc in enumerate(batch):
        if isolate and len(doc.text) > limits.doc_chars:
            failed[i] = ExtractionFailure(
                doc.doc_id,
                f"{len(doc.text):,} characters, over the limit of {limits.doc_chars:,}; "
                "split the document or raise --doc-chars",
            )
            continue
        with _failures(doc, i, failed, isolate, "cleaning"), budgets[i].running():
            cleaned[i] = clean(doc, sentence_chars=limits.sentence_chars, budget=budgets[i])
    ents = _entities(cleaned, budgets, failed, isolate)
    for i, doc in enumerate(batch):
        incidents: list[Incident] | None = None
        c = cleaned[i]
        if i not in failed and c is not None:
            with _failures(doc, i, failed, isolate, "the rules"), budgets[i].running():
                incidents = incidents_of(c, ents[i], budgets[i])
        yield doc, failed[i] if incidents is None else incidents


@contextmanager
def _failures(
    doc: Document, index: int, failed: dict[int, ExtractionFailure], isolate: bool, stage: str
) -> Iterator[None]:
    """Record what stops one document's extraction as its failure (with ``isolate``)."""
    try:
        yield
    except BudgetExceeded as exc:
        failed[index] = ExtractionFailure(doc.doc_id, exc.reason)
    except Exception as exc:
        if not isolate:
            raise
        log.exception("%s: extraction failed in %s", doc.doc_id, stage)
        failed[index] = ExtractionFailure(
            doc.doc_id, f"extraction failed in {stage} ({type(exc).__name__}: {exc}); please report it"
        )


#: Sentences the entity model is given at once (spaCy's minibatch).
MODEL_BATCH = 64


def _entities(
    cleaned: list[CleanDocument | None],
    budgets: list[Budget],
    failed: dict[int, ExtractionFailure],
    isolate: bool,
) -> list[dict[int, list[Entity]]]:
    """Entities of the sentences that can report an incident (the rest are never parsed).

    The model runs over the sentences of all documents in minibatches; each document is
    charged its share of a minibatch's time by characters, and one that breaks its budget
    or makes the model fail gets no more of its sentences parsed."""
    trigger = lexicon().trigger_any
    jobs = [
        (di, si)
        for di, c in enumerate(cleaned)
        if c is not None and di not in failed
        for si, s in enumerate(c.sentences)
        if trigger.search(s.text)
    ]
    out: list[dict[int, list[Entity]]] = [{} for _ in cleaned]
    for first in range(0, len(jobs), MODEL_BATCH):
        chunk = [(di, si) for di, si in jobs[first : first + MODEL_BATCH] if di not in failed]
        sentences = [cleaned[di].sentences[si] for di, si in chunk]  # type: ignore[union-attr]
        started = time.monotonic()
        found = _model(chunk, [s.text for s in sentences], cleaned, failed, isolate)
        share = (time.monotonic() - started) / max(1, sum(len(s.text) for s in sentences))
        for (di, si), sentence, ents in zip(chunk, sentences, found, strict=True):
            if di in failed or ents is None:
                continue
            out[di][si] = [
                Entity(sentence.start + e.start, sentence.start + e.end, e.label, e.text) for e in ents
            ]
            try:
                budgets[di].charge(share * len(sentence.text), "the entity model")
            except BudgetExceeded as exc:
                failed[di] = ExtractionFailure(cleaned[di].document.doc_id, exc.reason)  # type: ignore[union-attr]
    return out


def _model(
    chunk: list[tuple[int, int]],
    texts: list[str],
    cleaned: list[CleanDocument | None],
    failed: dict[int, ExtractionFailure],
    isolate: bool,
) -> list[list[Entity] | None]:
    """Entities of ``texts``; where the model fails on the minibatch, text by text, so that
    only the documents whose text it fails on are failed."""
    try:
        return list(entities(texts))
    except Exception:
        if not isolate:
            raise
    found: list[list[Entity] | None] = []
    for (di, _), text in zip(chunk, texts, strict=True):
        doc = cleaned[di].document  # type: ignore[union-attr]
        with _failures(doc, di, failed, isolate, "the entity model"):
            found.append(next(entities([text])))
            continue
        found.append(None)
    return found


def document_countries(
    c: CleanDocument, budget: Budget = UNLIMITED
) -> tuple[tuple[str, ...], tuple[str, ...], frozenset[str]]:
    """Countries the document names, most often named first, headline and lead counting
    triple: (all of them, those named by name rather than demonym, those named twice or more)."""
    gaz = get_gazetteer()
    tally: Counter[str] = Counter()
    names: Counter[str] = Counter()
    times: Counter[str] = Counter()
    for si, s in enumerate(c.sentences):
        budget.check("countries")
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


def incidents_of(
    c: CleanDocument, ents: dict[int, list[Entity]], budget: Budget = UNLIMITED
) -> list[Incident]:
    """The rules over one cleaned document; ``budget`` is checked in each stage's loop."""
    if is_fiction(c.document.text):
        log.info("%s: reads as fiction or sport; no incidents extracted", c.document.doc_id)
        return []
    countries, named, focus = document_countries(c, budget)
    mentions = find_mentions(c, ents, countries, budget=budget)
    groups = [g for g in fold(mentions, c.document.published, budget=budget) if anchored(g)]
    # A report of one act that names no place in the sentences telling it ("the siege at the
    # school") still leads with where it happened: the first town or province of its opening.
    lead = lead_place(c, countries) if len(groups) == 1 and groups[0].best_place is None else None
    out = []
    for g in groups:
        budget.check("assembling incidents")
        out.append(assemble(g, c.document, named, countries, focus, lead))
    return out


def lead_place(c: CleanDocument, countries: tuple[str, ...]) -> PlaceMention | None:
    """The first located town, district or province in the first two paragraphs."""
    for s in c.sentences:
        if s.paragraph > 1:
            break
        for p in find_places(s.text, s.start, [], countries):
            if p.place is not None and p.place.kind != "country" and p.rank < 4:
                return p
    return None
