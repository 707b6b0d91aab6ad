"""users.tokens_valid_after: the token epoch that revokes a user's sessions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 02:00:00

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A constant default: PostgreSQL 11+ adds such a column without rewriting the table, and
    # every existing token stays valid until its user's epoch first moves.
    op.add_column(
        "users",
        sa.Column(
            "tokens_valid_after",
            sa.DateTime(timezone=True),
            server_default=sa.text("'1970-01-01 00:00:00+00'"),
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.drop_column("users", "tokens_valid_after")
