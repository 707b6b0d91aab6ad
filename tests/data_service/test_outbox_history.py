"""The published history (`POST /outbox/history`) and retention: pages, refusals, pruning."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from data_service import outbox
from data_service.retention import OutboxPruner
from tests.data_service.conftest import make_user, outbox_rows


async def _publish_all(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    """Claim and acknowledge every pending event, as the relay does; returns them in order."""
    claimed = await client.post("/outbox/claim", json={"relay_id": "relay-h", "limit": 500})
    events: list[dict[str, Any]] = claimed.json()["events"]
    ids = [e["event_id"] for e in events]
    acked = await client.post("/outbox/ack", json={"relay_id": "relay-h", "event_ids": ids})
    assert acked.json()["acknowledged"] == len(ids)
    return events


async def _history(client: httpx.AsyncClient, **query: Any) -> dict[str, Any]:
    response = await client.post("/outbox/history", json=query)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


async def _age(engine: AsyncEngine, days: float, *, where: str) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            text(f"UPDATE outbox SET occurred_at = now() - make_interval(secs => :s) WHERE {where}"),
            {"s": days * 86400},
        )


async def test_history_pages_published_events_in_order_by_keyset_and_filters(
    client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    ada, bob = await make_user(client, "ada"), await make_user(client, "bob")
    await client.patch(f"/users/{ada['id']}", json={"version": 1, "full_name": "Ada"})
    published = await _publish_all(client)
    await client.patch(f"/users/{bob['id']}", json={"version": 1, "full_name": "Bob"})  # stays pending
    ids = [e["event_id"] for e in published]

    first = await _history(client, limit=2)
    assert [e["event_id"] for e in first["events"]] == ids[:2]
    assert first["has_more"] is True
    rest = await _history(client, limit=2, after_event_id=ids[1])
    assert [e["event_id"] for e in rest["events"]] == ids[2:]  # the pending event is not history
    assert rest["has_more"] is False

    of_ada = await _history(client, user_id=ada["id"])
    assert [e["event_type"] for e in of_ada["events"]] == ["user.created", "user.updated"]

    # A time range: bob's creation is made two days old, the rest stays now.
    await _age(engine, 2, where=f"event_id = '{ids[1]}'")
    now = datetime.now(UTC)
    older = await _history(
        client, since=(now - timedelta(days=3)).isoformat(), until=(now - timedelta(days=1)).isoformat()
    )
    assert [e["event_id"] for e in older["events"]] == [ids[1]]
    horizon = datetime.fromisoformat(older["retention_horizon"])
    assert abs((now - horizon) - timedelta(days=30)) < timedelta(minutes=1)


async def test_history_refuses_ranges_before_retention_and_unknown_events(client: httpx.AsyncClient) -> None:
    long_ago = (datetime.now(UTC) - timedelta(days=31)).isoformat()
    for query in ({"since": long_ago}, {"until": long_ago}):
        gone = await client.post("/outbox/history", json=query)
        assert gone.status_code == 410, gone.text
        assert gone.headers["content-type"] == "application/problem+json"
        assert "pruned" in gone.json()["detail"]
        assert "EVENT_RETENTION_DAYS=30" in gone.json()["detail"]
    unknown = await client.post("/outbox/history", json={"after_event_id": str(uuid.uuid4())})
    assert unknown.status_code == 404
    # Times far outside what has a UTC form are refused or bounded, never a 500.
    extreme = await client.post("/outbox/history", json={"since": "9999-12-31T23:59:59-23:59"})
    assert extreme.status_code == 200


async def test_pruning_deletes_only_published_events_past_retention_in_batches(
    client: httpx.AsyncClient, data_app: FastAPI, engine: AsyncEngine
) -> None:
    for name in ("ada", "bob", "cyd", "dee", "eve"):
        await make_user(client, name)
    await _publish_all(client)
    await make_user(client, "fay")  # pending
    await make_user(client, "gus")  # pending, made recent below
    await _age(engine, 40, where="true")
    await _age(engine, 1, where="payload->'user'->>'username' IN ('eve', 'gus')")

    async with data_app.state.database.transaction() as session:
        # One batch deletes at most its size.
        assert await outbox.prune(session=session, retention_days=30, batch_size=2) == 2
    # Two pruners at once (two processes): SKIP LOCKED splits the rows, nothing is deleted
    # twice and neither waits for the other.
    pruners = [
        OutboxPruner(database=data_app.state.database, retention_days=30, batch_size=1, interval_seconds=60)
        for _ in range(2)
    ]
    counts = await asyncio.gather(*(p.run_once() for p in pruners))
    assert sum(counts) == 2

    left = {
        (r["payload"]["user"]["username"], r["published_at"] is not None) for r in await outbox_rows(engine)
    }
    assert left == {("eve", True), ("fay", False), ("gus", False)}
