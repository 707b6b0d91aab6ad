"""Rules for users: what a change is, optimistic concurrency, and the event of every change."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from contract_models.data import (
    RoleCounts,
    User,
    UserCreate,
    UserCredentials,
    UserPage,
    UserStats,
    UserUpdate,
)
from sqlalchemy.ext.asyncio import AsyncSession

from data_service import events, outbox_repository, repository
from data_service.events import ChangedField
from data_service.models import UserRow
from data_service.repository import UserFilter
from service_kit.errors import NotFound, PreconditionFailed

# Body field -> name in the event's `changed` list, in the order the events contract lists them.
_CHANGE_NAMES: dict[str, ChangedField] = {
    "email": "email",
    "username": "username",
    "hashed_password": "password",
    "full_name": "full_name",
    "role": "role",
    "is_active": "is_active",
}


def _user(row: UserRow) -> User:
    return User.model_validate(row, from_attributes=True)


async def _existing(*, session: AsyncSession, user_id: int, for_update: bool = False) -> UserRow:
    row = await repository.get_user(session=session, user_id=user_id, for_update=for_update)
    if row is None:
        raise NotFound(f"User {user_id} does not exist.")
    return row


async def create_user(*, session: AsyncSession, data: UserCreate) -> User:
    now = datetime.now(UTC)
    fields = data.model_dump(exclude_unset=True)
    row = UserRow(
        email=data.email,
        username=data.username,
        hashed_password=data.hashed_password,
        full_name=fields.get("full_name", ""),
        role=fields.get("role", "user"),
        is_active=data.is_active,
        version=1,
        created_at=now,
        updated_at=now,
    )
    await repository.add_user(session=session, user=row)
    await outbox_repository.add_event(session=session, event=events.user_created(user=row, now=now))
    return _user(row)


async def get_user(*, session: AsyncSession, user_id: int) -> User:
    return _user(await _existing(session=session, user_id=user_id))


async def get_user_by_username(*, session: AsyncSession, username: str) -> User:
    row = await repository.get_user_by_username(session=session, username=username)
    if row is None:
        raise NotFound(f"User {username!r} does not exist.")
    return _user(row)


def _credentials(row: UserRow) -> UserCredentials:
    return UserCredentials.model_validate(row, from_attributes=True)


async def get_credentials(*, session: AsyncSession, user_id: int) -> UserCredentials:
    return _credentials(await _existing(session=session, user_id=user_id))


async def get_credentials_by_username(*, session: AsyncSession, username: str) -> UserCredentials:
    row = await repository.get_user_by_username(session=session, username=username)
    if row is None:
        raise NotFound(f"User {username!r} does not exist.")
    return _credentials(row)


async def list_users(*, session: AsyncSession, user_filter: UserFilter, limit: int, offset: int) -> UserPage:
    rows, total = await repository.list_users(
        session=session, user_filter=user_filter, limit=limit, offset=offset
    )
    return UserPage(items=[_user(row) for row in rows], total=total, limit=limit, offset=offset)


async def update_user(*, session: AsyncSession, user_id: int, data: UserUpdate) -> User:
    """Apply the present fields if `data.version` is the stored one; no change, no event."""
    row = await _existing(session=session, user_id=user_id, for_update=True)
    if row.version != data.version:
        raise PreconditionFailed(
            f"User {user_id} is at version {row.version}, not {data.version}; reread it and try again."
        )
    wanted: dict[str, Any] = data.model_dump(exclude_unset=True, exclude={"version"})
    changed = [name for name in _CHANGE_NAMES if name in wanted and getattr(row, name) != wanted[name]]
    if not changed:
        return _user(row)
    now = datetime.now(UTC)
    for name in changed:
        setattr(row, name, wanted[name])
    row.version += 1
    row.updated_at = now
    await repository.flush_user(session=session)
    event = events.user_updated(user=row, changed=[_CHANGE_NAMES[name] for name in changed], now=now)
    await outbox_repository.add_event(session=session, event=event)
    return _user(row)


async def delete_user(*, session: AsyncSession, user_id: int) -> None:
    row = await _existing(session=session, user_id=user_id, for_update=True)
    event = events.user_deleted(user=row, now=datetime.now(UTC))
    await repository.delete_user(session=session, user=row)
    await outbox_repository.add_event(session=session, event=event)


async def user_stats(*, session: AsyncSession) -> UserStats:
    counts = await repository.count_users(session=session)
    return UserStats(
        total=counts.total,
        active=counts.active,
        inactive=counts.total - counts.active,
        by_role=RoleCounts(user=counts.total - counts.admins, admin=counts.admins),
    )
