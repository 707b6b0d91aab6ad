"""The outbox relay around broker failures: no lease while the broker is away, a batch cut
short is finished on the next pass (not after the lease expires), several relays never
publish one event twice."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from functools import partial

import httpx
import pytest
from contract_models.events import UserEvent

from business_service.gateway import DataGateway, build_data_client
from business_service.publisher import EventPublisher
from business_service.relay import OutboxRelay
from business_service.settings import BusinessSettings
from tests.faults.conftest import (
    JWT_SECRET,
    SERVICE_TOKEN,
    EventTap,
    all_published,
    business_service,
    eventually,
    fetch,
    quick_reconnect,
    register,
    started_together,
)
from tests.infra import user_body
from tests.live import LiveService
from tests.tcpproxy import TcpProxy


class CuttingPublisher(EventPublisher):
    """The real publisher; its `cut_at`-th publish finds the broker connection reset."""

    def __init__(self, *, url: str, exchange: str, proxy: TcpProxy, cut_at: int) -> None:
        super().__init__(url=url, exchange=exchange)
        self.proxy = proxy
        self.cut_at = cut_at
        self.calls = 0

    async def publish(self, event: UserEvent) -> None:
        self.calls += 1
        if self.calls == self.cut_at:
            self.proxy.pause("reset")
        await super().publish(event)


@pytest.fixture
async def gateway(live_data: LiveService) -> AsyncIterator[DataGateway]:
    settings = BusinessSettings(
        data_service_url=live_data.url, service_token=SERVICE_TOKEN, jwt_secret=JWT_SECRET
    )
    gateway = DataGateway(client=build_data_client(settings), retry_attempts=1)
    yield gateway
    await gateway.aclose()


async def create_users(data: LiveService, *names: str) -> None:
    async with httpx.AsyncClient(
        base_url=data.url, headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}
    ) as client:
        for name in names:
            assert (await client.post("/users", json=user_body(name))).status_code == 201


async def test_a_batch_cut_short_is_finished_on_the_next_pass(
    live_data: LiveService, database: str, gateway: DataGateway, tap: EventTap, rabbitmq_url: str
) -> None:
    await create_users(live_data, "ann", "ben", "cid")
    with TcpProxy.to_url(rabbitmq_url, default_port=5672) as proxy:
        publisher = CuttingPublisher(
            url=quick_reconnect(proxy.url(rabbitmq_url)), exchange=tap.exchange_name, proxy=proxy, cut_at=2
        )
        relay = OutboxRelay(gateway=gateway, publisher=publisher, lease_seconds=60)
        try:
            # ann's event is confirmed; ben's publish finds the connection reset (which aiormq
            # reports as a ConnectionError or, once the channel saw it, a RuntimeError).
            with pytest.raises((ConnectionError, RuntimeError)):
                await relay.run_once()

            # While the connection is down, a pass takes no lease on newer events.
            async def down() -> bool:
                return not publisher.connected

            await eventually(down, within=5, what="the publisher sees the connection down")
            await create_users(live_data, "dan")
            with pytest.raises(ConnectionError):
                await relay.run_once()
            owners = await fetch(database, "SELECT lease_owner FROM outbox ORDER BY sequence")
            assert [row["lease_owner"] for row in owners] == [relay.relay_id] * 3 + [None]

            proxy.resume()

            async def up() -> bool:
                return publisher.connected

            await eventually(up, within=10, what="the publisher reconnected")
            # The events still leased to this relay go first (the order below shows it), long
            # before their lease expires. A pass may still fail while the channel is restored.
            published = 0

            async def drained() -> bool:
                nonlocal published
                with contextlib.suppress(ConnectionError, RuntimeError):
                    published += await relay.run_once()
                return published == 3

            await eventually(drained, within=10, what="the held events and dan's published")
            assert await relay.run_once() == 0
        finally:
            await publisher.aclose()
    created = await tap.wait_for("user.created", 4)
    assert [event.body["user"]["username"] for event in created] == ["ann", "ben", "cid", "dan"]
    pending = await fetch(database, "SELECT count(*) AS n FROM outbox WHERE published_at IS NULL")
    assert pending[0]["n"] == 0


async def test_two_business_processes_never_publish_an_event_twice(
    live_data: LiveService, database: str, tap: EventTap, rabbitmq_url: str
) -> None:
    names = [f"pair{i:02d}" for i in range(24)]
    events = {"RABBITMQ_URL": rabbitmq_url, "EVENTS_EXCHANGE": tap.exchange_name, "RELAY_BATCH_SIZE": "3"}
    with started_together(
        business_service(live_data.url, **events), business_service(live_data.url, **events)
    ) as (first, second):
        async with (
            httpx.AsyncClient(base_url=first.url, timeout=30) as one,
            httpx.AsyncClient(base_url=second.url, timeout=30) as two,
        ):
            for client in (one, two):  # both relays connected before the first event
                await eventually(partial(_broker_up, client), within=10, what="relay connected")
            semaphore = asyncio.Semaphore(6)

            async def one_user(index: int, name: str) -> None:
                async with semaphore:
                    await register(one if index % 2 else two, name)

            await asyncio.gather(*(one_user(i, name) for i, name in enumerate(names)))
            await tap.wait_for("user.created", len(names))
            await eventually(partial(all_published, database), within=5, what="all acknowledged")
            await asyncio.sleep(0.5)  # a second copy, had there been one, would be here by now
    duplicates = [mid for mid, n in Counter(e.message_id for e in tap.events).items() if n > 1]
    assert duplicates == []
    rows = await fetch(database, "SELECT event_id, lease_owner, published_at FROM outbox")
    assert {str(row["event_id"]) for row in rows} == {e.message_id for e in tap.events}
    assert all(row["published_at"] is not None for row in rows)
    owners = Counter(row["lease_owner"] for row in rows)
    assert len(owners) == 2, f"both relays should have published some events: {owners}"


async def _broker_up(client: httpx.AsyncClient) -> bool:
    response = await client.get("/ready")
    up: bool = response.status_code == 200 and response.json()["checks"]["broker"]
    return up
