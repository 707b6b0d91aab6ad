"""outbox: indexes of the published history, for replay and retention

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 03:56:47

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PUBLISHED = sa.text("published_at IS NOT NULL")


def upgrade() -> None:
    # CONCURRENTLY, outside the migration's transaction: until this release the outbox kept
    # every event forever, so it may be large, and a plain CREATE INDEX would block every
    # user change (each writes an event) while it builds.
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_outbox_published_age",
            "outbox",
            ["occurred_at"],
            postgresql_where=PUBLISHED,
            postgresql_concurrently=True,
            if_not_exists=True,
        )
        op.create_index(
            "ix_outbox_published_user",
            "outbox",
            ["user_id", "sequence"],
            postgresql_where=PUBLISHED,
            postgresql_concurrently=True,
            if_not_exists=True,
        )


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index("ix_outbox_published_user", table_name="outbox", postgresql_concurrently=True)
        op.drop_index("ix_outbox_published_age", table_name="outbox", postgresql_concurrently=True)
