"""incidex: news reports of political violence in, incident records out.

    >>> import incidex
    >>> incidents = incidex.extract("Gunmen killed 3 people in Kano on Monday.", published="2024-05-08")

Importing the package loads nothing heavy; the model, gazetteer and lexicons load on first use.
"""

from __future__ import annotations

from incidex.errors import IncidexError, InputError, ResourceError
from incidex.pipeline import extract, extract_documents, extract_each
from incidex.records import Count, Document, Evidence, ExtractionFailure, Incident, Place
from incidex.settings import Limits

__all__ = [
    "Count",
    "Document",
    "Evidence",
    "ExtractionFailure",
    "Incident",
    "IncidexError",
    "InputError",
    "Limits",
    "Place",
    "ResourceError",
    "extract",
    "extract_documents",
    "extract_each",
]
__version__ = "0.1.0"
