"""Alembic migrations: up, down, up again, and no drift between them and the ORM models."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import create_async_engine

from data_service.migrate import downgrade_to, script_head, upgrade_to_head
from data_service.models import Base
from tests import infra


@pytest.fixture
async def fresh_database(postgres_server_url: str) -> AsyncIterator[str]:
    url = await infra.create_database(postgres_server_url, prefix="mig")
    yield url
    await infra.drop_database(postgres_server_url, url)


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            )
            return {row[0] for row in result}
    finally:
        await engine.dispose()


async def test_upgrade_downgrade_upgrade(fresh_database: str) -> None:
    await upgrade_to_head(fresh_database)
    assert {"users", "outbox", "alembic_version"} <= await _tables(fresh_database)
    await upgrade_to_head(fresh_database)  # idempotent
    await downgrade_to(fresh_database, "base")
    assert await _tables(fresh_database) <= {"alembic_version"}
    await upgrade_to_head(fresh_database)
    assert {"users", "outbox"} <= await _tables(fresh_database)


async def test_models_match_migrations(migrated_database_url: str) -> None:
    engine = create_async_engine(migrated_database_url)

    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(diff) == []
            version = await connection.scalar(text("SELECT version_num FROM alembic_version"))
            assert version == script_head()
    finally:
        await engine.dispose()
