"""The per-caller rate limit, across two business processes sharing Redis."""

from __future__ import annotations

from tests.faults.conftest import assert_problem, bearer, register, two_business_processes
from tests.live import LiveService

LIMIT = 10


async def test_a_caller_over_the_limit_gets_429_from_every_process(
    live_data: LiveService, database: str, faults_redis_url: str
) -> None:
    env = {"REDIS_URL": faults_redis_url, "RATE_LIMIT_PER_MINUTE": str(LIMIT)}
    async with two_business_processes(live_data.url, **env) as (one, two):
        await register(one, "ann")
        await register(one, "bob")
        ann, bob = await bearer(two, "ann"), await bearer(two, "bob")
        # One limit for ann, whichever process she reaches.
        for turn in range(LIMIT):
            response = await (one if turn % 2 else two).get("/users/me", headers=ann)
            assert response.status_code == 200, (turn, response.text)
        for client in (one, two):
            limited = await client.get("/users/me", headers=ann)
            assert_problem(limited, 429)
            retry_after = int(limited.headers["Retry-After"])
            assert 1 <= retry_after <= 60
            assert limited.headers["RateLimit-Policy"] == f'"caller";q={LIMIT};w=60'
            assert limited.headers["RateLimit"] == f'"caller";r=0;t={retry_after}'
        # Another caller is not limited, nor are the probes.
        assert (await one.get("/users/me", headers=bob)).status_code == 200
        for client in (one, two):
            assert (await client.get("/ready")).status_code == 200
            assert (await client.get("/metrics")).status_code == 200
