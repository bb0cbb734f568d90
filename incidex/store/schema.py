"""The tables, as SQLAlchemy Core metadata (engine-neutral).

This is what the store queries; the migrations in ``incidex/migrations/versions`` are what
creates it, and a test checks the two agree. Engine-specific text search lives beside the
tables, not in them: on SQLite an FTS5 table ``documents_fts`` (kept in sync by triggers), on
PostgreSQL a generated ``documents.search`` tsvector column with a GIN index. Neither is
declared here; :mod:`incidex.store.dialects` queries them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator

#: Constraint names are spelt out so migrations on every engine name them the same way.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

#: JSON on SQLite (text), JSONB on PostgreSQL.
JSONDoc = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp on every engine.

    SQLite has no time zones: values are converted to UTC before they are written and read
    back as aware UTC datetimes. Naive datetimes are refused by the store before they get here.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


documents = Table(
    "documents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("doc_id", Text, nullable=False),
    Column("url", Text),
    Column("digest", Text, nullable=False),  # blake2b-128 hex of the normalised text
    Column("source", Text),
    Column("title", Text),
    Column("published", Date),
    Column("retrieved_at", UTCDateTime, nullable=False),
    Column("language", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("story_id", Integer),  # near-duplicate cluster
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("doc_id"),
    UniqueConstraint("url"),  # NULLs are distinct on both engines: unique where not null
    UniqueConstraint("digest"),
    Index(None, "story_id"),
    Index(None, "published"),
)

incidents = Table(
    "incidents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("incident_uid", Text, nullable=False),
    Column("fields", JSONDoc, nullable=False),
    Column("event_type", Text),
    Column("sub_event_type", Text),
    Column("date", Date),
    Column("country", Text),
    Column("admin1", Text),
    Column("place", Text),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("killed_low", Integer),
    Column("killed_high", Integer),
    Column("killed_best", Integer),
    Column("wounded_low", Integer),
    Column("wounded_best", Integer),
    Column("perpetrator", Text),
    # A reviewer's "not an incident" (fields["not_incident"]): left out of lists and exports.
    Column("not_incident", Boolean, nullable=False, server_default=false()),
    # Set when a reviewer merged this incident into another (its incidents.id); such an
    # incident keeps its reviews and history but no reports, and leaves lists and exports.
    Column("merged_into", Integer),
    Column("n_reports", Integer, nullable=False),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("incident_uid"),
    Index(None, "country", "date"),
    Index(None, "date"),
    Index(None, "event_type"),
    Index(None, "latitude", "longitude"),
)

reports = Table(
    "reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("document_id", Integer, ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("ordinal", Integer, nullable=False),
    Column("fields", JSONDoc, nullable=False),
    Column("event_type", Text),
    Column("sub_event_type", Text),
    Column("date", Date),
    Column("country", Text),
    Column("admin1", Text),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("killed_low", Integer),
    Column("wounded_low", Integer),
    Column("incident_id", Integer, ForeignKey("incidents.id", ondelete="SET NULL")),
    UniqueConstraint("document_id", "ordinal"),
    Index(None, "incident_id"),
    Index(None, "country", "date"),
)

incident_history = Table(
    "incident_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("incident_id", Integer, ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("document_id", Integer, ForeignKey("documents.id", ondelete="SET NULL")),
    Column("action", Text, nullable=False),
    Column("changes", JSONDoc, nullable=False),
    CheckConstraint("action IN ('created', 'merged', 'updated')", name="action"),
    Index(None, "incident_id"),
)

#: Write tokens of the REST API. Only a SHA-256 of each token is kept: tokens are 256 random
#: bits, so a fast hash suffices, and a stolen database yields no usable token.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False, unique=True),
    Column("digest", Text, nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime),  # null: never expires
    Column("revoked_at", UTCDateTime),  # null: not revoked
    # The last write made with it, recorded at most once a minute (reads never record it, so
    # that a read never waits for the write lock).
    Column("last_used_at", UTCDateTime),
)

#: Reviewers' corrections, the audit trail: who changed what, when, from what to what. The
#: corrected values also live in the incident's ``fields["reviewed"]``, which merges respect.
reviews = Table(
    "reviews",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("incident_id", Integer, ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("reviewer", Text, nullable=False),
    Column("changes", JSONDoc, nullable=False),
    Index(None, "incident_id"),
)

#: Scalar columns copied out of a report's or incident's fields, for indexes and filters.
REPORT_SCALARS = (
    "event_type",
    "sub_event_type",
    "date",
    "country",
    "admin1",
    "latitude",
    "longitude",
    "killed_low",
    "wounded_low",
)
INCIDENT_SCALARS = (
    "event_type",
    "sub_event_type",
    "date",
    "country",
    "admin1",
    "place",
    "latitude",
    "longitude",
    "killed_low",
    "killed_high",
    "killed_best",
    "wounded_low",
    "wounded_best",
    "perpetrator",
    "not_incident",
)


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic autogenerate's filter: leave out the engine-specific text search objects
    (SQLite's ``documents_fts*`` tables, PostgreSQL's ``documents.search`` column and its
    index) and Alembic's own version table, which this metadata does not declare."""
    if type_ == "table":
        return name != "alembic_version" and not (name or "").startswith("documents_fts")
    if type_ == "column":
        return name != "search"
    return not (type_ == "index" and name == "ix_documents_search")
