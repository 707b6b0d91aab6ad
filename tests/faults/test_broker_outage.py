"""RabbitMQ away while users change: nothing is lost, each event arrives once per message_id,
in order per user, and the relay resumes by itself."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from functools import partial

import httpx

from tests.faults.conftest import (
    SERVICE_TOKEN,
    EventTap,
    all_published,
    bearer,
    business_service,
    eventually,
    fetch,
    quick_reconnect,
    register,
)
from tests.live import LiveService
from tests.tcpproxy import TcpProxy


async def outbox_stats(data: LiveService) -> dict[str, float]:
    async with httpx.AsyncClient(base_url=data.url, timeout=5) as client:
        response = await client.get("/outbox/stats", headers={"Authorization": f"Bearer {SERVICE_TOKEN}"})
    assert response.status_code == 200, response.text
    stats: dict[str, float] = response.json()
    return stats


async def broker_check(client: httpx.AsyncClient) -> bool:
    ready = await client.get("/ready")
    assert ready.status_code == 200, ready.text
    checked: bool = ready.json()["checks"]["broker"]
    return checked


async def assert_delivered_once_each(tap: EventTap, database: str) -> None:
    """Every outbox event is published and arrived; per message_id once, per user in order."""
    rows = await fetch(database, "SELECT event_id, user_id, published_at FROM outbox ORDER BY sequence")
    assert rows, "the test changed nothing"
    assert all(row["published_at"] is not None for row in rows)
    first_arrival: dict[str, int] = {}
    for position, event in enumerate(tap.events):
        first_arrival.setdefault(event.message_id, position)
    assert set(first_arrival) == {str(row["event_id"]) for row in rows}
    for event in tap.events:
        assert event.message_id == event.body["event_id"]
    # One user.created per user, and each user's events arrive in the order they were written.
    created = Counter(e.user_id for e in tap.events if e.routing_key == "user.created")
    distinct_created = {e.message_id for e in tap.events if e.routing_key == "user.created"}
    assert len(distinct_created) == len({row["user_id"] for row in rows}), created
    written: defaultdict[int, list[str]] = defaultdict(list)
    for row in rows:
        written[row["user_id"]].append(str(row["event_id"]))
    for user_id, event_ids in written.items():
        assert sorted(event_ids, key=first_arrival.__getitem__) == event_ids, f"user {user_id} out of order"


async def test_events_written_while_the_broker_is_away_arrive_once_each(
    live_data: LiveService, database: str, tap: EventTap, rabbitmq_url: str
) -> None:
    with (
        TcpProxy.to_url(rabbitmq_url, default_port=5672) as proxy,
        business_service(
            live_data.url,
            RABBITMQ_URL=quick_reconnect(proxy.url(rabbitmq_url)),
            EVENTS_EXCHANGE=tap.exchange_name,
        ) as business,
    ):
        async with httpx.AsyncClient(base_url=business.url, timeout=30) as client:
            for name in ("ann", "ben"):
                await register(client, name)
            await tap.wait_for("user.created", 2)
            assert await broker_check(client)

            proxy.pause()
            away = ["cid", "dan", "eve", "fay"]
            for name in away:
                await register(client, name)  # the broker is not needed to change a user
            for name in away[:2]:
                changed = await client.patch(
                    "/users/me", headers=await bearer(client, name), json={"full_name": name.title()}
                )
                assert changed.status_code == 200, changed.text

            async def broker_down() -> bool:
                return not await broker_check(client)

            await eventually(broker_down, within=5, what="/ready reports the broker down")
            await asyncio.sleep(1)  # relay passes fail meanwhile
            assert len(tap.events) == 2
            stats = await outbox_stats(live_data)
            assert stats["pending"] == 6
            assert stats["oldest_pending_age_seconds"] > 0

            proxy.resume()
            await tap.wait_for("user.created", 6, within=20)
            await tap.wait_for("user.updated", 2, within=10)
            await eventually(lambda: broker_check(client), within=5, what="/ready reports the broker up")
            await eventually(partial(all_published, database), within=5, what="all acknowledged")
    await assert_delivered_once_each(tap, database)
    # Nothing was in flight when the connection was cut, so nothing was published twice.
    assert len(tap.events) == len({e.message_id for e in tap.events}) == 8
    assert (await outbox_stats(live_data))["pending"] == 0


async def test_a_connection_cut_mid_publishing_loses_nothing(
    live_data: LiveService, database: str, tap: EventTap, rabbitmq_url: str
) -> None:
    """The cut may fall between a publish and its confirm: that event is published again
    (at least once), and a consumer that drops duplicates by message_id sees each once."""
    names = [f"burst{i:02d}" for i in range(16)]
    with (
        TcpProxy.to_url(rabbitmq_url, default_port=5672) as proxy,
        business_service(
            live_data.url,
            RABBITMQ_URL=quick_reconnect(proxy.url(rabbitmq_url)),
            EVENTS_EXCHANGE=tap.exchange_name,
            RELAY_BATCH_SIZE="2",
        ) as business,
    ):
        async with httpx.AsyncClient(base_url=business.url, timeout=30) as client:
            await asyncio.gather(*(register(client, name) for name in names))
            await tap.wait_for("user.created", 1)
            proxy.pause("reset")
            await asyncio.sleep(0.5)
            proxy.resume()
            await tap.wait_for("user.created", len(names), within=20)
            await eventually(partial(all_published, database), within=5, what="all acknowledged")
    await assert_delivered_once_each(tap, database)
