"""`/metrics`: request counts by route template, and the outbox backlog from PostgreSQL."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.data_service.conftest import make_user
from tests.metrics import Samples
from tests.metrics import scrape as scrape_client


async def scrape(app: FastAPI) -> Samples:
    """As an anonymous caller (no token) sees it."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://data") as anonymous:
        return await scrape_client(anonymous)


def requests_of(samples: Samples, route: str, status: str) -> float:
    return samples.get(
        (
            "http_requests_total",
            (("method", "GET"), ("route", route), ("service", "data"), ("status", status)),
        ),
        0.0,
    )


async def test_requests_are_counted_by_route_template(data_app: FastAPI, client: httpx.AsyncClient) -> None:
    before = await scrape(data_app)
    user = await make_user(client)
    assert (await client.get(f"/users/{user['id']}")).status_code == 200
    assert (await client.get("/users/987654")).status_code == 404
    assert (await client.get("/no/such/path/42")).status_code == 404
    after = await scrape(data_app)
    assert requests_of(after, "/users/{user_id}", "200") == requests_of(before, "/users/{user_id}", "200") + 1
    assert requests_of(after, "/users/{user_id}", "404") == requests_of(before, "/users/{user_id}", "404") + 1
    # A path no route knows is one label, so random paths cannot grow the metrics without bound.
    assert requests_of(after, "<unmatched>", "404") == requests_of(before, "<unmatched>", "404") + 1
    assert not any("/no/such" in str(labels) for _, labels in after)
    # Nor can made-up methods.
    assert (await client.request("BREW", f"/users/{user['id']}")).status_code == 405
    assert not any("BREW" in str(labels) for _, labels in await scrape(data_app))
    duration = (("method", "GET"), ("route", "/users/{user_id}"), ("service", "data"))
    assert ("http_request_duration_seconds_count", duration) in after


async def test_outbox_backlog_is_exported(data_app: FastAPI, client: httpx.AsyncClient) -> None:
    await make_user(client, "ada")
    await make_user(client, "bob")
    samples = await scrape(data_app)
    stats = (await client.get("/outbox/stats")).json()
    assert samples[("outbox_pending_events", ())] == stats["pending"] >= 2
    assert samples[("outbox_oldest_pending_age_seconds", ())] >= 0
