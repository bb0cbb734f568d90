"""api_tokens: expiry, revocation and last use, so that tokens can be listed, revoked and expire.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ("expires_at", "revoked_at", "last_used_at")


def upgrade() -> None:
    # Nullable columns: SQLite adds them in place, and every token made before stays valid,
    # unrevoked and never expiring, as it was.
    for name in _COLUMNS:
        op.add_column("api_tokens", sa.Column(name, sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        for name in reversed(_COLUMNS):
            batch.drop_column(name)
