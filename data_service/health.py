"""Readiness: the database answers and its schema is at the migrations' head."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from data_service.migrate import script_head


async def readiness_checks(*, engine: AsyncEngine) -> dict[str, bool]:
    checks = {"database": False, "migrations": False}
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            checks["database"] = True
            version = await connection.scalar(text("SELECT version_num FROM alembic_version"))
            checks["migrations"] = version == script_head()
    except (OSError, TimeoutError, SQLAlchemyError):
        pass
    return checks
