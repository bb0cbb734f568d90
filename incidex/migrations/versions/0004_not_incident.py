"""incidents.not_incident: a reviewer's "not an incident", indexed out of lists.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # SQLite adds a NOT NULL column in place when it has a constant default.
    op.add_column(
        "incidents", sa.Column("not_incident", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("not_incident")
