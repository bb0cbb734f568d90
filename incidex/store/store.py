"""The store: documents, the incidents each reports, and the merged incidents, on one engine.

One class over SQLAlchemy Core serves SQLite and PostgreSQL; what differs between them
(connection settings, text search) is in :mod:`incidex.store.dialects`.

Transactions. Every method runs in the transaction of :meth:`Store.transaction` when the
calling thread has one open, else in a transaction of its own. Write transactions are
serialised on both engines (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: an advisory lock), so
a merge never works from candidates another writer is changing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets
import threading
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from sqlalchemy import Engine, Row, false, func, insert, or_, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, SQLAlchemyError, StatementError
from sqlalchemy.sql.elements import ColumnElement

from incidex.geo import bounding_box, haversine_km
from incidex.merge import BLOCKING
from incidex.records import Document, Incident
from incidex.store.dialects import SQLITE_BUSY_TIMEOUT_S, WRITE, text_match
from incidex.store.errors import DuplicateDocumentError, InvalidRecordError, NotFoundError, StoreError
from incidex.store.records import (
    ApiToken,
    HistoryEntry,
    IncidentQuery,
    StoredDocument,
    StoredIncident,
    StoredReport,
)
from incidex.store.schema import (
    INCIDENT_SCALARS,
    REPORT_SCALARS,
    api_tokens,
    documents,
    incident_history,
    incidents,
    reports,
    reviews,
)

#: PostgreSQL advisory lock that serialises write transactions (SQLite's BEGIN IMMEDIATE).
PG_WRITE_LOCK = 0x1AC1DF


class Store:
    """Documents, reports and incidents in one database; see :func:`incidex.store.open_store`.

    Safe to share between threads (each thread has its own transaction). Close it when done,
    or use it as a context manager.
    """

    def __init__(self, engine: Engine, *, url: str):
        self._engine = engine
        self._local = threading.local()
        #: The database URL, password hidden.
        self.url = url
        #: ``"sqlite"`` or ``"postgresql"``.
        self.engine_name: str = engine.dialect.name

    def __repr__(self) -> str:
        return f"<Store {self.url}>"

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the pooled connections; the store reconnects if used again."""
        self._engine.dispose()

    # -- transactions -------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction for everything the calling thread does inside the block.

        Commits when the block ends, rolls back everything when it raises; a crash (even
        ``kill -9``) midway leaves nothing of it. Nested blocks are savepoints: an exception
        that leaves an inner block undoes only the inner block's writes.
        """
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            with self._errors(), conn.begin_nested():
                yield
            return
        with self._errors(), self._engine.connect() as conn, conn.execution_options(**{WRITE: True}).begin():
            self._lock_writes(conn)
            self._local.conn = conn
            try:
                yield
            finally:
                self._local.conn = None

    @contextmanager
    def _conn(self, *, write: bool = False) -> Iterator[Connection]:
        """The calling thread's transaction, else a write transaction or a read of its own."""
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            with self._errors():
                yield conn
            return
        if write:
            with self.transaction():
                yield self._local.conn
            return
        with self._errors(), self._engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Database errors become :class:`StoreError`, naming the database; a value of one
        record that the engine or its driver refuses, :class:`InvalidRecordError`."""
        try:
            yield
        except (SQLAlchemyError, *_DRIVER_VALUE_ERRORS) as e:
            orig = getattr(e, "orig", None)
            reason = str(orig if orig is not None else e).strip().splitlines()[0]
            if "database is locked" in reason:
                reason += f" (another process held the write lock for over {SQLITE_BUSY_TIMEOUT_S:.0f} s)"
            if _refused_value(e):  # about the record, not the database: no need to name it
                raise InvalidRecordError(f"the database refused a value: {reason}") from e
            raise StoreError(f"{self.url}: {reason}") from e

    def _lock_writes(self, conn: Connection) -> None:
        if self.engine_name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_WRITE_LOCK})

    # -- documents ----------------------------------------------------------------------------

    def document_exists(self, *, url: str | None, digest: str | None) -> int | None:
        """The ``documents.id`` of a stored document with this URL or this text digest, or ``None``."""
        cond: ColumnElement[bool] = documents.c.digest == digest if digest is not None else false()
        if url is not None:
            cond = or_(cond, documents.c.url == url)
        with self._conn() as conn:
            return conn.execute(select(documents.c.id).where(cond).limit(1)).scalar()

    def add_document(
        self, doc: Document, *, digest: str, retrieved_at: dt.datetime, story_id: int | None = None
    ) -> int:
        """Store one document; returns its ``documents.id``.

        ``digest`` is the blake2b-128 hex digest of the normalised text, ``retrieved_at`` an
        aware datetime. Raises :class:`DuplicateDocumentError` (and writes nothing) when its
        URL or digest is already stored (``same`` ``"url"`` or ``"text"``: the document is
        stored), or only its ``doc_id`` (``same`` ``"doc_id"``: another document has that
        name). :meth:`document_exists` skips known documents before the work of extracting
        them; this check, inside the caller's write transaction, is the one that holds when
        another writer stored the document in the meantime.
        """
        retrieved_at = _aware(retrieved_at, "retrieved_at")
        with self._conn(write=True) as conn:
            # one query for the three identities (each statement is a round trip on PostgreSQL);
            # each is unique, so at most three rows answer
            keys = [documents.c.doc_id == doc.doc_id, documents.c.digest == digest]
            if doc.url is not None:
                keys.append(documents.c.url == doc.url)
            clashes = conn.execute(
                select(documents.c.id, documents.c.doc_id, documents.c.url, documents.c.digest).where(
                    or_(*keys)
                )
            ).all()
            if clashes:
                raise _duplicate(doc, digest, clashes)
            row = {
                "doc_id": doc.doc_id,
                "url": doc.url,
                "digest": digest,
                "source": doc.source,
                "title": doc.title,
                "published": doc.published,
                "retrieved_at": retrieved_at,
                "language": doc.language,
                "text": doc.text,
                "story_id": story_id,
                "created_at": dt.datetime.now(dt.UTC),
            }
            try:
                return int(conn.execute(insert(documents).returning(documents.c.id), row).scalar_one())
            except IntegrityError as e:  # a writer outside this Store got there first
                raise DuplicateDocumentError(
                    doc.doc_id, None, f"a unique constraint refused it ({e.orig})", same="text"
                ) from e

    def get_document(self, document_id: int) -> StoredDocument:
        """The stored document with this ``documents.id``; :class:`NotFoundError` if none."""
        with self._conn() as conn:
            row = conn.execute(select(documents).where(documents.c.id == document_id)).one_or_none()
        if row is None:
            raise NotFoundError(f"no document with documents.id {document_id} in {self.url}")
        return StoredDocument(**row._mapping)

    def iter_documents(self, *, after: int = 0, batch_size: int = 500) -> Iterator[StoredDocument]:
        """Every stored document, oldest (lowest id) first; with ``after``, those whose
        ``documents.id`` is higher (the ones stored since: ids only grow, and writers commit
        one at a time, so none can appear below an id already read).

        Read in pages of ``batch_size``, each in a short read of its own: memory stays flat,
        and no transaction stays open while the caller works between pages.
        """
        last = after
        while True:
            stmt = select(documents).where(documents.c.id > last).order_by(documents.c.id).limit(batch_size)
            with self._conn() as conn:
                page = [StoredDocument(**r._mapping) for r in conn.execute(stmt)]
            yield from page
            if len(page) < batch_size:
                return
            last = page[-1].id

    # -- reports ------------------------------------------------------------------------------

    def add_reports(self, document_id: int, incidents: Sequence[Incident | Mapping[str, Any]]) -> list[int]:
        """Store the incidents one document reports, in order (``ordinal`` 0, 1, ...); returns
        their ``reports.id``. Each is an :class:`~incidex.records.Incident` or its
        :meth:`~incidex.records.Incident.to_dict` shape. A document's reports are stored once:
        a second call for the same document raises :class:`StoreError`.
        """
        rows = []
        for i, inc in enumerate(incidents):
            fields = inc.to_dict() if isinstance(inc, Incident) else dict(inc)
            what = f"report {i} of documents.id {document_id}"
            rows.append(
                {"document_id": document_id, "ordinal": i, "fields": fields}
                | _scalars(fields, REPORT_SCALARS, what)
            )
        with self._conn(write=True) as conn:
            stored = (
                select(func.count()).select_from(reports).where(reports.c.document_id == document_id)
            ).scalar_subquery()
            n = conn.execute(select(stored).where(documents.c.id == document_id)).scalar()
            if n is None:
                raise NotFoundError(f"no document with documents.id {document_id} to add reports to")
            if n:
                raise StoreError(
                    f"documents.id {document_id} already has {n} reports stored; they are stored once"
                )
            if not rows:
                return []
            stmt = insert(reports).returning(reports.c.id, sort_by_parameter_order=True)
            return [int(r) for r in conn.execute(stmt, rows).scalars()]

    def reports_of(self, incident_id: int) -> list[StoredReport]:
        """The reports merged into an incident, oldest document first, with their documents."""
        return self._reports(
            reports.c.incident_id == incident_id,
            documents.c.published.asc().nulls_last(),
            documents.c.id,
            reports.c.ordinal,
        )

    def report_ids(self, incident_ids: Sequence[int]) -> dict[int, set[int]]:
        """The ``reports.id`` of the reports merged into each incident of ``incident_ids``
        (an empty set for one without reports): cheap to read, to tell whether reports read
        earlier are still an incident's reports."""
        out: dict[int, set[int]] = {i: set() for i in incident_ids}
        if not out:
            return out
        stmt = select(reports.c.incident_id, reports.c.id).where(reports.c.incident_id.in_(list(out)))
        with self._conn() as conn:
            for incident_id, report_id in conn.execute(stmt):
                out[incident_id].add(report_id)
        return out

    def reports_of_document(self, document_id: int) -> list[StoredReport]:
        """A document's reports, in order."""
        return self._reports(reports.c.document_id == document_id, reports.c.ordinal)

    def _reports(self, where: ColumnElement[bool], *order: Any) -> list[StoredReport]:
        stmt = (
            select(
                reports.c.id,
                reports.c.document_id,
                reports.c.ordinal,
                reports.c.incident_id,
                reports.c.fields,
                documents.c.doc_id,
                documents.c.url,
                documents.c.title,
                documents.c.published,
            )
            .join(documents, documents.c.id == reports.c.document_id)
            .where(where)
            .order_by(*order)
        )
        with self._conn() as conn:
            return [StoredReport(**r._mapping) for r in conn.execute(stmt)]

    # -- incidents ----------------------------------------------------------------------------

    def candidate_incidents(
        self,
        *,
        country: str | None,
        date: dt.date | None,
        days: int = BLOCKING.candidate_days,
        limit: int = BLOCKING.candidate_limit,
    ) -> list[StoredIncident]:
        """Incidents a report of ``country`` on ``date`` may belong to, newest first.

        Same country (``None``: incidents of unknown country; see ``merge.Blocking`` on what
        an unknown country does); dated within ``days`` of ``date`` or undated (``date``
        ``None``: any date).
        """
        conds = [
            incidents.c.country == country if country is not None else incidents.c.country.is_(None),
            incidents.c.merged_into.is_(None),
        ]
        if date is not None:
            window = incidents.c.date.between(date - dt.timedelta(days=days), date + dt.timedelta(days=days))
            conds.append(or_(window, incidents.c.date.is_(None)))
        stmt = select(incidents).where(*conds).order_by(*_NEWEST).limit(limit)
        with self._conn() as conn:
            return [StoredIncident(**r._mapping) for r in conn.execute(stmt)]

    def get_incident(self, key: int | str) -> StoredIncident:
        """An incident by ``incidents.id`` or by ``incident_uid``; :class:`NotFoundError` if none."""
        col = incidents.c.incident_uid if isinstance(key, str) else incidents.c.id
        with self._conn() as conn:
            row = conn.execute(select(incidents).where(col == key)).one_or_none()
        if row is None:
            raise NotFoundError(f"no incident {key!r} in {self.url}")
        return StoredIncident(**row._mapping)

    def create_incident(
        self,
        fields: Mapping[str, Any],
        report_ids: Sequence[int],
        *,
        document_id: int | None,
        at: dt.datetime,
    ) -> StoredIncident:
        """A new incident from merged ``fields``, with its first reports (at least one, none
        merged yet). Records a "created" history entry caused by ``document_id`` (``None``:
        a reviewer split it off another incident).

        ``incident_uid`` derives from the first report (its document's digest and ordinal),
        so re-ingesting the same documents in the same order gives the same uids.
        """
        at = _aware(at, "at")
        if not report_ids:
            raise StoreError("create_incident needs at least one report id")
        fields = dict(fields)
        with self._conn(write=True) as conn:
            first = conn.execute(
                select(documents.c.digest, reports.c.ordinal)
                .join(documents, documents.c.id == reports.c.document_id)
                .where(reports.c.id == min(report_ids))
            ).one_or_none()
            if first is None:
                raise NotFoundError(f"no report with reports.id {min(report_ids)} to create an incident from")
            # A reviewer's split can start an incident from a report that once started another
            # (merged away, kept for its trail): the next free uid in a fixed sequence then.
            for n in range(1000):
                key = f"{first.digest}/{first.ordinal}" + (f"/{n}" if n else "")
                uid = "inc_" + hashlib.blake2b(key.encode(), digest_size=6).hexdigest()
                if not conn.execute(select(incidents.c.id).where(incidents.c.incident_uid == uid)).first():
                    break
            row: dict[str, Any] = {
                "incident_uid": uid,
                "fields": fields,
                "n_reports": len(set(report_ids)),  # _attach below checks every one is free
                "first_seen": at,
                "updated_at": at,
            } | _scalars(fields, INCIDENT_SCALARS, f"incident {uid}")
            incident_id = int(conn.execute(insert(incidents).returning(incidents.c.id), row).scalar_one())
            self._attach(conn, incident_id, report_ids, count=False)
            changes = {k: [None, v] for k, v in fields.items() if v not in (None, "", [], {})}
            self._record(conn, incident_id, at, document_id, "created", changes)
            # the row as written, without reading it back (an ingest creates many)
            return StoredIncident(id=incident_id, **row)

    def update_incident(
        self,
        incident_id: int,
        fields: Mapping[str, Any],
        add_report_ids: Sequence[int] = (),
        *,
        document_id: int,
        at: dt.datetime,
        changes: Mapping[str, Any] | None = None,
        current: StoredIncident | None = None,
    ) -> StoredIncident:
        """Replace an incident's merged ``fields`` and merge more reports into it.

        ``current`` is the incident as the caller read it in this same transaction, to save
        reading it again (an ingest merges many reports).

        Records a history entry caused by ``document_id``: "merged" when reports were added,
        "updated" when only fields changed; ``changes`` (``{field: [before, after]}``)
        defaults to the difference between the stored and the new fields. With no report
        added and nothing changed, nothing is written.
        """
        at = _aware(at, "at")
        fields = dict(fields)
        with self._conn(write=True) as conn:
            old = (
                current
                if current is not None and current.id == incident_id
                else self._incident(conn, incident_id)
            )
            fields = _with_reviewed(fields, old.fields.get("reviewed"))  # outlives every merge
            reviewed = fields.get("reviewed") or {}
            if changes is not None:
                changes = {k: v for k, v in changes.items() if k not in reviewed}
            if changes is None:
                changes = {
                    k: [old.fields.get(k), fields.get(k)]
                    for k in old.fields.keys() | fields.keys()
                    if old.fields.get(k) != fields.get(k)
                }
            if not add_report_ids and not changes:
                return old
            added = self._attach(conn, incident_id, add_report_ids, count=False)
            conn.execute(
                update(incidents)
                .where(incidents.c.id == incident_id)
                .values(
                    fields=fields,
                    updated_at=at,
                    n_reports=incidents.c.n_reports + added,
                    **_scalars(fields, INCIDENT_SCALARS, old.incident_uid),
                )
            )
            action = "merged" if add_report_ids else "updated"
            self._record(conn, incident_id, at, document_id, action, dict(changes))
            # the row as written, without reading it back (merging writes many of these)
            return replace(
                old,
                fields=fields,
                updated_at=at,
                n_reports=old.n_reports + len(set(add_report_ids)),
                **_scalars(fields, INCIDENT_SCALARS, old.incident_uid),
            )

    def _incident(self, conn: Connection, incident_id: int) -> StoredIncident:
        row = conn.execute(select(incidents).where(incidents.c.id == incident_id)).one_or_none()
        if row is None:
            raise NotFoundError(f"no incident with incidents.id {incident_id} in {self.url}")
        return StoredIncident(**row._mapping)

    def _attach(
        self, conn: Connection, incident_id: int, report_ids: Sequence[int], *, count: bool = True
    ) -> int:
        """Point reports at an incident; with ``count``, also raise its ``n_reports``. Returns
        how many were attached."""
        ids = set(report_ids)
        if ids:
            n = conn.execute(
                update(reports)
                .where(reports.c.id.in_(ids), reports.c.incident_id.is_(None))
                .values(incident_id=incident_id)
            ).rowcount
            if n != len(ids):
                free = {
                    r.id: r.incident_id for r in conn.execute(select(reports).where(reports.c.id.in_(ids)))
                }
                missing = sorted(ids - free.keys())
                if missing:
                    raise NotFoundError(
                        f"no report with reports.id {missing} to merge into incident {incident_id}"
                    )
                taken = sorted(i for i, inc in free.items() if inc not in (None, incident_id))
                raise StoreError(
                    f"reports {taken} already belong to another incident; a report joins one incident"
                )
        if ids and count:  # every id was free (checked above): the count grows by as many
            conn.execute(
                update(incidents)
                .where(incidents.c.id == incident_id)
                .values(n_reports=incidents.c.n_reports + len(ids))
            )
        return len(ids)

    def _record(
        self,
        conn: Connection,
        incident_id: int,
        at: dt.datetime,
        document_id: int | None,
        action: str,
        changes: dict,
    ) -> None:
        conn.execute(
            insert(incident_history).values(
                incident_id=incident_id, at=at, document_id=document_id, action=action, changes=changes
            )
        )

    def history(self, incident_id: int) -> list[HistoryEntry]:
        """An incident's history, oldest first, each entry with the document that caused it."""
        stmt = (
            select(
                incident_history.c.id,
                incident_history.c.incident_id,
                incident_history.c.at,
                incident_history.c.document_id,
                documents.c.doc_id,
                incident_history.c.action,
                incident_history.c.changes,
            )
            .outerjoin(documents, documents.c.id == incident_history.c.document_id)
            .where(incident_history.c.incident_id == incident_id)
            .order_by(incident_history.c.at, incident_history.c.id)
        )
        with self._conn() as conn:
            return [HistoryEntry(**r._mapping) for r in conn.execute(stmt)]

    def incidents(self, q: IncidentQuery | None = None) -> Iterator[StoredIncident]:
        """Incidents matching every filter of ``q``, newest first (see :class:`IncidentQuery`)."""
        q = q or IncidentQuery()
        conds: list[ColumnElement[bool]] = [incidents.c.merged_into.is_(None)]
        if q.country is not None:
            conds.append(incidents.c.country == q.country)
        if q.admin1 is not None:
            conds.append(incidents.c.admin1 == q.admin1)
        if q.event_type is not None:
            conds.append(incidents.c.event_type == q.event_type)
        if q.date_from is not None:
            conds.append(incidents.c.date >= q.date_from)
        if q.date_to is not None:
            conds.append(incidents.c.date <= q.date_to)
        if q.min_killed is not None:
            conds.append(incidents.c.killed_best >= q.min_killed)
        if not q.include_not_incident:
            conds.append(incidents.c.not_incident == false())
        if q.text and q.text.strip():
            hits = (
                select(reports.c.incident_id)
                .join(documents, documents.c.id == reports.c.document_id)
                .where(text_match(self.engine_name, q.text))
            )
            conds.append(incidents.c.id.in_(hits))
        if q.near is not None:
            lat_min, lat_max, lon_ranges = bounding_box(*q.near)
            conds.append(incidents.c.latitude.between(lat_min, lat_max))
            conds.append(incidents.c.longitude.is_not(None))
            if lon_ranges is not None:
                conds.append(or_(*(incidents.c.longitude.between(lo, hi) for lo, hi in lon_ranges)))
        stmt = select(incidents).where(*conds).order_by(*_NEWEST)
        if q.near is None:
            stmt = stmt.offset(q.offset)
            if q.limit is not None:
                stmt = stmt.limit(q.limit)
        with self._conn() as conn:
            rows = conn.execute(stmt)
            found = list(rows) if q.near is None else _within(rows, q.near, q.offset, q.limit)
        return (StoredIncident(**r._mapping) for r in found)

    # -- review -------------------------------------------------------------------------------

    def review_incident(
        self, incident_id: int, corrections: Mapping[str, Any], *, reviewer: str, at: dt.datetime
    ) -> StoredIncident:
        """Set fields of an incident by hand. Each correction is recorded (reviewer, time,
        before, after) and kept in ``fields["reviewed"]``, so later merges never overwrite it.
        ``not_incident: true`` marks an incident the machine read wrongly."""
        at = _aware(at, "at")
        unknown = sorted(set(corrections) - REVIEWABLE)
        if unknown:
            raise StoreError(
                f"cannot correct {unknown}: the fields a reviewer may set are {sorted(REVIEWABLE)}"
            )
        if not corrections:
            raise StoreError("a review needs at least one field to correct")
        if "not_incident" in corrections and not isinstance(corrections["not_incident"], bool):
            raise StoreError("not_incident is true or false")
        corrections = dict(corrections)
        for name in ("killed", "wounded"):
            if name in corrections:
                corrections[name] = _reviewed_count(corrections[name], name)
        with self._conn(write=True) as conn:
            old = self._incident(conn, incident_id)
            fields = dict(old.fields)
            reviewed = dict(fields.get("reviewed") or {})
            changes = {k: [fields.get(k), v] for k, v in corrections.items() if fields.get(k) != v}
            fields.update(corrections)
            reviewed.update(corrections)
            fields["reviewed"] = reviewed
            conn.execute(
                update(incidents)
                .where(incidents.c.id == incident_id)
                .values(fields=fields, updated_at=at, **_scalars(fields, INCIDENT_SCALARS, old.incident_uid))
            )
            conn.execute(
                insert(reviews).values(incident_id=incident_id, at=at, reviewer=reviewer, changes=changes)
            )
            return self._incident(conn, incident_id)

    def move_reports(self, report_ids: Sequence[int], to_incident: int | None) -> None:
        """Point reports at another incident (``None``: at none, e.g. before
        :meth:`create_incident`), keeping every incident's ``n_reports`` right. Fields are not
        recomputed here: the caller revises both sides (see :mod:`incidex.review`)."""
        ids = sorted(set(report_ids))
        if not ids:
            return
        with self._conn(write=True) as conn:
            found = dict(
                conn.execute(select(reports.c.id, reports.c.incident_id).where(reports.c.id.in_(ids))).all()
            )
            missing = [i for i in ids if i not in found]
            if missing:
                raise NotFoundError(f"no report with reports.id {missing} in {self.url}")
            if to_incident is not None:
                self._incident(conn, to_incident)  # raises NotFoundError
            conn.execute(update(reports).where(reports.c.id.in_(ids)).values(incident_id=to_incident))
            moved = Counter(inc for inc in found.values() if inc is not None and inc != to_incident)
            for inc, n in moved.items():
                conn.execute(
                    update(incidents).where(incidents.c.id == inc).values(n_reports=incidents.c.n_reports - n)
                )
            if to_incident is not None:
                arrived = sum(1 for inc in found.values() if inc != to_incident)
                conn.execute(
                    update(incidents)
                    .where(incidents.c.id == to_incident)
                    .values(n_reports=incidents.c.n_reports + arrived)
                )

    def revise_incident(
        self,
        incident_id: int,
        fields: Mapping[str, Any],
        *,
        reviewer: str,
        at: dt.datetime,
        note: Mapping[str, list[Any]] | None = None,
        merged_into: int | None = None,
    ) -> StoredIncident:
        """Replace an incident's fields after a reviewer moved reports in or out of it (a split
        or a merge), and record the review: the fields that changed plus ``note`` (more
        ``{what: [before, after]}``, e.g. its reports). A reviewer's earlier corrections stay.
        ``merged_into`` retires the incident into another one."""
        at = _aware(at, "at")
        fields = dict(fields)
        with self._conn(write=True) as conn:
            old = self._incident(conn, incident_id)
            # the incident's own corrections win over any the caller carries in (a merge's)
            fields = _with_reviewed(fields, fields.get("reviewed"), old.fields.get("reviewed"))
            changes: dict[str, Any] = {
                k: [old.fields.get(k), fields.get(k)]
                for k in sorted(old.fields.keys() | fields.keys())
                if k != "reviewed" and old.fields.get(k) != fields.get(k)
            }
            changes.update(note or {})
            values = {"fields": fields, "updated_at": at} | _scalars(
                fields, INCIDENT_SCALARS, old.incident_uid
            )
            if merged_into is not None:
                changes["merged_into"] = [None, merged_into]
                values["merged_into"] = merged_into
            conn.execute(update(incidents).where(incidents.c.id == incident_id).values(**values))
            conn.execute(
                insert(reviews).values(incident_id=incident_id, at=at, reviewer=reviewer, changes=changes)
            )
            return self._incident(conn, incident_id)

    def reviews_of(self, incident_id: int) -> list[dict[str, Any]]:
        """An incident's corrections, oldest first: ``at``, ``reviewer``, ``changes``."""
        stmt = (
            select(reviews.c.at, reviews.c.reviewer, reviews.c.changes)
            .where(reviews.c.incident_id == incident_id)
            .order_by(reviews.c.id)
        )
        with self._conn() as conn:
            return [dict(r._mapping) for r in conn.execute(stmt)]

    # -- API tokens ---------------------------------------------------------------------------

    def create_token(self, name: str, *, expires_at: dt.datetime | None = None) -> str:
        """A new write token for the REST API, named ``name``, valid until ``expires_at`` (an
        aware datetime; default: until revoked). Only its digest is stored, so this is the one
        time it can be read."""
        name = name.strip()
        if not name:
            raise StoreError("a token needs a name (who or what will use it)")
        if name.isdigit():
            raise StoreError(f"a token name cannot be a number ({name!r}): revoke takes a name or an id")
        now = dt.datetime.now(dt.UTC)
        if expires_at is not None and _aware(expires_at, "expires_at") <= now:
            raise StoreError(f"the token would expire at {expires_at.isoformat()}, which has passed")
        token = "incx_" + secrets.token_urlsafe(32)
        with self._conn(write=True) as conn:
            if conn.execute(select(api_tokens.c.id).where(api_tokens.c.name == name)).first():
                raise StoreError(f"a token named {name!r} exists; choose another name")
            conn.execute(
                insert(api_tokens).values(
                    name=name, digest=_token_digest(token), created_at=now, expires_at=expires_at
                )
            )
        return token

    def find_token(self, token: str) -> ApiToken | None:
        """The token ``token`` whatever its state (see :meth:`ApiToken.state`); ``None`` if it
        is not a token of this database."""
        with self._conn() as conn:
            row = conn.execute(
                select(*_TOKEN_COLUMNS).where(api_tokens.c.digest == _token_digest(token))
            ).first()
        return None if row is None else ApiToken(**row._mapping)

    def token_name(self, token: str) -> str | None:
        """The name of the token ``token``; ``None`` if it is not a token of this database, or
        was revoked, or has expired."""
        found = self.find_token(token)
        if found is None or found.state(dt.datetime.now(dt.UTC)) != "active":
            return None
        return found.name

    def tokens(self) -> list[ApiToken]:
        """Every token, revoked and expired ones included, oldest first (never the secrets:
        only their digests are stored)."""
        with self._conn() as conn:
            return [
                ApiToken(**r._mapping)
                for r in conn.execute(select(*_TOKEN_COLUMNS).order_by(api_tokens.c.id))
            ]

    def revoke_token(self, name_or_id: str | int, *, at: dt.datetime | None = None) -> ApiToken:
        """Revoke a token by its name or its id (``at``: now); from then on it answers 401.
        :class:`NotFoundError` for no such token, :class:`StoreError` when it was revoked
        already."""
        at = _aware(at, "at") if at is not None else dt.datetime.now(dt.UTC)
        key = str(name_or_id).strip()
        cond = api_tokens.c.id == int(key) if key.isascii() and key.isdigit() else api_tokens.c.name == key
        with self._conn(write=True) as conn:
            row = conn.execute(select(*_TOKEN_COLUMNS).where(cond)).first()
            if row is None:
                raise NotFoundError(f"no token named or numbered {key!r}; incidex token list shows them")
            if row.revoked_at is not None:
                raise StoreError(
                    f"token {row.name!r} was revoked already, on {row.revoked_at:%Y-%m-%d %H:%M} UTC"
                )
            conn.execute(update(api_tokens).where(api_tokens.c.id == row.id).values(revoked_at=at))
            return replace(ApiToken(**row._mapping), revoked_at=at)

    def touch_token(self, token_id: int, *, at: dt.datetime) -> None:
        """Record a write made with the token, unless one was recorded in the minute before
        ``at`` (a write per request would queue every request behind the write lock)."""
        at = _aware(at, "at")
        stale = or_(api_tokens.c.last_used_at.is_(None), api_tokens.c.last_used_at < at - _TOKEN_USE_GRAIN)
        with self._conn(write=True) as conn:
            conn.execute(update(api_tokens).where(api_tokens.c.id == token_id, stale).values(last_used_at=at))

    # -- the whole database -------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """How many documents, reports and incidents are stored."""
        with self._conn() as conn:
            return {
                name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                for name, t in (("documents", documents), ("reports", reports), ("incidents", incidents))
            }


#: What a reviewer may correct: the coded fields, and whether it is an incident at all.
REVIEWABLE = frozenset(
    {
        "event_type", "sub_event_type", "date", "place", "admin1", "country", "latitude", "longitude",
        "killed", "wounded", "perpetrator", "claimed", "target_type", "weapon", "not_incident",
    }
)  # fmt: skip


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


#: What :meth:`Store.tokens` and friends read: everything but the digest.
_TOKEN_COLUMNS = (
    api_tokens.c.id,
    api_tokens.c.name,
    api_tokens.c.created_at,
    api_tokens.c.expires_at,
    api_tokens.c.revoked_at,
    api_tokens.c.last_used_at,
)
#: How finely a token's last use is recorded.
_TOKEN_USE_GRAIN = dt.timedelta(minutes=1)


_NEWEST = (incidents.c.date.desc().nulls_last(), incidents.c.id.desc())


def _within(
    rows: Iterator[Row[Any]], near: tuple[float, float, float], offset: int, limit: int | None
) -> list[Row[Any]]:
    """The rows located within ``near``'s radius, after skipping ``offset``, at most ``limit``."""
    lat, lon, km = near
    out: list[Row[Any]] = []
    skipped = 0
    for r in rows:
        if limit is not None and len(out) >= limit:
            break
        if haversine_km(lat, lon, r.latitude, r.longitude) > km:
            continue
        if skipped < offset:
            skipped += 1
            continue
        out.append(r)
    return out


def _duplicate(
    doc: Document, digest: str, clashes: Sequence[Row[Any, Any, Any, Any]]
) -> DuplicateDocumentError:
    """Why ``doc`` cannot be added, from the stored rows that share its URL, digest or doc_id:
    the same URL or text means the document is stored; the same doc_id alone, that another
    document has its name."""
    for row in clashes:
        if doc.url is not None and row.url == doc.url:
            return DuplicateDocumentError(
                doc.doc_id, row.id, f"its URL {doc.url} is already stored", same="url"
            )
    for row in clashes:
        if row.digest == digest:
            return DuplicateDocumentError(
                doc.doc_id, row.id, "the same text (digest) is already stored", same="text"
            )
    (row,) = clashes  # the doc_id's row: doc_id is unique
    return DuplicateDocumentError(doc.doc_id, row.id, "its doc_id is already stored, for another text")


#: What a driver raises, unwrapped, for a value it cannot send (sqlite3: a lone surrogate in a
#: string, an integer beyond 64 bits; psycopg: the same string).
_DRIVER_VALUE_ERRORS = (UnicodeError, OverflowError)


def _refused_value(e: BaseException) -> bool:
    """Is ``e`` about a value of the record being written, rather than about the database?

    A value the engine refuses (DataError: out of range, NUL on PostgreSQL), a constraint it
    breaks (IntegrityError), and a value that could not even be converted for the driver (a
    StatementError that is not the database's, or the driver's own encoding errors) belong to
    the record. Everything else (OperationalError: connection lost, disk full, read-only;
    ProgrammingError: the schema is not what this incidex expects) is about the database.
    """
    if isinstance(e, (DataError, IntegrityError, *_DRIVER_VALUE_ERRORS)):
        return True
    return isinstance(e, StatementError) and not isinstance(e, DBAPIError)


def _aware(value: dt.datetime, name: str) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise StoreError(f"{name} must be a timezone-aware datetime, e.g. datetime.now(UTC); got {value!r}")
    return value.astimezone(dt.UTC)


def _scalars(fields: Mapping[str, Any], names: Sequence[str], what: str) -> dict[str, Any]:
    """The indexed copies of ``fields`` named by ``names`` (columns of reports or incidents)."""
    out: dict[str, Any] = {}
    counts = {k: _count(fields.get(k), k, what) for k in ("killed", "wounded")}
    for name in names:
        head, _, part = name.partition("_")
        if head in counts and part in ("low", "high", "best"):
            out[name] = counts[head][part]
        elif name == "date":
            out[name] = _date(fields.get("date"), what)
        elif name in ("latitude", "longitude"):
            out[name] = _float(fields.get(name), name, what)
        elif name == "not_incident":
            out[name] = fields.get(name) is True
        else:
            value = fields.get(name)
            if value is not None and not isinstance(value, str):
                raise InvalidRecordError(f"{what}: field {name!r} must be a string or null, got {value!r}")
            out[name] = value
    return out


def _count(value: Any, name: str, what: str) -> dict[str, int | None]:
    if value is None:
        return {"low": None, "high": None, "best": None}
    if isinstance(value, int) and not isinstance(value, bool):
        return {"low": value, "high": value, "best": value}
    if isinstance(value, Mapping):
        low, high = value.get("low"), value.get("high")
        best = value.get("best", low if low is not None else high)
        if all(v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in (low, high, best)):
            return {"low": low, "high": high, "best": best}
    raise InvalidRecordError(
        f"{what}: field {name!r} must be null, a number or {{low, high, best}}, got {value!r}"
    )


def _with_reviewed(fields: dict[str, Any], *reviewed: Mapping[str, Any] | None) -> dict[str, Any]:
    """``fields`` with reviewers' values laid over them (later mappings win), kept again in
    ``fields["reviewed"]`` for the next merge to lay over."""
    merged: dict[str, Any] = {}
    for r in reviewed:
        merged |= r or {}
    return {**fields, **merged, "reviewed": merged} if merged else fields


def _reviewed_count(value: Any, name: str) -> dict[str, int | None] | None:
    """A reviewer's figure as ``{low, high, best}``: a number, or low and/or high (``best``,
    when not given, by ACLED's conservative rule: the low figure, else the high one)."""
    if value is None:
        return None
    count = _count(value, name, "the correction")
    low, high, best = count["low"], count["high"], count["best"]
    if any(v is not None and not 0 <= v <= 10_000_000 for v in (low, high, best)):
        raise StoreError(f"the correction of {name} has a figure below 0 or above 10,000,000: {value!r}")
    if low is not None and high is not None and low > high:
        raise StoreError(f"the correction of {name} has low {low} above high {high}")
    if low is None and high is None:
        raise StoreError(f"the correction of {name} needs low or high (or null for no figure)")
    return count


def _date(value: Any, what: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError as e:
            raise InvalidRecordError(
                f"{what}: field 'date' must be an ISO date (YYYY-MM-DD), got {value!r}"
            ) from e
    raise InvalidRecordError(f"{what}: field 'date' must be an ISO date string, got {value!r}")


#: The range of each coordinate field (a value outside it is no place on Earth).
_COORDINATE_RANGE = {"latitude": 90.0, "longitude": 180.0}


def _float(value: Any, name: str, what: str) -> float | None:
    """A coordinate as stored: a finite number in its range, or ``None``. NaN would be
    committed by SQLite and then break every JSON reader; PostgreSQL refuses it."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        bound = _COORDINATE_RANGE.get(name, math.inf)
        if math.isfinite(number) and -bound <= number <= bound:
            return number
        raise InvalidRecordError(
            f"{what}: field {name!r} must be a finite number within ±{bound:g}, got {value!r}"
        )
    raise InvalidRecordError(f"{what}: field {name!r} must be a number or null, got {value!r}")
