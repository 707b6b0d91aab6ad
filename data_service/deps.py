"""The dependencies routes declare, as `Annotated` aliases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from data_service.db import is_unavailable
from data_service.settings import DataSettings
from service_kit.errors import DomainError, ServiceUnavailable

RETRY_AFTER_SECONDS = 2


def get_settings(request: Request) -> DataSettings:
    settings: DataSettings = request.app.state.settings
    return settings


def get_engine(request: Request) -> AsyncEngine:
    engine: AsyncEngine = request.app.state.engine
    return engine


@asynccontextmanager
async def _database_errors_as_503() -> AsyncIterator[None]:
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


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed when the route succeeds, rolled back otherwise."""
    factory: async_sessionmaker[AsyncSession] = request.app.state.session_factory
    async with factory() as session, _database_errors_as_503():
        try:
            yield session
            await session.commit()
        except DomainError:
            await session.rollback()
            raise


async def get_read_connection(request: Request) -> AsyncIterator[AsyncConnection]:
    """A connection for a GET, in autocommit: no BEGIN and COMMIT, two round trips fewer.

    Nothing is lost: under PostgreSQL's READ COMMITTED every statement sees its own
    snapshot, in a transaction or not. Reads need no ORM session either (see repository).
    """
    engine: AsyncEngine = request.app.state.engine
    async with _database_errors_as_503(), engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        yield connection


SettingsDep = Annotated[DataSettings, Depends(get_settings)]
EngineDep = Annotated[AsyncEngine, Depends(get_engine)]
# scope="function": the transaction ends before the response is sent, so a failed commit is reported.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
ReadConnectionDep = Annotated[AsyncConnection, Depends(get_read_connection, scope="function")]
