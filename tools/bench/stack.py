"""What the bench runs on: a database of its own with seeded users, and servers under uvicorn."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
from redis.asyncio import Redis

from business_service.cache import user_key
from tools.uvicorn_server import Server, uvicorn_server

# Variables of the machine that would change what the servers do; the bench sets its own.
_CLEARED = (
    "DATABASE_URL",
    "REDIS_URL",
    "RABBITMQ_URL",
    "ADMIN_USERNAME",
    "ADMIN_EMAIL",
    "ADMIN_PASSWORD",
    "CACHE_TTL_SECONDS",
    # Tracing: off unless a case sets it (the traced cases).
    "OTEL_SDK_DISABLED",
    "OTEL_SERVICE_NAME",
    "OTEL_TRACES_EXPORTER",
    "OTEL_TRACES_SAMPLER",
    "OTEL_TRACES_SAMPLER_ARG",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
)


@dataclass(frozen=True, slots=True)
class SeededUser:
    id: int
    username: str
    role: str


def _libpq(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def create_database(server_url: str) -> str:
    """A new, empty database next to the one `server_url` names; returns its URL."""
    name = f"bench_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(_libpq(server_url), timeout=5)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return urlsplit(server_url)._replace(path=f"/{name}").geturl()


async def drop_database(server_url: str, database_url: str) -> None:
    name = urlsplit(database_url).path.lstrip("/")
    connection = await asyncpg.connect(_libpq(server_url), timeout=5)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def seed_users(database_url: str, *, count: int, hashed_password: str) -> list[SeededUser]:
    """`count` users `bench_<n>` and one admin `bench_admin`, all with the same password hash.

    Plain SQL in one statement: going through the API would hash 10,000 passwords.
    """
    connection = await asyncpg.connect(_libpq(database_url), timeout=5)
    try:
        rows = await connection.fetch(
            """
            INSERT INTO users (email, username, hashed_password, full_name, role)
            SELECT 'bench' || n || '@example.com', 'bench_' || n, $1, 'Bench User ' || n, 'user'
            FROM generate_series(1, $2::int) AS n
            UNION ALL
            SELECT 'bench-admin@example.com', 'bench_admin', $1, 'Bench Admin', 'admin'
            RETURNING id, username, role
            """,
            hashed_password,
            count,
        )
        await connection.execute("ANALYZE users")
    finally:
        await connection.close()
    return [SeededUser(id=row["id"], username=row["username"], role=row["role"]) for row in rows]


async def forget_cached_users(redis_url: str, user_ids: Sequence[int]) -> None:
    """Delete the business cache's entries of these users (the ids repeat from run to run)."""
    redis = Redis.from_url(redis_url)
    try:
        for start in range(0, len(user_ids), 1000):
            await redis.delete(*(user_key(user_id) for user_id in user_ids[start : start + 1000]))
    finally:
        await redis.aclose()


async def count_cached_users(redis_url: str, user_ids: Sequence[int]) -> int:
    redis = Redis.from_url(redis_url)
    try:
        found = 0
        for start in range(0, len(user_ids), 1000):
            found += await redis.exists(*(user_key(user_id) for user_id in user_ids[start : start + 1000]))
    finally:
        await redis.aclose()
    return found


@contextmanager
def serve(name: str, factory: str, env: Mapping[str, str], *, logs: Path) -> Iterator[Server]:
    """`uvicorn <factory> --factory` on uvloop and httptools, one worker, no access log.

    The server is started, not awaited (see `wait_ready`), so several can boot at once;
    it is stopped when the block ends.
    """
    child_env = {key: value for key, value in os.environ.items() if key not in _CLEARED}
    child_env.update({"LOG_FORMAT": "json", "LOG_LEVEL": "WARNING", **env})
    args = ["--loop", "uvloop", "--http", "httptools", "--log-level", "warning"]
    args += ["--timeout-graceful-shutdown", "3"]
    with uvicorn_server(
        name, factory, env=child_env, log=logs / f"bench-{name}.log", args=args, stop_timeout=10
    ) as server:
        yield server
