"""Errors of the storage layer; all are :class:`incidex.errors.IncidexError`."""

from __future__ import annotations

from incidex.errors import IncidexError


class StoreError(IncidexError):
    """The database could not be opened, migrated, read or written.

    The message names the database (password hidden) or the record, and what to do.
    """


class InvalidRecordError(StoreError):
    """The database refused a value of one record (a document, a report, merged fields): a
    string no encoder takes, a number out of the column's range, a value that breaks a
    constraint. That record cannot be stored as it is; the database itself is fine, so a
    caller storing many records (an ingest) records the failure and goes on. The other
    store errors (connection lost, disk full, a read-only database) mean that the database
    itself cannot be written: those stop a run.
    """


class DuplicateDocumentError(StoreError):
    """A document with the same ``doc_id``, URL or text digest is already stored.

    ``existing_id`` is the stored document's ``documents.id`` (``None`` when another writer
    inserted it at the same moment and only the unique constraint noticed). ``same`` says
    which identity clashed: ``"url"`` or ``"text"`` (the document is stored: skip it), or
    ``"doc_id"`` only (another document holds that name: store it under another one).
    """

    def __init__(self, doc_id: str, existing_id: int | None, why: str, *, same: str = "doc_id"):
        self.doc_id = doc_id
        self.existing_id = existing_id
        self.same = same
        where = f"document {doc_id!r}"
        if existing_id is not None:
            where += f" (stored as documents.id {existing_id})"
        super().__init__(f"{where}: {why}")


class NotFoundError(StoreError):
    """A document, report or incident id the caller named is not in the database."""
