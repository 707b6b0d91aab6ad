"""SQL for the users table.

Reads are Core statements on a connection and return plain rows: a read has no use for the
ORM's identity map and change tracking, which cost a third of a GET's CPU under
`make bench`. A read by key goes further: its statement is compiled once for asyncpg and
runs on the pooled connection's driver (`fetch_one`), past SQLAlchemy's execution and
result layers, which cost as much again. Writes go through the ORM session; they only
flush, the route's `db.transaction()` commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from asyncpg import Connection as DriverConnection
from pydantic import BaseModel
from sqlalchemy import BigInteger, ColumnElement, RowMapping, Select, any_, bindparam, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

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


_USERS = UserRow.__table__.c


def columns_of(model: type[BaseModel]) -> Select[Any]:
    """A select of the users columns that `model` has fields for, so that a row validates
    as `model` as it is, and a column the contract does not show is never even read."""
    return select(*(_USERS[name] for name in model.model_fields))


@dataclass(frozen=True, slots=True)
class KeyRead:
    """A select by key compiled once for asyncpg: its SQL, and its parameters' names in order."""

    sql: str
    params: tuple[str, ...]

    @classmethod
    def of(cls, statement: Select[Any]) -> KeyRead:
        compiled = statement.compile(dialect=PGDialect_asyncpg())  # type: ignore[no-untyped-call]  # its __init__ is unannotated
        return cls(sql=compiled.string, params=tuple(compiled.positiontup or ()))


def by_id(statement: Select[Any]) -> KeyRead:
    return KeyRead.of(statement.where(_USERS.id == bindparam("user_id")))


def by_username(statement: Select[Any]) -> KeyRead:
    return KeyRead.of(statement.where(_USERS.username == bindparam("username")))


def by_ids(statement: Select[Any]) -> KeyRead:
    """Many ids in one query: `id = ANY($1)` takes the list as one array parameter, so the
    statement (and asyncpg's prepared copy of it) is the same whatever the number of ids."""
    return KeyRead.of(statement.where(_USERS.id == any_(bindparam("ids", type_=ARRAY(BigInteger)))))


async def fetch_all(*, driver: DriverConnection, read: KeyRead, **params: object) -> list[Mapping[str, Any]]:
    """Every row `read` finds, on the route's `db.driver()`."""
    return [dict(record) for record in await driver.fetch(read.sql, *(params[name] for name in read.params))]


async def fetch_one(*, driver: DriverConnection, read: KeyRead, **params: object) -> Mapping[str, Any] | None:
    """The one row `read` finds, if any, on the route's `db.driver()`."""
    record = await driver.fetchrow(read.sql, *(params[name] for name in read.params))
    return None if record is None else dict(record)


# Built once: building the statement on every call cost a tenth of a GET's CPU.
_USER_FOR_UPDATE = select(UserRow).where(UserRow.id == bindparam("user_id")).with_for_update()


async def lock_user(*, session: AsyncSession, user_id: int) -> UserRow | None:
    """The user, locked until the transaction ends, to be changed or deleted."""
    result: UserRow | None = await session.scalar(_USER_FOR_UPDATE, {"user_id": user_id})
    return result


def _conditions(user_filter: UserFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if user_filter.role is not None:
        conditions.append(_USERS.role == user_filter.role)
    if user_filter.is_active is not None:
        conditions.append(_USERS.is_active == user_filter.is_active)
    if user_filter.search is not None:
        pattern = like_pattern(user_filter.search)
        conditions.append(
            or_(_USERS.username.ilike(pattern, escape="\\"), _USERS.email.ilike(pattern, escape="\\"))
        )
    return conditions


async def list_users(
    *, connection: AsyncConnection, columns: Select[Any], user_filter: UserFilter, limit: int, offset: int
) -> tuple[Sequence[RowMapping], int]:
    """One page of `columns` ordered by id, and how many users match on all pages."""
    conditions = _conditions(user_filter)
    page = columns.where(*conditions).order_by(_USERS.id).limit(limit).offset(offset)
    rows = (await connection.execute(page)).mappings().all()
    total = await connection.scalar(select(func.count()).select_from(UserRow.__table__).where(*conditions))
    return rows, int(total or 0)


async def delete_user(*, session: AsyncSession, user: UserRow) -> None:
    await session.delete(user)
    await session.flush()


async def count_users(*, connection: AsyncConnection) -> UserCounts:
    statement = select(
        func.count(),
        func.count().filter(_USERS.is_active),
        func.count().filter(_USERS.role == "admin"),
    ).select_from(UserRow.__table__)
    total, active, admins = (await connection.execute(statement)).one()
    return UserCounts(total=int(total), active=int(active), admins=int(admins))
