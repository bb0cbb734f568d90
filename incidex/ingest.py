"""From sources to the database: read, skip what is stored, extract, store and merge.

    sources (sources.py) -> digest, near-duplicates (dedup.py) -> extract (pipeline.py)
    -> store the document and its reports, merge each report into an incident (merge.py)

Each document is stored with its reports and their merges in one transaction: a process
killed at any moment leaves every document either complete or absent, and running the same
ingest again finishes the job. The same document (by URL or by the digest of its
normalised text) is stored once; a near-duplicate (a wire copy with small edits) is stored
and linked to the first copy's story.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
from collections import Counter, deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field, replace
from itertools import chain, islice
from typing import Any
from urllib.parse import urlsplit

from incidex import merge
from incidex.dedup import NearDuplicates, digest
from incidex.pipeline import extract_documents
from incidex.reader import ReadFailure
from incidex.records import Document, Incident
from incidex.store import Store, StoredIncident, StoredReport

log = logging.getLogger(__name__)


@dataclass
class IngestSummary:
    """What one ingest did; ``failed`` holds one line a document that could not be read."""

    read: int = 0
    new: int = 0
    duplicate: int = 0
    near_duplicate: int = 0
    failed: list[str] = field(default_factory=list)
    reports: int = 0
    incidents_created: int = 0
    incidents_merged: int = 0

    def line(self) -> str:
        return (
            f"read {self.read}, new {self.new}, duplicate {self.duplicate} "
            f"(near-duplicate {self.near_duplicate}), failed {len(self.failed)}; "
            f"{self.reports} incident reports: {self.incidents_created} new incidents, "
            f"{self.incidents_merged} merged into existing ones"
        )


def _outlet(doc: Document) -> str | None:
    if doc.url:
        return urlsplit(doc.url).hostname or doc.url
    return doc.source


def _report(doc: Document, fields: dict[str, Any]) -> merge.Report:
    return merge.Report(doc_id=doc.doc_id, published=doc.published, source=_outlet(doc), fields=fields)


def stored_report(r: StoredReport) -> merge.Report:
    """A stored report as the merge rules read it."""
    source = urlsplit(r.url).hostname if r.url else None
    return merge.Report(doc_id=r.doc_id, published=r.published, source=source, fields=r.fields)


class _Members:
    """The reports of each incident this ingest has touched, read from the store once and kept
    up to date as reports join (merging compares a report with every member)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._of: dict[int, list[merge.Report]] = {}

    def __getitem__(self, incident_id: int) -> list[merge.Report]:
        if incident_id not in self._of:
            self._of[incident_id] = [stored_report(r) for r in self.store.reports_of(incident_id)]
        return self._of[incident_id]

    def start(self, incident_id: int, report: merge.Report) -> None:
        self._of[incident_id] = [report]

    def forget(self) -> None:
        """After a rolled-back transaction the cache may hold reports that were never stored."""
        self._of.clear()


def _within_reach(fields: dict[str, Any], incident: StoredIncident) -> bool:
    """Cheap pre-filter before reading an incident's reports: two towns farther apart than any
    merge allows (merge.FAR_KM, doubled for districts) are two incidents. A province's or a
    country's point (ACLED geo_precision 3) says nothing of distance: a town in it may be far
    from its centre."""
    lat, lon = fields.get("latitude"), fields.get("longitude")
    if lat is None or lon is None or incident.latitude is None or incident.longitude is None:
        return True
    if fields.get("geo_precision") == 3 or incident.fields.get("geo_precision") == 3:
        return True
    return merge.km((lat, lon), (incident.latitude, incident.longitude)) <= 2 * merge.FAR_KM


def merge_report(
    store: Store,
    members: _Members,
    document_id: int,
    report_id: int,
    doc: Document,
    fields: dict[str, Any],
    at: dt.datetime,
) -> bool:
    """Merge one stored report into the incident it tells, or start one. True when merged."""
    report = _report(doc, fields)
    date = dt.date.fromisoformat(fields["date"]) if fields.get("date") else None
    candidates = {
        c.id: c
        for c in store.candidate_incidents(country=fields.get("country"), date=date)
        if _within_reach(fields, c)
    }
    key = merge.assign(report, [(str(i), members[i]) for i in candidates])
    if key is None:
        created = store.create_incident(
            merge.reconcile([report]).fields, [report_id], document_id=document_id, at=at
        )
        members.start(created.id, report)
        return False
    incident = candidates[int(key)]
    reports = members[incident.id]
    merged = merge.reconcile([*reports, report])
    store.update_incident(
        incident.id,
        merged.fields,
        [report_id],
        document_id=document_id,
        at=at,
        changes=merge.diff(incident.fields, merged.fields),
        current=incident,
    )
    reports.append(report)
    return True


def _extract_batch(batch: list[Document]) -> list[tuple[Document, list[Incident]]]:
    return list(extract_documents(batch))


def _stored_only(batch: list[Document]) -> list[tuple[Document, list[Incident]]]:
    return [(d, []) for d in batch]


def _extracted(
    batches: Iterator[list[Document]], *, extract: bool, jobs: int
) -> Generator[list[tuple[Document, list[Incident]]], None, None]:
    """Each batch with its incidents, in order. With ``jobs`` > 0 the extraction runs in that
    many worker processes while this one stores: storing is Python work, and threads would
    share one interpreter lock with the model. At most ``jobs + 1`` batches are in flight."""
    if not extract:
        yield from (_stored_only(batch) for batch in batches)
        return
    # A worker costs a process start and a model load (about 2 s): only for more than a batch.
    head = list(islice(batches, 2))
    batches = chain(head, batches)
    if jobs < 1 or len(head) < 2:
        yield from (_extract_batch(batch) for batch in batches)
        return
    # forkserver: workers start from a clean process, not a fork of one holding database
    # connections and threads; each loads the model once.
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("forkserver"))
    try:
        pending: deque[Future[list[tuple[Document, list[Incident]]]]] = deque()
        for batch in batches:
            pending.append(pool.submit(_extract_batch, batch))
            if len(pending) > jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _batches(items: Iterable[Document], size: int) -> Iterator[list[Document]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def ingest(
    items: Iterable[Document | ReadFailure],
    store: Store,
    *,
    extract: bool = True,
    batch_size: int = 32,
    jobs: int = 0,
    progress: Callable[[IngestSummary], None] | None = None,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> IngestSummary:
    """Store new documents from ``items`` (see :func:`incidex.sources.iter_sources`), extract
    their incidents and merge them into the database's incidents.

    ``jobs`` > 0 extracts in that many worker processes while this one stores and merges (in
    the documents' order, as without them); 0 extracts here, which suits a few documents
    (a worker process loads its own copy of the model)."""
    summary = IngestSummary()
    members = _Members(store)
    # near-duplicates are keyed by doc_id; ``stories`` maps a doc_id to its story's root id
    near = NearDuplicates()
    stories: dict[str, int] = {}
    for d in store.iter_documents():
        near.add(d.doc_id, d.text)
        stories[d.doc_id] = d.story_id or d.id
    seen: set[str] = set()
    digests: dict[str, str] = {}

    def fresh() -> Iterator[Document]:
        for item in items:
            if isinstance(item, ReadFailure):
                summary.failed.append(str(item.error))
                log.warning("skipped %s", item.error)
                continue
            summary.read += 1
            key = digest(item.text)
            if key in seen or store.document_exists(url=item.url, digest=key) is not None:
                summary.duplicate += 1
                continue
            seen.add(key)
            if item.doc_id in stories or item.doc_id in digests:
                # another text under this doc_id ("report" from two folders): keep both
                item = replace(item, doc_id=f"{item.doc_id}~{key[:8]}")
            digests[item.doc_id] = key
            yield item
            if progress:
                progress(summary)

    # closing: on an error the worker processes are shut down at once, not when collected
    with closing(_extracted(_batches(fresh(), batch_size), extract=extract, jobs=jobs)) as batches:
        for doc, incidents in (pair for batch in batches for pair in batch):
            at = now()
            twin = near.add(doc.doc_id, doc.text)
            story = stories.get(twin) if twin else None
            if twin:
                summary.near_duplicate += 1
            fields = [i.to_dict() for i in incidents]
            try:
                with store.transaction():
                    document_id = store.add_document(
                        doc, digest=digests[doc.doc_id], retrieved_at=at, story_id=story
                    )
                    report_ids = store.add_reports(document_id, fields)
                    merged = [
                        merge_report(store, members, document_id, rid, doc, f, at)
                        for rid, f in zip(report_ids, fields, strict=True)
                    ]
            except BaseException:
                members.forget()
                raise
            stories[doc.doc_id] = story or document_id
            del digests[doc.doc_id]
            summary.new += 1
            summary.reports += len(fields)
            summary.incidents_merged += sum(merged)
            summary.incidents_created += len(merged) - sum(merged)
    return summary


def reasons(summary: IngestSummary) -> Counter[str]:
    """Failure reasons, counted (the part after the source name)."""
    return Counter(line.split(": ", 1)[-1] for line in summary.failed)
