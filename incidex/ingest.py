"""From sources to the database: read, skip what is stored, extract, store and merge.

    sources (sources.py) -> digest, skip what is stored (dedup.py) -> extract (pipeline.py)
    -> in one write transaction: store the document and its reports, link it to the story
       it nearly repeats, merge each report into an incident (merge.py)

Each document is stored with its reports and their merges in one transaction: a process
killed at any moment leaves every document either complete or absent, and running the same
ingest again finishes the job. The same document (by URL or by the digest of its
normalised text) is stored once; a near-duplicate (a wire copy with small edits) is stored
and linked to the first copy's story.

Failures are per document. A document that cannot be read, that extraction gives up on
(:class:`~incidex.records.ExtractionFailure`, e.g. over a budget of
:class:`~incidex.settings.Limits`) or that the database refuses
(:class:`~incidex.store.errors.InvalidRecordError`) is recorded in the summary with its reason
and the run goes on; only an error of the database itself (connection lost, disk full,
read-only) stops it, and what was committed before stays.

Other writers (a second ingest, the API, a reviewer) may work on the same database at the
same time. Writers are serialised by the store's write transaction, and everything an ingest
decides from the database is decided again inside it: whether the document is stored
already, the story it repeats (:class:`StoryIndex` catches up with documents stored since
it last read), and the reports of each incident it merges into (:class:`_Members` checks
its copies against the database's).
"""

from __future__ import annotations

import ctypes
import datetime as dt
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
from collections import Counter, deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import closing
from dataclasses import dataclass, field, replace
from itertools import chain, islice
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from incidex import merge
from incidex.dedup import NearDuplicates, digest, sketch
from incidex.pipeline import extract_each
from incidex.reader import ReadFailure
from incidex.records import Document, ExtractionFailure, Incident
from incidex.settings import DEFAULT_LIMITS, Limits
from incidex.store import Store, StoredIncident, StoredReport
from incidex.store.errors import DuplicateDocumentError, InvalidRecordError, StoreError

if TYPE_CHECKING:
    from datasketch import MinHash

log = logging.getLogger(__name__)

#: What extraction gives for one document: its incidents, or why it gave up.
Extracted = tuple[Document, list[Incident] | ExtractionFailure]


@dataclass
class IngestSummary:
    """What one ingest did; ``failed`` holds one line a document that could not be read,
    extracted or stored."""

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

    def fail(self, line: str) -> None:
        self.failed.append(line)
        log.warning("failed %s", line)


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


# -- what an ingest keeps between documents, checked inside each write transaction ----------


class _Members:
    """The reports of each incident this ingest merges into, kept between documents: merging
    compares a report with every member, and reading and decoding them again for every
    document would cost more than the merge.

    Another writer (a second ingest, the API, a reviewer's split or merge) may change an
    incident's reports between two of this ingest's documents, and a merge computed from a
    stale copy would drop their report from the merged fields. So :meth:`of`, called inside
    the write transaction, compares the kept report ids with the database's and reads again
    every incident whose reports changed.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._ids: dict[int, set[int]] = {}
        self._reports: dict[int, list[merge.Report]] = {}

    def of(self, incident_ids: Sequence[int]) -> dict[int, list[merge.Report]]:
        """The current reports of each incident, oldest document first."""
        for incident_id, ids in self.store.report_ids(incident_ids).items():
            if self._ids.get(incident_id) != ids:
                rows = self.store.reports_of(incident_id)
                self._ids[incident_id] = {r.id for r in rows}
                self._reports[incident_id] = [stored_report(r) for r in rows]
        return {i: self._reports[i] for i in incident_ids}

    def join(self, incident_id: int, report_id: int, report: merge.Report) -> None:
        """``report`` (stored as ``report_id``) joined the incident, or started it."""
        self._ids.setdefault(incident_id, set()).add(report_id)
        self._reports.setdefault(incident_id, []).append(report)

    def forget(self) -> None:
        """After a rolled-back transaction the copies may hold reports that were never stored."""
        self._ids.clear()
        self._reports.clear()


class StoryIndex:
    """Which stored story a new text nearly repeats: a MinHash index (:mod:`incidex.dedup`) of
    one store's documents, by ``documents.id``, with each document's story (its first copy's
    id).

    It reads only what is new: :meth:`catch_up` indexes the documents stored since it last
    read, by any writer (ids only grow). An ingest keeps one for its run; the API keeps one
    for its life and shares it between requests, instead of reading every stored text for
    every request. Safe to share between threads.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._near = NearDuplicates()
        self._story: dict[int, int] = {}  # documents.id -> its story's documents.id
        self._last = 0  # the highest documents.id indexed; every lower one is indexed too
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._story)

    def catch_up(self) -> int:
        """Index the documents stored since the last read; returns how many there were.

        Inside a write transaction it sees every committed document, and none can be
        committed meanwhile: what the ingest decides there holds. Called before the
        transaction as well, it keeps the long first read (every stored text) out of it.
        """
        with self._lock:
            n = 0
            for d in self.store.iter_documents(after=self._last):
                self._index(d.id, sketch(d.text), d.story_id or d.id)
                n += 1
            return n

    def story_of(self, minhash: MinHash | None) -> int | None:
        """The story of the indexed text that a text with this :func:`~incidex.dedup.sketch`
        nearly repeats (the most similar one), or ``None``."""
        with self._lock:
            twins = self._near.match(minhash)
            return self._story[int(twins[0])] if twins else None

    def add(self, document_id: int, minhash: MinHash | None, story: int) -> None:
        """Index a document once the transaction that stored it (after :meth:`catch_up`
        inside it) has committed, so that the next catch-up need not read its text again."""
        with self._lock:
            if document_id not in self._story:  # else a catch-up in another thread read it first
                self._index(document_id, minhash, story)

    def _index(self, document_id: int, minhash: MinHash | None, story: int) -> None:
        self._near.insert(str(document_id), minhash)
        self._story[document_id] = story
        self._last = max(self._last, document_id)


# -- merging one report ---------------------------------------------------------------------


def _within_reach(fields: dict[str, Any], incident: StoredIncident) -> bool:
    """Cheap pre-filter before reading an incident's reports: two towns farther apart than any
    merge allows (``merge.BLOCKING.reach_km``: far_km, doubled for districts) are two incidents. A province's or a
    country's point (ACLED geo_precision 3) says nothing of distance: a town in it may be far
    from its centre."""
    lat, lon = fields.get("latitude"), fields.get("longitude")
    if lat is None or lon is None or incident.latitude is None or incident.longitude is None:
        return True
    if fields.get("geo_precision") == 3 or incident.fields.get("geo_precision") == 3:
        return True
    return merge.km((lat, lon), (incident.latitude, incident.longitude)) <= merge.BLOCKING.reach_km


def merge_report(
    store: Store,
    members: _Members,
    document_id: int,
    report_id: int,
    doc: Document,
    fields: dict[str, Any],
    at: dt.datetime,
) -> bool:
    """Merge one stored report into the incident it tells, or start one; inside the write
    transaction that stored it. True when merged."""
    report = _report(doc, fields)
    date = dt.date.fromisoformat(fields["date"]) if fields.get("date") else None
    candidates = {
        c.id: c
        for c in store.candidate_incidents(country=fields.get("country"), date=date)
        if _within_reach(fields, c)
    }
    current = members.of(list(candidates))
    key = merge.assign(report, [(str(i), current[i]) for i in candidates])
    if key is None:
        created = store.create_incident(
            merge.reconcile([report]).fields, [report_id], document_id=document_id, at=at
        )
        members.join(created.id, report_id, report)
        return False
    incident = candidates[int(key)]
    merged = merge.reconcile([*current[incident.id], report])
    store.update_incident(
        incident.id,
        merged.fields,
        [report_id],
        document_id=document_id,
        at=at,
        changes=merge.diff(incident.fields, merged.fields),
        current=incident,
    )
    members.join(incident.id, report_id, report)
    return True


# -- storing one document -------------------------------------------------------------------


@dataclass(frozen=True)
class _Stored:
    """What storing one document did; ``document_id`` is ``None`` when another writer had
    stored it since it was read."""

    document_id: int | None
    near_duplicate: bool = False
    reports: int = 0
    merged: int = 0


def _renamed(doc_id: str, key: str) -> str:
    """The doc_id of a text whose own doc_id another text holds ("report" from two folders)."""
    return f"{doc_id}~{key[:8]}"


def _add_document(
    store: Store, doc: Document, key: str, at: dt.datetime, story: int | None
) -> tuple[int, Document] | None:
    """Add ``doc`` in the caller's transaction: its ``documents.id`` and the document as
    stored (renamed when another text holds its doc_id), or ``None`` when it is stored
    already (another writer stored it after this ingest looked)."""
    try:
        return store.add_document(doc, digest=key, retrieved_at=at, story_id=story), doc
    except DuplicateDocumentError as e:
        if e.same != "doc_id":
            log.info("%s: stored meanwhile by another writer (%s)", doc.doc_id, e)
            return None
    doc = replace(doc, doc_id=_renamed(doc.doc_id, key))
    return store.add_document(doc, digest=key, retrieved_at=at, story_id=story), doc


def _store(
    store: Store,
    stories: StoryIndex,
    members: _Members,
    doc: Document,
    key: str,
    incidents: list[Incident],
    at: dt.datetime,
) -> _Stored:
    """Store one document and its reports, link it to its story and merge its reports, in
    one write transaction."""
    minhash = sketch(doc.text)  # the costly part of the near-duplicate check, before the lock
    fields = [i.to_dict() for i in incidents]
    try:
        with store.transaction():
            stories.catch_up()  # documents other writers stored since this ingest last looked
            story = stories.story_of(minhash)
            added = _add_document(store, doc, key, at, story)
            if added is None:
                return _Stored(None)
            document_id, doc = added
            report_ids = store.add_reports(document_id, fields)
            merged = [
                merge_report(store, members, document_id, rid, doc, f, at)
                for rid, f in zip(report_ids, fields, strict=True)
            ]
    except BaseException:
        members.forget()
        raise
    stories.add(document_id, minhash, story or document_id)
    return _Stored(document_id, story is not None, len(fields), sum(merged))


# -- extraction, here or in worker processes ------------------------------------------------


def _watch_parent() -> None:
    """Initializer of each extraction worker: end it when the ingest that started it ends,
    however it ends. A ``kill -9`` runs no clean-up, so the pool is never shut down; without
    this the worker (with its own copy of the model) would live on, and with it the
    forkserver and the resource tracker, which wait for it."""
    _die_with_os_parent()
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(
            target=_exit_with, args=(parent.sentinel,), name="incidex-parent-watch", daemon=True
        ).start()


def _die_with_os_parent() -> None:
    """On Linux, ask the kernel to kill this worker when its own parent process (the
    forkserver, which exits as soon as the ingest does) exits. The watching thread cannot run
    while this worker's main thread holds the interpreter lock (a long regular expression,
    the model); the kernel's signal needs no lock. Elsewhere the thread alone does the job."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # no prctl in this libc: the thread remains
        return


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _exit_with(sentinel: int) -> None:
    # The sentinel is the read end of a pipe whose other end only the parent holds: it becomes
    # readable (end of file) when the parent has exited, by any means.
    multiprocessing.connection.wait([sentinel])
    os._exit(1)


def _extract_batch(batch: list[Document], limits: Limits) -> list[Extracted]:
    return list(extract_each(batch, limits=limits))


def _stored_only(batch: list[Document]) -> list[Extracted]:
    return [(d, []) for d in batch]


#: What a worker runs on a batch: a module-level function, so that it pickles by name.
Work = Callable[[list[Document], Limits], list[Extracted]]


def _extracted(
    batches: Iterator[list[Document]],
    *,
    extract: bool,
    jobs: int,
    limits: Limits = DEFAULT_LIMITS,
    work: Work = _extract_batch,
) -> Generator[list[Extracted], None, None]:
    """Each batch with its incidents (or a document's failure), in order. With ``jobs`` > 0
    the extraction runs in that many worker processes while this one stores: storing is
    Python work, and threads would share one interpreter lock with the model. At most
    ``jobs + 1`` batches are in flight."""
    if not extract:
        yield from (_stored_only(batch) for batch in batches)
        return
    # A worker costs a process start and a model load (about 2 s): only for more than a batch.
    head = list(islice(batches, 2))
    batches = chain(head, batches)
    if jobs < 1 or len(head) < 2:
        yield from (work(batch, limits) for batch in batches)
        return
    workers = _Workers(jobs)
    try:
        pending: deque[tuple[list[Document], Future[list[Extracted]]]] = deque()
        for batch in batches:
            pending.append((batch, workers.submit(work, batch, limits)))
            if len(pending) > jobs:
                yield workers.result(pending, work, limits)
        while pending:
            yield workers.result(pending, work, limits)
    finally:
        workers.close()


class _Workers:
    """The extraction worker processes, started again when one dies.

    A worker can die in a way no Python code catches: killed for memory, or a crash in the
    model's native code on one document. The pool is then broken and every batch in flight is
    lost with it, without saying which document did it. Its batch is extracted again one
    document at a time in a new pool, so that only the document that kills a worker again is
    failed (and every re-run does not stop at the same place); the other lost batches are
    resubmitted whole. Each death costs a new worker's start (a model load, about 2 s)."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self.pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        # forkserver: workers start from a clean process, not a fork of one holding database
        # connections and threads; each loads the model once.
        return ProcessPoolExecutor(
            max_workers=self.jobs,
            mp_context=multiprocessing.get_context("forkserver"),
            initializer=_watch_parent,
        )

    def submit(self, work: Work, batch: list[Document], limits: Limits) -> Future[list[Extracted]]:
        return self.pool.submit(work, batch, limits)

    def restart(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.pool = self._start()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def result(
        self,
        pending: deque[tuple[list[Document], Future[list[Extracted]]]],
        work: Work,
        limits: Limits,
    ) -> list[Extracted]:
        """The first pending batch's result, surviving the death of a worker."""
        batch, future = pending.popleft()
        try:
            return future.result()
        except BrokenProcessPool:
            log.warning("an extraction worker died; extracting its batch again one document at a time")
        lost = [b for b, _ in pending]
        pending.clear()
        self.restart()
        out = [pair for doc in batch for pair in self._alone(doc, work, limits)]
        pending.extend((b, self.submit(work, b, limits)) for b in lost)
        return out

    def _alone(self, doc: Document, work: Work, limits: Limits) -> list[Extracted]:
        try:
            return self.submit(work, [doc], limits).result()
        except BrokenProcessPool:
            self.restart()
            return [(doc, ExtractionFailure(doc.doc_id, WORKER_DIED))]


#: Why a document that killed its extraction worker twice was failed.
WORKER_DIED = (
    "the extraction worker process died on this document (killed for memory, or a crash in "
    "native code), twice; the others were extracted. Split the document, or give the machine "
    "more memory"
)


def _batches(items: Iterable[Document], size: int) -> Iterator[list[Document]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


# -- the whole run --------------------------------------------------------------------------


def ingest(
    items: Iterable[Document | ReadFailure],
    store: Store,
    *,
    extract: bool = True,
    batch_size: int = 32,
    jobs: int = 0,
    limits: Limits = DEFAULT_LIMITS,
    stories: StoryIndex | None = None,
    progress: Callable[[IngestSummary], None] | None = None,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> IngestSummary:
    """Store new documents from ``items`` (see :func:`incidex.sources.iter_sources`), extract
    their incidents and merge them into the database's incidents.

    ``jobs`` > 0 extracts in that many worker processes while this one stores and merges (in
    the documents' order, as without them); 0 extracts here, which suits a few documents
    (a worker process loads its own copy of the model). ``limits`` bounds what extracting
    one document may cost. ``stories`` is a near-duplicate index of ``store`` to keep
    across calls (default: one for this run, built from every stored document).

    A document that fails (unreadable, over a limit, refused by the database) is recorded
    in the summary's ``failed`` and the run goes on. Raises :class:`StoreError` when the
    database itself fails; every document stored before stays stored.
    """
    if stories is None:
        stories = StoryIndex(store)
    elif stories.store is not store:
        raise ValueError("the StoryIndex given is another store's; make one with StoryIndex(store)")
    summary = IngestSummary()
    members = _Members(store)
    stories.catch_up()  # the long first read, outside any write transaction
    seen: set[str] = set()
    pending: dict[str, str] = {}  # doc_id -> digest, for the documents read and not yet stored

    def fresh() -> Iterator[Document]:
        for item in items:
            if isinstance(item, ReadFailure):
                summary.fail(str(item.error))
                continue
            summary.read += 1
            key = digest(item.text)
            if key in seen or store.document_exists(url=item.url, digest=key) is not None:
                summary.duplicate += 1
                continue
            seen.add(key)
            if item.doc_id in pending:  # another text under this doc_id in this run
                item = replace(item, doc_id=_renamed(item.doc_id, key))
            pending[item.doc_id] = key
            yield item
            if progress:
                progress(summary)

    # closing: on an error the worker processes are shut down at once, not when collected
    with closing(
        _extracted(_batches(fresh(), batch_size), extract=extract, jobs=jobs, limits=limits)
    ) as batches:
        for doc, result in (pair for batch in batches for pair in batch):
            key = pending.pop(doc.doc_id)
            if isinstance(result, ExtractionFailure):
                summary.fail(str(result))
                continue
            try:
                stored = _store(store, stories, members, doc, key, result, now())
            except (InvalidRecordError, DuplicateDocumentError) as e:
                summary.fail(f"{doc.doc_id}: not stored: {e}")
                continue
            except StoreError as e:
                raise StoreError(
                    f"{e}; the ingest stopped after {summary.new} new documents, each stored whole: "
                    "run it again to finish"
                ) from e
            _count(summary, stored)
    return summary


def _count(summary: IngestSummary, stored: _Stored) -> None:
    if stored.document_id is None:
        summary.duplicate += 1
        return
    summary.new += 1
    summary.near_duplicate += stored.near_duplicate
    summary.reports += stored.reports
    summary.incidents_merged += stored.merged
    summary.incidents_created += stored.reports - stored.merged


def reasons(summary: IngestSummary) -> Counter[str]:
    """Failure reasons, counted (the part after the source name)."""
    return Counter(line.split(": ", 1)[-1] for line in summary.failed)
