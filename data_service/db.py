"""The one async engine, the two ways routes use it, and which errors mean "unreachable"."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

import asyncpg
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util import greenlet_spawn

from data_service.settings import DataSettings
from service_kit.errors import DomainError, ServiceUnavailable

RETRY_AFTER_SECONDS = 2

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
    engine = create_async_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        connect_args={
            "timeout": settings.db_connect_timeout,
            "command_timeout": settings.db_command_timeout,
        },
    )
    event.listen(engine.sync_engine, "checkout", _refuse_closed)
    return engine


def _refuse_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A pooled connection the server has closed (a restart, say: asyncpg saw the socket
    end) is replaced at checkout instead of failing its request. It costs no round trip.
    Reads by key run on the driver, past the SQLAlchemy layer that would otherwise discard
    the pool on the first dead connection; this finds the others."""
    if dbapi_connection.driver_connection.is_closed():
        raise sa_exc.DisconnectionError("the server closed this pooled connection")


class Database:
    """The process's engine, opened by each route as a read or as a transaction.

    A route opens its own unit of work (`async with db.reading()`), rather than receiving
    one from a generator dependency: FastAPI wraps such a dependency anew on every request
    (a context manager, an exit stack, a shielded cancel scope), which cost 7% of a GET's
    CPU. Either way an unreachable database becomes a 503 here, wherever it shows.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncConnection]:
        """A connection in autocommit, for Core reads: no BEGIN and COMMIT, two round trips
        fewer. Nothing is lost: under PostgreSQL's READ COMMITTED each statement sees its
        own snapshot, in a transaction or not."""
        async with database_errors_as_503(), self.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            yield connection

    @asynccontextmanager
    async def driver(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection's asyncpg connection itself, for reads by key
        (`repository.fetch_one`): asyncpg prepares each statement once per connection and
        keeps it, and a one-row read has no use for SQLAlchemy's connection, execution and
        result layers, which cost as much as the rest of a GET.

        The connection is checked out of the engine's one pool and returned to it; nothing
        here starts a transaction, so returning it (its reset is a rollback) sends nothing.
        A connection that failed as unreachable is invalidated rather than pooled again.
        """
        async with database_errors_as_503():
            pooled = await self.engine.raw_connection()
            try:
                yield cast(asyncpg.Connection, pooled.driver_connection)
            except Exception as error:
                if is_unavailable(error):
                    await greenlet_spawn(pooled.invalidate, error)
                raise
            finally:
                # Returning may close an invalidated or recycled connection: a driver call.
                await greenlet_spawn(pooled.close)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """An ORM session in one transaction: committed when the block ends normally, so a
        failed commit is the route's answer; rolled back when it raises."""
        async with database_errors_as_503(), self._sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()


@asynccontextmanager
async def database_errors_as_503() -> AsyncIterator[None]:
    """An unreachable database, wherever it shows (connect, statement, commit), becomes 503."""
    try:
        yield
    except DomainError:
        raise
    except Exception as error:
        if is_unavailable(error):
            raise ServiceUnavailable(
                "The database does not answer; try again later.", retry_after=RETRY_AFTER_SECONDS
            ) from error
        raise


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
