"""The data service in-process against the session's migrated database, emptied before each test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from data_service.app import create_app
from data_service.settings import DataSettings
from tests.infra import user_body

TOKEN = "test-service-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def settings_for(database_url: str, **overrides: Any) -> DataSettings:
    return DataSettings(database_url=database_url, service_token=TOKEN, **overrides)


@pytest.fixture(scope="session")
async def data_app(migrated_database_url: str) -> AsyncIterator[FastAPI]:
    app = create_app(settings_for(migrated_database_url))
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
def engine(data_app: FastAPI) -> AsyncEngine:
    engine: AsyncEngine = data_app.state.database.engine
    return engine


@pytest.fixture
async def client(data_app: FastAPI, engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    """A client with the service token, on empty tables."""
    async with engine.begin() as connection:
        await connection.execute(text("TRUNCATE users, outbox RESTART IDENTITY"))
    transport = httpx.ASGITransport(app=data_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://data", headers=AUTH) as client:
        yield client


async def make_user(client: httpx.AsyncClient, name: str = "ada", **overrides: Any) -> dict[str, Any]:
    response = await client.post("/users", json=user_body(name, **overrides))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def outbox_rows(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as connection:
        result = await connection.execute(text("SELECT * FROM outbox ORDER BY sequence"))
        return [dict(row) for row in result.mappings()]
