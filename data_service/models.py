"""The tables, as typed SQLAlchemy 2 ORM classes. Alembic migrations create them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Identity,
    Index,
    MetaData,
    String,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Constraint names the repository recognises when a unique index refuses a row.
USERS_EMAIL_UNIQUE = "uq_users_email_lower"
USERS_USERNAME_UNIQUE = "uq_users_username"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    username: Mapped[str] = mapped_column(String(32))
    hashed_password: Mapped[str] = mapped_column(String(512))
    full_name: Mapped[str] = mapped_column(String(100), server_default="")
    role: Mapped[str] = mapped_column(String(16), server_default="user")
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    version: Mapped[int] = mapped_column(BigInteger, server_default="1")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # The token epoch: tokens issued before it are refused. The Unix epoch (not now()) by
    # default, so that no clock skew between PostgreSQL and a business host can refuse the
    # first token of a new user.
    tokens_valid_after: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("'1970-01-01 00:00:00+00'")
    )

    __table_args__ = (
        CheckConstraint("role IN ('user', 'admin')", name="role"),
        CheckConstraint("version >= 1", name="version"),
        Index(USERS_EMAIL_UNIQUE, func.lower(text("email")), unique=True),
        Index(USERS_USERNAME_UNIQUE, "username", unique=True),
        Index("ix_users_role", "role"),
        Index("ix_users_is_active", "is_active"),
        # ILIKE '%...%' search on username and email uses these trigram indexes.
        Index(
            "ix_users_username_trgm",
            "username",
            postgresql_using="gin",
            postgresql_ops={"username": "gin_trgm_ops"},
        ),
        Index(
            "ix_users_email_trgm",
            "email",
            postgresql_using="gin",
            postgresql_ops={"email": "gin_trgm_ops"},
        ),
    )


class OutboxRow(Base):
    """An event written in the same transaction as the user change it reports."""

    __tablename__ = "outbox"

    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    sequence: Mapped[int] = mapped_column(BigInteger, Identity(), unique=True)
    event_type: Mapped[str] = mapped_column(String(32))
    # No foreign key: the user of a user.deleted event no longer exists.
    user_id: Mapped[int] = mapped_column(BigInteger)
    request_id: Mapped[str | None] = mapped_column(String(128))
    # The propagation headers (`traceparent`, ...) of the span that wrote the event; NULL
    # when tracing is off.
    trace_context: Mapped[dict[str, str] | None] = mapped_column(JSONB(none_as_null=True))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("event_type IN ('user.created', 'user.updated', 'user.deleted')", name="event_type"),
        Index("ix_outbox_pending", "sequence", postgresql_where=text("published_at IS NULL")),
        Index(
            "ix_outbox_pending_user",
            "user_id",
            "sequence",
            postgresql_where=text("published_at IS NULL"),
        ),
        # The published history: pruning and a replay's `since` look events up by age, a
        # replay of one user by user in publishing order.
        Index("ix_outbox_published_age", "occurred_at", postgresql_where=text("published_at IS NOT NULL")),
        Index(
            "ix_outbox_published_user",
            "user_id",
            "sequence",
            postgresql_where=text("published_at IS NOT NULL"),
        ),
    )
