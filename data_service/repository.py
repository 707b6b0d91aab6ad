"""SQL for the users table. Functions only flush; the session dependency commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, bindparam, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from data_service.models import USERS_EMAIL_UNIQUE, USERS_USERNAME_UNIQUE, UserRow
from service_kit.errors import Conflict


@dataclass(frozen=True, slots=True)
class UserFilter:
    role: str | None = None
    is_active: bool | None = None
    search: str | None = None


@dataclass(frozen=True, slots=True)
class UserCounts:
    total: int
    active: int
    admins: int


def like_pattern(text: str) -> str:
    """`%text%` for ILIKE, with the wildcards and the escape character matching themselves."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def flush_user(*, session: AsyncSession) -> None:
    """Write pending user changes; a taken email or username becomes `Conflict`."""
    try:
        await session.flush()
    except IntegrityError as error:
        message = str(error.orig)
        if USERS_EMAIL_UNIQUE in message:
            raise Conflict("The email is taken by another user.") from error
        if USERS_USERNAME_UNIQUE in message:
            raise Conflict("The username is taken by another user.") from error
        raise


async def add_user(*, session: AsyncSession, user: UserRow) -> UserRow:
    session.add(user)
    await flush_user(session=session)
    return user


# Built once: building the statement on every call cost a tenth of a GET's CPU.
_USER_BY_ID = select(UserRow).where(UserRow.id == bindparam("user_id"))
_USER_BY_ID_FOR_UPDATE = _USER_BY_ID.with_for_update()


async def get_user(*, session: AsyncSession, user_id: int, for_update: bool = False) -> UserRow | None:
    statement = _USER_BY_ID_FOR_UPDATE if for_update else _USER_BY_ID
    result: UserRow | None = await session.scalar(statement, {"user_id": user_id})
    return result


async def get_user_by_username(*, session: AsyncSession, username: str) -> UserRow | None:
    result: UserRow | None = await session.scalar(select(UserRow).where(UserRow.username == username))
    return result


def _conditions(user_filter: UserFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if user_filter.role is not None:
        conditions.append(UserRow.role == user_filter.role)
    if user_filter.is_active is not None:
        conditions.append(UserRow.is_active == user_filter.is_active)
    if user_filter.search is not None:
        pattern = like_pattern(user_filter.search)
        conditions.append(
            or_(UserRow.username.ilike(pattern, escape="\\"), UserRow.email.ilike(pattern, escape="\\"))
        )
    return conditions


async def list_users(
    *, session: AsyncSession, user_filter: UserFilter, limit: int, offset: int
) -> tuple[Sequence[UserRow], int]:
    """One page ordered by id, and how many users match on all pages."""
    conditions = _conditions(user_filter)
    page = select(UserRow).where(*conditions).order_by(UserRow.id).limit(limit).offset(offset)
    rows = (await session.scalars(page)).all()
    total = await session.scalar(select(func.count()).select_from(UserRow).where(*conditions))
    return rows, int(total or 0)


async def delete_user(*, session: AsyncSession, user: UserRow) -> None:
    await session.delete(user)
    await session.flush()


async def count_users(*, session: AsyncSession) -> UserCounts:
    statement = select(
        func.count(),
        func.count().filter(UserRow.is_active),
        func.count().filter(UserRow.role == "admin"),
    ).select_from(UserRow)
    total, active, admins = (await session.execute(statement)).one()
    return UserCounts(total=int(total), active=int(active), admins=int(admins))
