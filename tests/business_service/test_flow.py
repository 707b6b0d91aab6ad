"""The main journey, end to end: register, log in, edit, administer; events on the broker."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aio_pika
from data_api_client.models import UserUpdate
from redis.asyncio import Redis

from business_service.cache import user_key
from tests.business_service.conftest import (
    ADMIN,
    EVENTS_EXCHANGE,
    Business,
    BusinessFactory,
    admin_token,
    bearer,
    register,
    token_for,
)


async def test_register_login_and_read_me(business: Business) -> None:
    client = business.client
    user = await register(client, "ada", full_name="Ada Lovelace")
    assert user["role"] == "user"
    assert "password" not in json.dumps(user)
    assert "hashed_password" not in user
    token = await token_for(client, "ada")
    me = await client.get("/users/me", headers=bearer(token))
    assert me.status_code == 200
    assert me.json() == user


async def test_register_sets_location_and_refuses_duplicates(business: Business) -> None:
    client = business.client
    response = await client.post(
        "/auth/register", json={"email": "bob@example.com", "username": "bob", "password": "user-password-1"}
    )
    assert response.status_code == 201
    assert response.headers["Location"] == f"/users/{response.json()['id']}"
    assert response.json()["full_name"] == ""
    again = await client.post(
        "/auth/register", json={"email": "BOB@example.com", "username": "bob2", "password": "user-password-1"}
    )
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"


async def test_update_me_drops_the_cached_user(business: Business, redis_url: str) -> None:
    client = business.client
    user = await register(client, "carl")
    headers = bearer(await token_for(client, "carl"))
    assert (await client.get("/users/me", headers=headers)).status_code == 200
    redis = Redis.from_url(redis_url)
    try:
        assert await redis.exists(user_key(user["id"])) == 1
        changed = await client.patch("/users/me", headers=headers, json={"full_name": "Carl Friedrich"})
        assert changed.status_code == 200
        assert changed.json()["full_name"] == "Carl Friedrich"
        assert changed.json()["version"] == user["version"] + 1
        assert await redis.exists(user_key(user["id"])) == 0
    finally:
        await redis.aclose()
    again = await client.get("/users/me", headers=headers)
    assert again.json()["full_name"] == "Carl Friedrich"


async def test_a_zero_cache_ttl_turns_the_user_cache_off(
    make_business: BusinessFactory, redis_url: str
) -> None:
    async with make_business(cache_ttl_seconds=0) as business:
        user = await register(business.client, "dora")
        headers = bearer(await token_for(business.client, "dora"))
        me = await business.client.get("/users/me", headers=headers)
        assert me.json() == user
    redis = Redis.from_url(redis_url)
    try:
        assert await redis.exists(user_key(user["id"])) == 0
    finally:
        await redis.aclose()


async def test_update_me_with_a_stale_version_is_412(business: Business) -> None:
    client = business.client
    user = await register(client, "dora")
    headers = bearer(await token_for(client, "dora"))
    first = await client.patch(
        "/users/me", headers=headers, json={"version": user["version"], "full_name": "D"}
    )
    assert first.status_code == 200
    stale = await client.patch(
        "/users/me", headers=headers, json={"version": user["version"], "full_name": "E"}
    )
    assert stale.status_code == 412
    taken = await client.patch("/users/me", headers=headers, json={"email": ADMIN["email"]})
    assert taken.status_code == 409


async def test_password_change(business: Business) -> None:
    client = business.client
    await register(client, "erin")
    headers = bearer(await token_for(client, "erin"))
    wrong = await client.post(
        "/users/me/password",
        headers=headers,
        json={"current_password": "nope", "new_password": "new-password-1"},
    )
    assert wrong.status_code == 403
    changed = await client.post(
        "/users/me/password",
        headers=headers,
        json={"current_password": "user-password-1", "new_password": "new-password-1"},
    )
    assert changed.status_code == 204
    assert (
        await client.post("/auth/token", data={"username": "erin", "password": "user-password-1"})
    ).status_code == 401
    # Tokens issued before, the one that changed the password included, are revoked.
    assert (await client.get("/users/me", headers=headers)).status_code == 401
    fresh = bearer(await token_for(client, "erin", "new-password-1"))
    assert (await client.get("/users/me", headers=fresh)).status_code == 200


async def test_admin_manages_users(business: Business) -> None:
    client = business.client
    user = await register(client, "fred")
    headers = bearer(await admin_token(client))
    page = await client.get("/users", headers=headers, params={"limit": 10})
    assert page.status_code == 200
    assert {item["username"] for item in page.json()["items"]} == {ADMIN["username"], "fred"}
    assert page.json()["total"] == 2
    filtered = await client.get("/users", headers=headers, params={"role": "admin"})
    assert [item["username"] for item in filtered.json()["items"]] == [ADMIN["username"]]
    stats = await client.get("/users/stats", headers=headers)
    assert stats.json() == {"total": 2, "active": 2, "inactive": 0, "by_role": {"user": 1, "admin": 1}}
    promoted = await client.patch(f"/users/{user['id']}", headers=headers, json={"role": "admin"})
    assert promoted.status_code == 200
    assert promoted.json()["role"] == "admin"
    stale = await client.patch(f"/users/{user['id']}", headers=headers, json={"version": 1, "role": "user"})
    assert stale.status_code == 412
    assert (await client.delete(f"/users/{user['id']}", headers=headers)).status_code == 204
    assert (await client.get(f"/users/{user['id']}", headers=headers)).status_code == 404
    assert (await client.delete(f"/users/{user['id']}", headers=headers)).status_code == 404
    assert (
        await client.patch(f"/users/{user['id']}", headers=headers, json={"role": "user"})
    ).status_code == 404


async def test_admin_cannot_demote_deactivate_or_delete_themselves(business: Business) -> None:
    client = business.client
    headers = bearer(await admin_token(client))
    me = (await client.get("/users/me", headers=headers)).json()
    for body in ({"role": "user"}, {"is_active": False}):
        response = await client.patch(f"/users/{me['id']}", headers=headers, json=body)
        assert response.status_code == 409, body
    assert (await client.delete(f"/users/{me['id']}", headers=headers)).status_code == 409
    harmless = await client.patch(f"/users/{me['id']}", headers=headers, json={"role": "admin"})
    assert harmless.status_code == 200


async def test_first_admin_is_created_once(make_business: BusinessFactory) -> None:
    async with make_business() as first:
        await admin_token(first.client)
    async with make_business() as second:
        headers = bearer(await admin_token(second.client))
        stats = await second.client.get("/users/stats", headers=headers)
        assert stats.json()["by_role"]["admin"] == 1


async def _bound_queue(
    rabbitmq_url: str,
) -> tuple[aio_pika.abc.AbstractRobustConnection, aio_pika.abc.AbstractQueue]:
    connection = await aio_pika.connect_robust(rabbitmq_url)
    channel = await connection.channel()
    exchange = await channel.declare_exchange(EVENTS_EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True)
    queue = await channel.declare_queue("", exclusive=True)
    await queue.bind(exchange, routing_key="#")
    return connection, queue


async def _drain(queue: aio_pika.abc.AbstractQueue, count: int) -> list[aio_pika.abc.AbstractIncomingMessage]:
    received: list[aio_pika.abc.AbstractIncomingMessage] = []
    for _ in range(100):
        message = await queue.get(no_ack=True, fail=False)
        if message is None:
            if len(received) >= count:
                break
            await asyncio.sleep(0.1)
            continue
        received.append(message)
    return received


async def test_events_reach_the_broker(make_business: BusinessFactory, rabbitmq_url: str) -> None:
    connection, queue = await _bound_queue(rabbitmq_url)
    try:
        async with make_business(rabbitmq_url=rabbitmq_url, relay_interval_seconds=30) as business:
            client = business.client
            relay = business.resources.relay
            assert relay is not None
            await relay.run_until_drained()
            while await queue.get(no_ack=True, fail=False) is not None:
                pass  # the first admin's user.created
            created = await client.post(
                "/auth/register",
                headers={"X-Request-ID": "req-create-1"},
                json={"email": "gina@example.com", "username": "gina", "password": "user-password-1"},
            )
            user_id = created.json()["id"]
            headers = bearer(await token_for(client, "gina"))
            updated = await client.patch(
                "/users/me", headers={**headers, "X-Request-ID": "req-update-1"}, json={"full_name": "Gina"}
            )
            assert updated.status_code == 200
            admin = bearer(await admin_token(client))
            deleted = await client.delete(
                f"/users/{user_id}", headers={**admin, "X-Request-ID": "req-delete-1"}
            )
            assert deleted.status_code == 204
            assert await relay.run_until_drained() == 3
            messages = await _drain(queue, 3)
    finally:
        await connection.close()
    bodies: list[dict[str, Any]] = [json.loads(m.body) for m in messages]
    assert [b["event_type"] for b in bodies] == ["user.created", "user.updated", "user.deleted"]
    assert [m.routing_key for m in messages] == ["user.created", "user.updated", "user.deleted"]
    assert all(b["user"]["id"] == user_id for b in bodies)
    assert [m.message_id for m in messages] == [b["event_id"] for b in bodies]
    assert [m.correlation_id for m in messages] == ["req-create-1", "req-update-1", "req-delete-1"]
    assert all(m.delivery_mode == aio_pika.DeliveryMode.PERSISTENT for m in messages)
    assert all(m.content_type == "application/json" for m in messages)
    assert [m.headers for m in messages] == [
        {"event-version": 1, "event-type": b["event_type"]} for b in bodies
    ]
    assert bodies[1]["changed"] == ["full_name"]
    assert "hashed_password" not in json.dumps(bodies)


async def test_the_background_relay_publishes(make_business: BusinessFactory, rabbitmq_url: str) -> None:
    connection, queue = await _bound_queue(rabbitmq_url)
    try:
        async with make_business(rabbitmq_url=rabbitmq_url, relay_interval_seconds=0.05) as business:
            await register(business.client, "hank")
            messages = await _drain(queue, 2)
            ready = await business.client.get("/ready")
    finally:
        await connection.close()
    assert sorted(json.loads(m.body)["user"]["username"] for m in messages) == sorted(
        [ADMIN["username"], "hank"]
    )
    checks = {"data_service": True, "data_circuit_closed": True, "cache": True, "broker": True}
    assert ready.json()["checks"] == checks


async def test_an_unversioned_update_uses_the_callers_version_and_rereads_only_when_stale(
    business: Business,
) -> None:
    client = business.client
    user = await register(client, "vera")
    headers = bearer(await token_for(client, "vera"))
    assert (await client.get("/users/me", headers=headers)).status_code == 200  # cached at version 1
    gateway = business.resources.gateway
    # Changed behind the business's back: its cached caller now carries a stale version.
    await gateway.update_user(user_id=user["id"], body=UserUpdate.from_dict({"version": 1, "full_name": "V"}))
    changed = await client.patch("/users/me", headers=headers, json={"full_name": "Vera"})
    assert changed.status_code == 200, changed.text  # 412 on the stale version, read, retried
    assert changed.json()["full_name"] == "Vera"
    assert changed.json()["version"] == 3
