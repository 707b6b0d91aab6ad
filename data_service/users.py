"""Rules for users: what a change is, optimistic concurrency, and the event of every change."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from asyncpg import Connection as DriverConnection
from contract_models.data import (
    RoleCounts,
    User,
    UserCreate,
    UserCredentials,
    UserList,
    UserPage,
    UserStats,
    UserUpdate,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from data_service import outbox_repository, repository, user_events
from data_service.models import UserRow
from data_service.repository import UserFilter
from data_service.user_events import ChangedField
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


# A new user's token epoch. The epoch moves only forward, and moving it alone is neither a
# new version nor an event (a logout is not a profile change).
NEVER_REVOKED = datetime(1970, 1, 1, tzinfo=UTC)

_Model = TypeVar("_Model", User, UserCredentials)

# The reads by key, compiled once (building a statement per call cost a tenth of a GET's CPU).
_USER_COLUMNS = repository.columns_of(User)
_USER_BY_ID = repository.by_id(_USER_COLUMNS)
_USERS_BY_IDS = repository.by_ids(_USER_COLUMNS)
_USER_BY_USERNAME = repository.by_username(_USER_COLUMNS)
_CREDENTIALS_BY_ID = repository.by_id(repository.columns_of(UserCredentials))
_CREDENTIALS_BY_USERNAME = repository.by_username(repository.columns_of(UserCredentials))


def _user(row: UserRow) -> User:
    return User.model_validate(row, from_attributes=True)


def _found(model: type[_Model], row: Mapping[str, Any] | None, name: object) -> _Model:
    if row is None:
        raise NotFound(f"User {name!r} does not exist.")
    return model.model_validate(row)


async def _locked(*, session: AsyncSession, user_id: int) -> UserRow:
    row = await repository.lock_user(session=session, user_id=user_id)
    if row is None:
        raise NotFound(f"User {user_id} does not exist.")
    return row


async def create_user(*, session: AsyncSession, data: UserCreate) -> User:
    now = datetime.now(UTC)
    # Each field of the contract's UserCreate is the column of the same name, so a new
    # optional field needs its column and nothing here (reads select by the User model too).
    fields = {
        "full_name": "",
        "role": "user",
        "is_active": data.is_active,
        **data.model_dump(exclude_unset=True),
    }
    row = UserRow(**fields, version=1, created_at=now, updated_at=now, tokens_valid_after=NEVER_REVOKED)
    await repository.add_user(session=session, user=row)
    await outbox_repository.add_event(session=session, event=user_events.user_created(user=row, now=now))
    return _user(row)


async def get_user(*, driver: DriverConnection, user_id: int) -> User:
    row = await repository.fetch_one(driver=driver, read=_USER_BY_ID, user_id=user_id)
    return _found(User, row, user_id)


async def lookup_users(*, driver: DriverConnection, ids: Sequence[int]) -> UserList:
    """The users of `ids` that exist, in the order asked for, each once."""
    rows = await repository.fetch_all(driver=driver, read=_USERS_BY_IDS, ids=list(dict.fromkeys(ids)))
    by_id = {row["id"]: row for row in rows}
    return UserList(items=[User.model_validate(by_id[i]) for i in dict.fromkeys(ids) if i in by_id])


async def get_user_by_username(*, driver: DriverConnection, username: str) -> User:
    row = await repository.fetch_one(driver=driver, read=_USER_BY_USERNAME, username=username)
    return _found(User, row, username)


async def get_credentials(*, driver: DriverConnection, user_id: int) -> UserCredentials:
    row = await repository.fetch_one(driver=driver, read=_CREDENTIALS_BY_ID, user_id=user_id)
    return _found(UserCredentials, row, user_id)


async def get_credentials_by_username(*, driver: DriverConnection, username: str) -> UserCredentials:
    statement = _CREDENTIALS_BY_USERNAME
    row = await repository.fetch_one(driver=driver, read=statement, username=username)
    return _found(UserCredentials, row, username)


async def list_users(
    *, connection: AsyncConnection, user_filter: UserFilter, limit: int, offset: int
) -> UserPage:
    rows, total = await repository.list_users(
        connection=connection, columns=_USER_COLUMNS, user_filter=user_filter, limit=limit, offset=offset
    )
    return UserPage(items=[User.model_validate(row) for row in rows], total=total, limit=limit, offset=offset)


async def update_user(*, session: AsyncSession, user_id: int, data: UserUpdate) -> User:
    """Apply the present fields if `data.version` is the stored one; no change, no event."""
    row = await _locked(session=session, user_id=user_id)
    if row.version != data.version:
        raise PreconditionFailed(
            f"User {user_id} is at version {row.version}, not {data.version}; reread it and try again."
        )
    wanted: dict[str, Any] = data.model_dump(exclude_unset=True, exclude={"version", "revoke_tokens"})
    now = datetime.now(UTC)
    # Only forward, even if this host's clock steps back.
    moved = data.revoke_tokens is True and now > row.tokens_valid_after
    if moved:
        row.tokens_valid_after = now
    changed = [name for name in _CHANGE_NAMES if name in wanted and getattr(row, name) != wanted[name]]
    if not changed:
        if moved:
            await repository.flush_user(session=session)
        return _user(row)
    for name in changed:
        setattr(row, name, wanted[name])
    row.version += 1
    row.updated_at = now
    await repository.flush_user(session=session)
    event = user_events.user_updated(user=row, changed=[_CHANGE_NAMES[name] for name in changed], now=now)
    await outbox_repository.add_event(session=session, event=event)
    return _user(row)


async def delete_user(*, session: AsyncSession, user_id: int) -> None:
    row = await _locked(session=session, user_id=user_id)
    event = user_events.user_deleted(user=row, now=datetime.now(UTC))
    await repository.delete_user(session=session, user=row)
    await outbox_repository.add_event(session=session, event=event)


async def user_stats(*, connection: AsyncConnection) -> UserStats:
    counts = await repository.count_users(connection=connection)
    return UserStats(
        total=counts.total,
        active=counts.active,
        inactive=counts.total - counts.active,
        by_role=RoleCounts(user=counts.total - counts.admins, admin=counts.admins),
    )
