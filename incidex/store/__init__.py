"""The incidex database: documents, the incidents each reports, and merged incidents.

    >>> from incidex.store import open_store, IncidentQuery
    >>> store = open_store("incidex.db")                       # or "postgresql://user@host/db"
    >>> with store.transaction():                              # one document, all or nothing
    ...     doc_id = store.add_document(doc, digest=digest, retrieved_at=now)
    ...     report_ids = store.add_reports(doc_id, incidents)
    >>> for inc in store.incidents(IncidentQuery(country="NG", min_killed=1)):
    ...     print(inc.incident_uid, inc.date, inc.killed_best)

One interface, two engines: SQLite (the default; WAL journal, FTS5 text search) and
PostgreSQL (psycopg 3; tsvector text search). Opening a database migrates its schema to the
newest revision (Alembic; the migrations ship in ``incidex/migrations``); a SQLite file this
process cannot write (mode 0444, a read-only folder) is opened read-only instead, and a
PostgreSQL role without write rights reads a database that is at the newest revision.

Errors are :class:`StoreError` (an :class:`incidex.errors.IncidexError`): a document stored
twice raises :class:`DuplicateDocumentError` with the stored document's id; an unknown id,
:class:`NotFoundError`.
"""

from __future__ import annotations

from pathlib import Path

from incidex.store.dialects import DEFAULT_URL, make_engine, normalise_url, sqlite_read_only
from incidex.store.errors import DuplicateDocumentError, InvalidRecordError, NotFoundError, StoreError
from incidex.store.migrate import require_head, upgrade
from incidex.store.records import (
    ApiToken,
    HistoryEntry,
    IncidentQuery,
    StoredDocument,
    StoredIncident,
    StoredReport,
)
from incidex.store.store import Store

__all__ = [
    "DEFAULT_URL",
    "ApiToken",
    "DuplicateDocumentError",
    "HistoryEntry",
    "IncidentQuery",
    "InvalidRecordError",
    "NotFoundError",
    "Store",
    "StoreError",
    "StoredDocument",
    "StoredIncident",
    "StoredReport",
    "open_store",
]


def open_store(url: str | Path | None = None) -> Store:
    """Open (creating it if need be) the database at ``url`` and migrate it to the newest schema.

    ``url`` is ``sqlite:///PATH``, a plain file path (SQLite), ``sqlite://`` (in memory) or
    ``postgresql://USER[:PASSWORD]@HOST[:PORT]/DB`` (psycopg 3); default ``sqlite:///incidex.db``.
    A SQLite file this process cannot write is opened read-only (writes then fail with
    :class:`StoreError`); it must be at the newest revision already.
    Raises :class:`StoreError` when the database cannot be reached or migrated.
    """
    u = normalise_url(url)
    name = u.render_as_string(hide_password=True)
    read_only = sqlite_read_only(u)
    engine = make_engine(u, read_only=read_only)
    try:
        if read_only is None:
            upgrade(engine, name=name)
        else:
            require_head(engine, name=name)
    except BaseException:
        engine.dispose()
        raise
    return Store(engine, url=name)
