"""The transactional outbox: events written with the change, claimed with leases, acknowledged."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from contract_models.data import OutboxBatch
from contract_models.events import UserCreatedEvent, UserDeletedEvent, UserUpdatedEvent
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.data_service.conftest import make_user, outbox_rows


async def claim(client: httpx.AsyncClient, relay: str, **extra: Any) -> list[dict[str, Any]]:
    response = await client.post("/outbox/claim", json={"relay_id": relay, **extra})
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = OutboxBatch.model_validate(response.json()).model_dump(mode="json")[
        "events"
    ]
    return events


async def ack(client: httpx.AsyncClient, relay: str, events: list[dict[str, Any]]) -> int:
    ids = [e["event_id"] for e in events]
    response = await client.post("/outbox/ack", json={"relay_id": relay, "event_ids": ids})
    assert response.status_code == 200, response.text
    count: int = response.json()["acknowledged"]
    return count


async def test_each_change_writes_a_contract_event(client: httpx.AsyncClient) -> None:
    user = await make_user(client, "ada")
    await client.patch(f"/users/{user['id']}", json={"version": 1, "is_active": False})
    await client.delete(f"/users/{user['id']}")
    events = await claim(client, "relay-1")
    assert [e["event_type"] for e in events] == ["user.created", "user.updated", "user.deleted"]
    created = UserCreatedEvent.model_validate(events[0]["payload"])
    updated = UserUpdatedEvent.model_validate(events[1]["payload"])
    deleted = UserDeletedEvent.model_validate(events[2]["payload"])
    assert created.user.id == updated.user.id == deleted.user.id == user["id"]
    assert updated.changed == ["is_active"]
    assert deleted.user.version == 2
    for event in events:
        assert event["payload"]["event_id"] == event["event_id"]
        assert event["user_id"] == user["id"]
        assert "hashed_password" not in event["payload"]["user"]
    sequences = [e["sequence"] for e in events]
    assert sequences == sorted(sequences)


async def test_event_carries_the_request_id(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/users",
        json={"email": "r@example.com", "username": "rid", "hashed_password": "$h"},
        headers={"X-Request-ID": "req-123"},
    )
    assert response.status_code == 201
    (event,) = await claim(client, "relay-1")
    assert event["request_id"] == "req-123"
    assert event["payload"]["request_id"] == "req-123"


async def test_failed_change_writes_no_event(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    user = await make_user(client, "ada")
    await make_user(client, "bob")
    assert (
        await client.post(
            "/users", json={"email": "ADA@example.com", "username": "x1y", "hashed_password": "$h"}
        )
    ).status_code == 409
    assert (
        await client.patch(f"/users/{user['id']}", json={"version": 7, "full_name": "x"})
    ).status_code == 412
    assert (
        await client.patch(f"/users/{user['id']}", json={"version": 1, "username": "bob"})
    ).status_code == 409
    assert len(await outbox_rows(engine)) == 2


async def test_claim_leases_and_ack_only_by_holder(client: httpx.AsyncClient) -> None:
    await make_user(client, "ada")
    await make_user(client, "bob")
    first = await claim(client, "relay-1")
    assert len(first) == 2
    assert await claim(client, "relay-2") == []
    assert await ack(client, "relay-2", first) == 0
    assert await ack(client, "relay-1", first) == 2
    assert await ack(client, "relay-1", first) == 0
    assert await claim(client, "relay-1") == []
    stats = (await client.get("/outbox/stats")).json()
    assert stats == {"pending": 0, "oldest_pending_age_seconds": 0}


async def test_ack_ignores_unknown_ids(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/outbox/ack",
        json={"relay_id": "r", "event_ids": ["00000000-0000-0000-0000-000000000000"]},
    )
    assert response.json() == {"acknowledged": 0}


async def test_expired_lease_is_handed_out_again(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    await make_user(client, "ada")
    (event,) = await claim(client, "relay-1", lease_seconds=1)
    async with engine.begin() as connection:
        await connection.execute(text("UPDATE outbox SET lease_expires_at = now() - interval '1 second'"))
    (again,) = await claim(client, "relay-2")
    assert again["event_id"] == event["event_id"]
    assert await ack(client, "relay-1", [event]) == 0
    assert await ack(client, "relay-2", [again]) == 1


async def test_per_user_order_holds_back_later_events(client: httpx.AsyncClient) -> None:
    ada = await make_user(client, "ada")
    bob = await make_user(client, "bob")
    await client.patch(f"/users/{ada['id']}", json={"version": 1, "full_name": "A"})
    # Events: ada.created, bob.created, ada.updated.
    first = await claim(client, "relay-1", limit=1)
    assert [(e["user_id"], e["event_type"]) for e in first] == [(ada["id"], "user.created")]
    # ada's update waits while her creation is leased to relay-1; bob's creation does not.
    second = await claim(client, "relay-2")
    assert [(e["user_id"], e["event_type"]) for e in second] == [(bob["id"], "user.created")]
    assert await claim(client, "relay-1") == []
    assert await ack(client, "relay-1", first) == 1
    third = await claim(client, "relay-2")
    assert [(e["user_id"], e["event_type"]) for e in third] == [(ada["id"], "user.updated")]


async def test_one_batch_keeps_a_users_events_in_order(client: httpx.AsyncClient) -> None:
    ada = await make_user(client, "ada")
    for version in range(1, 4):
        await client.patch(f"/users/{ada['id']}", json={"version": version, "full_name": f"v{version}"})
    events = await claim(client, "relay-1")
    assert [e["payload"]["user"]["version"] for e in events] == [1, 2, 3, 4]


async def test_concurrent_relays_never_share_events(client: httpx.AsyncClient) -> None:
    for i in range(30):
        await make_user(client, f"user{i}")
    batches = await asyncio.gather(*(claim(client, f"relay-{i}", limit=7) for i in range(6)))
    ids = [e["event_id"] for batch in batches for e in batch]
    assert len(ids) == len(set(ids))
    assert len(ids) == 30


async def test_stats_count_pending_and_age(client: httpx.AsyncClient, engine: AsyncEngine) -> None:
    await make_user(client, "ada")
    await make_user(client, "bob")
    async with engine.begin() as connection:
        await connection.execute(text("UPDATE outbox SET occurred_at = now() - interval '60 seconds'"))
    stats = (await client.get("/outbox/stats")).json()
    assert stats["pending"] == 2
    assert 59 <= stats["oldest_pending_age_seconds"] < 120


async def test_claim_and_ack_validation(client: httpx.AsyncClient) -> None:
    for body in (
        {},
        {"relay_id": ""},
        {"relay_id": "a b"},
        {"relay_id": "r", "limit": 0},
        {"relay_id": "r", "limit": 501},
        {"relay_id": "r", "lease_seconds": 3601},
        {"relay_id": "r", "extra": 1},
    ):
        assert (await client.post("/outbox/claim", json=body)).status_code == 422, body
    ack_bodies: tuple[dict[str, object], ...] = (
        {"relay_id": "r", "event_ids": []},
        {"relay_id": "r", "event_ids": ["nope"]},
        {"relay_id": "r", "event_ids": ["00000000-0000-0000-0000-000000000000"] * 501},
    )
    for ack_body in ack_bodies:
        assert (await client.post("/outbox/ack", json=ack_body)).status_code == 422, ack_body
