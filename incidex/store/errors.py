"""Errors of the storage layer; all are :class:`incidex.errors.IncidexError`."""

from __future__ import annotations

from incidex.errors import IncidexError


class StoreError(IncidexError):
    """The database could not be opened, migrated, read or written.

    The message names the database (password hidden) or the record, and what to do.
    """


class DuplicateDocumentError(StoreError):
    """A document with the same ``doc_id``, URL or text digest is already stored.

    ``existing_id`` is the stored document's ``documents.id`` (``None`` when another writer
    inserted it at the same moment and only the unique constraint noticed).
    """

    def __init__(self, doc_id: str, existing_id: int | None, why: str):
        self.doc_id = doc_id
        self.existing_id = existing_id
        where = f"document {doc_id!r}"
        if existing_id is not None:
            where += f" (stored as documents.id {existing_id})"
        super().__init__(
            f"{where}: {why}; call Store.document_exists() before add_document() to skip known documents"
        )


class NotFoundError(StoreError):
    """A document, report or incident id the caller named is not in the database."""
