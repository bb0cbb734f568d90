"""One exception tree for incidex.

Every error names the input it is about and says what to do next; callers catch
:class:`IncidexError` to handle them all.
"""

from __future__ import annotations


class IncidexError(Exception):
    """Base class of every error incidex raises on purpose."""


class InputError(IncidexError):
    """A document could not be read: names the source (and line) and the reason.

    ``source`` is the path, URL or ``"<stdin>"``; ``line`` is the 1-based line number for
    JSON Lines input, else ``None``.
    """

    def __init__(self, source: str, reason: str, *, line: int | None = None, doc_id: str | None = None):
        self.source = source
        self.line = line
        self.reason = reason
        self.doc_id = doc_id
        where = source if line is None else f"{source}:{line}"
        if doc_id:
            where += f" (doc_id {doc_id!r})"
        super().__init__(f"{where}: {reason}")


class ResourceError(IncidexError):
    """A model, gazetteer or lexicon that incidex needs is missing or broken."""
