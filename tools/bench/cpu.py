"""CPU per request of the business service's reads, measured in process: steady on a busy machine.

    .venv/bin/python -m tools.bench.cpu [--requests 2000] [--runs 5]

wrk's req/s move with whatever else the machine runs; CPU time per request does not (much).
This builds the business app in this process, on a data service under uvicorn and a Redis
database of its own (`--redis-url`, db 9 by default), drives its ASGI callable directly (no
HTTP client in the way) with `GET /users/{id}` as each user itself, and divides this
process's `time.process_time` by the requests; for the cache miss also the data service's
CPU (from /proc). The variants run interleaved, `--runs` times; the medians are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import MutableMapping, Sequence
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import uvloop
from fastapi import FastAPI
from redis.asyncio import Redis

from business_service.app import create_app
from business_service.security import issue_token
from business_service.settings import BusinessSettings
from data_service.migrate import upgrade_to_head
from tools.bench import profile, stack
from tools.uvicorn_server import wait_ready

SECRET = "cpu-bench-jwt-secret-0123456789abcdef"  # noqa: S105 - throwaway
TOKEN = "cpu-bench-service-token-0123456789abcdef"  # noqa: S105 - throwaway
Message = MutableMapping[str, Any]


async def call(app: FastAPI, path: str, token: bytes) -> int:
    """One GET through the app's ASGI callable; its status."""
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"business"), (b"authorization", b"Bearer " + token)],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    status = 0

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])

    await app(scope, receive, send)
    return status


CALLGRIND = os.environ.get("CPU_CALLGRIND") == "1"


def _callgrind(*, on: bool) -> None:
    """Under `valgrind --tool=callgrind --instr-atstart=no` (CPU_CALLGRIND=1), count the
    instructions of the measured requests only: a number the machine's load does not move."""
    if CALLGRIND:
        pid = str(os.getpid())
        subprocess.run(["callgrind_control", "-i", "on" if on else "off", pid], check=True)
        if not on:  # one part file per measured run (callgrind.out.<pid>.<n>)
            subprocess.run(["callgrind_control", "-d", pid], check=True)


async def _measure(
    app: FastAPI, users: Sequence[tuple[int, bytes]], requests: int, data_pid: int, *, counted: bool = True
) -> tuple[float, float]:
    """(business, data) CPU microseconds per request."""
    data_before = profile.cpu_seconds(data_pid) or 0.0
    if counted:
        _callgrind(on=True)
    before = time.process_time()
    for number in range(requests):
        user_id, token = users[number % len(users)]
        status = await call(app, f"/users/{user_id}", token)
        # A server yields to the loop at every request's socket I/O; so does this, or the
        # near cache's listener (its heartbeat) would never run between hits.
        await asyncio.sleep(0)
        if status != 200:
            raise RuntimeError(f"GET /users/{user_id} answered {status}")
    spent = time.process_time() - before
    if counted:
        _callgrind(on=False)
    data_spent = (profile.cpu_seconds(data_pid) or 0.0) - data_before
    return 1e6 * spent / requests, 1e6 * data_spent / requests


async def _run(config: argparse.Namespace, database_url: str, data_url: str, data_pid: int) -> None:
    redis = Redis.from_url(config.redis_url)
    await redis.flushdb()  # the ids repeat from run to run
    await redis.aclose()
    seeded = await stack.seed_users(database_url, count=config.users, hashed_password="unused")  # noqa: S106 - no one logs in
    users = [
        (
            user.id,
            issue_token(
                user_id=user.id, role=user.role, secret=SECRET, algorithm="HS256", ttl_seconds=3600
            ).access_token.encode(),
        )
        for user in seeded
        if user.role == "user"
    ]
    base = {
        "data_service_url": data_url,
        "service_token": TOKEN,
        "jwt_secret": SECRET,
        "redis_url": config.redis_url,
        "rate_limit_per_minute": 0,
        "log_level": "WARNING",
        "rabbitmq_url": None,
    }
    variants: dict[str, dict[str, Any]] = {
        "hit, near cache": {"cache_ttl_seconds": 3600, "near_cache": True},
        "hit, Redis only": {"cache_ttl_seconds": 3600, "near_cache": False},
        "miss (no cache)": {"cache_ttl_seconds": 0},
    }
    chosen = {name: changes for name, changes in variants.items() if not config.only or config.only in name}
    async with AsyncExitStack() as running:
        apps: dict[str, FastAPI] = {}
        for name, changes in chosen.items():
            app = create_app(BusinessSettings(**base, **changes))
            await running.enter_async_context(app.router.lifespan_context(app))
            apps[name] = app
        await asyncio.sleep(0.5)  # the near cache's subscription
        for app in apps.values():  # warm: fill the caches, verify every token once
            await _measure(app, users, len(users), data_pid, counted=False)
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in apps}
        for _ in range(config.runs):
            for name, app in apps.items():
                results[name].append(await _measure(app, users, config.requests, data_pid))
    print(f"{'variant':<20} {'business µs/req':>16} {'data µs/req':>12}   (median of {config.runs} runs)")
    for name, samples in results.items():
        business = statistics.median(sample[0] for sample in samples)
        data = statistics.median(sample[1] for sample in samples)
        spread = f"{min(s[0] for s in samples):.0f}-{max(s[0] for s in samples):.0f}"
        print(f"{name:<20} {business:>16.0f} {data:>12.0f}   business range {spread}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench.cpu", description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--only", default="", help="only the variants whose name contains this")
    parser.add_argument("--database-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/9")
    config = parser.parse_args(argv)
    database_url = asyncio.run(stack.create_database(config.database_url))
    try:
        asyncio.run(upgrade_to_head(database_url))
        with tempfile.TemporaryDirectory(prefix="cpu-") as logs:
            env = {"DATABASE_URL": database_url, "SERVICE_TOKEN": TOKEN}
            with stack.serve("data", "data_service.app:create_app", env, logs=Path(logs)) as data:
                wait_ready(data, "/ready")
                uvloop.run(_run(config, database_url, data.url, data.process.pid))  # the servers' loop
    finally:
        asyncio.run(stack.drop_database(config.database_url, database_url))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
