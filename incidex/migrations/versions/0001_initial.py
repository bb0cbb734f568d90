"""Initial schema: documents, reports, incidents, incident_history, and text search.

Revision ID: 0001
Revises:

Tables are spelt out here rather than created from ``incidex.store.schema``: a migration is a
frozen record of one change, and later edits to the schema module must not alter it (a test
checks that the migrated database and the schema module agree).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSONDoc = sa.JSON().with_variant(JSONB(), "postgresql")
UTCDateTime = sa.DateTime(timezone=True)  # the store reads and writes UTC

# SQLite: an external-content FTS5 table over documents(title, text), kept in sync by triggers.
# unicode61 without diacritic folding matches PostgreSQL's 'simple' configuration below.
SQLITE_FTS = [
    """CREATE VIRTUAL TABLE documents_fts USING fts5(
        title, text, content='documents', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0')""",
    """CREATE TRIGGER documents_fts_insert AFTER INSERT ON documents BEGIN
        INSERT INTO documents_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END""",
    """CREATE TRIGGER documents_fts_delete AFTER DELETE ON documents BEGIN
        INSERT INTO documents_fts(documents_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
    END""",
    """CREATE TRIGGER documents_fts_update AFTER UPDATE OF title, text ON documents BEGIN
        INSERT INTO documents_fts(documents_fts, rowid, title, text)
        VALUES ('delete', old.id, old.title, old.text);
        INSERT INTO documents_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
    END""",
]

# PostgreSQL: a generated tsvector column and a GIN index on it.
PG_SEARCH = [
    """ALTER TABLE documents ADD COLUMN search tsvector GENERATED ALWAYS AS
        (to_tsvector('simple'::regconfig, coalesce(title, '') || ' ' || text)) STORED""",
    "CREATE INDEX ix_documents_search ON documents USING gin (search)",
]


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("doc_id", sa.Text, nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("digest", sa.Text, nullable=False),
        sa.Column("source", sa.Text),
        sa.Column("title", sa.Text),
        sa.Column("published", sa.Date),
        sa.Column("retrieved_at", UTCDateTime, nullable=False),
        sa.Column("language", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("story_id", sa.Integer),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_documents"),
        sa.UniqueConstraint("doc_id", name="uq_documents_doc_id"),
        sa.UniqueConstraint("url", name="uq_documents_url"),
        sa.UniqueConstraint("digest", name="uq_documents_digest"),
    )
    op.create_index("ix_documents_story_id", "documents", ["story_id"])
    op.create_index("ix_documents_published", "documents", ["published"])

    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("incident_uid", sa.Text, nullable=False),
        sa.Column("fields", JSONDoc, nullable=False),
        sa.Column("event_type", sa.Text),
        sa.Column("sub_event_type", sa.Text),
        sa.Column("date", sa.Date),
        sa.Column("country", sa.Text),
        sa.Column("admin1", sa.Text),
        sa.Column("place", sa.Text),
        sa.Column("latitude", sa.Float),
        sa.Column("longitude", sa.Float),
        sa.Column("killed_low", sa.Integer),
        sa.Column("killed_high", sa.Integer),
        sa.Column("killed_best", sa.Integer),
        sa.Column("wounded_low", sa.Integer),
        sa.Column("wounded_best", sa.Integer),
        sa.Column("perpetrator", sa.Text),
        sa.Column("n_reports", sa.Integer, nullable=False),
        sa.Column("first_seen", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_incidents"),
        sa.UniqueConstraint("incident_uid", name="uq_incidents_incident_uid"),
    )
    op.create_index("ix_incidents_country_date", "incidents", ["country", "date"])
    op.create_index("ix_incidents_date", "incidents", ["date"])
    op.create_index("ix_incidents_event_type", "incidents", ["event_type"])
    op.create_index("ix_incidents_latitude_longitude", "incidents", ["latitude", "longitude"])

    op.create_table(
        "reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("document_id", sa.Integer, nullable=False),
        sa.Column("ordinal", sa.Integer, nullable=False),
        sa.Column("fields", JSONDoc, nullable=False),
        sa.Column("event_type", sa.Text),
        sa.Column("sub_event_type", sa.Text),
        sa.Column("date", sa.Date),
        sa.Column("country", sa.Text),
        sa.Column("admin1", sa.Text),
        sa.Column("latitude", sa.Float),
        sa.Column("longitude", sa.Float),
        sa.Column("killed_low", sa.Integer),
        sa.Column("wounded_low", sa.Integer),
        sa.Column("incident_id", sa.Integer),
        sa.PrimaryKeyConstraint("id", name="pk_reports"),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_reports_document_id", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name="fk_reports_incident_id", ondelete="SET NULL"
        ),
        sa.UniqueConstraint("document_id", "ordinal", name="uq_reports_document_id_ordinal"),
    )
    op.create_index("ix_reports_incident_id", "reports", ["incident_id"])
    op.create_index("ix_reports_country_date", "reports", ["country", "date"])

    op.create_table(
        "incident_history",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("incident_id", sa.Integer, nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("document_id", sa.Integer),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("changes", JSONDoc, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_incident_history"),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name="fk_incident_history_incident_id", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name="fk_incident_history_document_id", ondelete="SET NULL"
        ),
        sa.CheckConstraint("action IN ('created', 'merged', 'updated')", name="ck_incident_history_action"),
    )
    op.create_index("ix_incident_history_incident_id", "incident_history", ["incident_id"])

    engine = context.get_context().dialect.name
    for statement in SQLITE_FTS if engine == "sqlite" else PG_SEARCH:
        op.execute(statement)


def downgrade() -> None:
    if context.get_context().dialect.name == "sqlite":
        op.execute("DROP TABLE documents_fts")  # its triggers go with the documents table
    op.drop_table("incident_history")
    op.drop_table("reports")
    op.drop_table("incidents")
    op.drop_table("documents")
