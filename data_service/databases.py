"""Whole databases on a PostgreSQL server: made and dropped for scratch work (a migration's
autogenerate, a test session), never for the service's own data."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import asyncpg


def libpq(url: str) -> str:
    """SQLAlchemy's `postgresql+asyncpg://` URL as asyncpg itself takes it."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def create_database(server_url: str, prefix: str = "t") -> str:
    """A new, empty database on the server of `server_url`; returns its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(libpq(server_url))
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    parts = urlsplit(server_url)
    return parts._replace(path=f"/{name}").geturl()


async def drop_database(server_url: str, database_url: str) -> None:
    name = urlsplit(database_url).path.lstrip("/")
    connection = await asyncpg.connect(libpq(server_url))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()
