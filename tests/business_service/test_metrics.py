"""`/metrics` of the business service: cache hits and misses, data-client retries, requests."""

from __future__ import annotations

from fastapi import FastAPI

from tests.business_service.conftest import (
    Business,
    BusinessFactory,
    admin_token,
    bearer,
    business_settings,
    register,
    running,
)
from tests.business_service.test_resilience import SwitchableTransport
from tests.metrics import Samples, scrape


def cache(samples: Samples, result: str) -> float:
    return samples[("cache_lookups_total", (("result", result),))]


async def test_cache_hits_and_misses_are_counted(business: Business) -> None:
    client = business.client
    user = await register(client, "hana")
    headers = bearer(await admin_token(client))
    assert (await client.get("/users/me", headers=headers)).status_code == 200  # the caller is cached
    before = await scrape(client)
    for _ in range(3):
        assert (await client.get(f"/users/{user['id']}", headers=headers)).status_code == 200
    after = await scrape(client)
    assert cache(after, "miss") - cache(before, "miss") == 1
    # Hits on the near cache (in process) or on Redis, depending on where the cache runs.
    hits = cache(after, "hit") + cache(after, "near_hit") - cache(before, "hit") - cache(before, "near_hit")
    assert hits >= 2
    route = (("method", "GET"), ("route", "/users/{user_id}"), ("service", "business"), ("status", "200"))
    assert after[("http_requests_total", route)] - before.get(("http_requests_total", route), 0) == 3


async def test_data_client_retries_are_counted(data_app: FastAPI, clean: None) -> None:
    transport = SwitchableTransport(data_app)
    settings = business_settings(redis_url=None, data_retry_attempts=3)
    async with running(settings, data_transport=transport) as business:
        user = await register(business.client, "ines")
        headers = bearer(await admin_token(business.client))
        assert (await business.client.get("/users/me", headers=headers)).status_code == 200
        before = await scrape(business.client)
        transport.down = True
        outage = await business.client.get(f"/users/{user['id']}", headers=headers)
        assert outage.status_code == 503
        transport.down = False
        after = await scrape(business.client)
    key = ("data_client_retries_total", (("operation", "get_user"),))
    assert after[key] - before.get(key, 0) == 2  # three attempts: two of them retries


async def test_relay_publications_and_lag_are_exported(
    make_business: BusinessFactory, rabbitmq_url: str
) -> None:
    async with make_business(rabbitmq_url=rabbitmq_url, relay_interval_seconds=30) as business:
        relay = business.resources.relay
        assert relay is not None
        await relay.run_until_drained()  # the first admin's event
        before = await scrape(business.client)
        await register(business.client, "lena")
        await register(business.client, "mira")
        assert await relay.run_until_drained() == 2
        after = await scrape(business.client)
    published = ("outbox_relay_published_events_total", ())
    assert after[published] - before[published] == 2
    lags = ("outbox_relay_lag_seconds_count", ())
    assert after[lags] - before[lags] == 2
    assert after[("outbox_relay_lag_seconds_sum", ())] > before[("outbox_relay_lag_seconds_sum", ())]
