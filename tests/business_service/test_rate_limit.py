"""The per-caller rate limit when Redis is away: counted in the process, not lifted."""

from __future__ import annotations

from tests.business_service.conftest import BusinessFactory, bearer, register, token_for


async def test_the_limit_holds_per_process_while_redis_is_away(make_business: BusinessFactory) -> None:
    async with make_business(rate_limit_per_minute=4, redis_url="redis://127.0.0.1:1/0") as business:
        client = business.client
        await register(client, "ann")  # anonymous: counted by address, not as ann
        headers = bearer(await token_for(client, "ann"))
        statuses = [(await client.get("/users/me", headers=headers)).status_code for _ in range(5)]
        assert statuses == [200, 200, 200, 200, 429]
        assert (await client.get("/health")).status_code == 200


async def test_zero_turns_the_limit_off(make_business: BusinessFactory) -> None:
    async with make_business(rate_limit_per_minute=0) as business:
        client = business.client
        await register(client, "bob")
        headers = bearer(await token_for(client, "bob"))
        for _ in range(3):
            assert (await client.get("/users/me", headers=headers)).status_code == 200
        assert business.resources.limits is None
