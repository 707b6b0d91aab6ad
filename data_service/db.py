"""The one async engine, its session factory, and which database errors mean "unreachable"."""

from __future__ import annotations

import asyncpg
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from data_service.settings import DataSettings

# Errors that say the server or the connection is gone (or too slow), not that the SQL is wrong.
_UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    sa_exc.TimeoutError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.InterfaceError,
)


def make_engine(*, url: str, settings: DataSettings) -> AsyncEngine:
    """The pooled engine.

    No `pool_pre_ping`: it cost a round trip per request, a tenth of a GET's CPU. Without it
    a connection the database dropped is found dead on use instead: that request answers 503
    (the business service retries it), and SQLAlchemy discards the whole pool then, so the
    requests after it connect anew. tests/faults/test_database_outage.py holds this.
    """
    return create_async_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        connect_args={
            "timeout": settings.db_connect_timeout,
            "command_timeout": settings.db_command_timeout,
        },
    )


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def is_unavailable(error: BaseException) -> bool:
    """Whether `error` (or what caused it) means the database cannot be reached right now."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _UNAVAILABLE):
            return True
        if isinstance(current, sa_exc.DBAPIError):
            if current.connection_invalidated or isinstance(
                current, sa_exc.OperationalError | sa_exc.InterfaceError
            ):
                return True
            if isinstance(current.orig, BaseException) and id(current.orig) not in seen:
                current = current.orig
                continue
        current = current.__cause__ or current.__context__
    return False
