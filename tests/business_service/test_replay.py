"""An admin's replay of published events to one named queue, on the real RabbitMQ and data service."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aio_pika
import pytest
from aio_pika.abc import AbstractIncomingMessage, AbstractQueue, AbstractRobustConnection

from tests.business_service.conftest import (
    Business,
    BusinessFactory,
    admin_token,
    bearer,
    register,
    token_for,
)

pytestmark = pytest.mark.rabbitmq


@dataclass
class Queues:
    """An exchange of the test's own with two consumer queues bound to every event."""

    exchange: str
    target: AbstractQueue  # the one a replay names
    other: AbstractQueue  # must never see a copy


@pytest.fixture
async def queues(rabbitmq_url: str) -> AsyncIterator[Queues]:
    connection: AbstractRobustConnection = await aio_pika.connect_robust(rabbitmq_url)
    name = f"replay-{uuid.uuid4().hex[:10]}"
    try:
        channel = await connection.channel()
        # As the publisher declares it; deleted at the end.
        exchange = await channel.declare_exchange(name, aio_pika.ExchangeType.TOPIC, durable=True)
        target = await channel.declare_queue(f"{name}.target", auto_delete=True)
        other = await channel.declare_queue(f"{name}.other", auto_delete=True)
        for queue in (target, other):
            await queue.bind(exchange, routing_key="#")
        yield Queues(exchange=name, target=target, other=other)
        await exchange.delete()
    finally:
        await connection.close()


async def _take(queue: AbstractQueue, count: int) -> list[AbstractIncomingMessage]:
    """`count` messages, then whatever else arrives within a short grace period."""
    received: list[AbstractIncomingMessage] = []
    quiet_since: float | None = None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while loop.time() < deadline:
        message = await queue.get(no_ack=True, fail=False)
        if message is not None:
            received.append(message)
            quiet_since = None
            continue
        if len(received) >= count:
            quiet_since = quiet_since or loop.time()
            if loop.time() - quiet_since > 0.3:
                break
        await asyncio.sleep(0.05)
    return received


async def _replay(business: Business, token: str, **body: Any) -> dict[str, Any]:
    response = await business.client.post("/events/replay", headers=bearer(token), json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def _ids(messages: list[AbstractIncomingMessage]) -> list[str | None]:
    return [m.message_id for m in messages]


async def test_replay_sends_exactly_the_range_to_the_named_queue_only_in_order(
    make_business: BusinessFactory, rabbitmq_url: str, queues: Queues
) -> None:
    async with make_business(
        rabbitmq_url=rabbitmq_url, events_exchange=queues.exchange, relay_interval_seconds=30
    ) as business:
        relay = business.resources.relay
        assert relay is not None
        client = business.client
        await relay.run_until_drained()  # the first admin's user.created: before the range
        since = datetime.now(UTC)
        ann = await register(client, "ann")
        await register(client, "ben")
        await client.patch(
            "/users/me", headers=bearer(await token_for(client, "ann")), json={"full_name": "Ann"}
        )
        await asyncio.sleep(0.05)
        until = datetime.now(UTC)
        await register(client, "cat")  # after the range
        assert await relay.run_until_drained() == 4
        originals = await _take(queues.other, 5)
        await _take(queues.target, 5)
        in_range = _ids(originals[1:4])
        admin = await admin_token(client)

        # A range, two events per call: the second call continues after the first's last.
        range_ = {"since": since.isoformat(), "until": until.isoformat()}
        first = await _replay(business, admin, queue=queues.target.name, limit=2, **range_)
        assert (first["replayed"], first["has_more"]) == (2, True)
        second = await _replay(
            business,
            admin,
            queue=queues.target.name,
            limit=2,
            after_event_id=first["last_event_id"],
            **range_,
        )
        assert (second["replayed"], second["has_more"]) == (1, False)
        copies = await _take(queues.target, 3)
        assert _ids(copies) == in_range  # publishing order, so each user's order too
        assert [m.headers.get("replayed") for m in copies] == [True, True, True]
        assert [json.loads(m.body) for m in copies] == [json.loads(m.body) for m in originals[1:4]]
        assert all(m.routing_key == queues.target.name for m in copies)

        # After an event id, for one user: ann's events after her creation.
        of_ann = await _replay(
            business, admin, queue=queues.target.name, user_id=ann["id"], after_event_id=in_range[0]
        )
        assert of_ann["replayed"] == 1
        (update,) = await _take(queues.target, 1)
        assert json.loads(update.body)["event_type"] == "user.updated"
        assert json.loads(update.body)["user"]["id"] == ann["id"]

        # Nothing of any replay reached the other queue bound to the exchange.
        assert await _take(queues.other, 0) == []


async def test_replay_refusals_are_problems(
    make_business: BusinessFactory, rabbitmq_url: str, queues: Queues
) -> None:
    async with make_business(rabbitmq_url=rabbitmq_url, events_exchange=queues.exchange) as business:
        client = business.client
        admin = bearer(await admin_token(client))
        await register(client, "dan")
        user = bearer(await token_for(client, "dan"))
        body = {"queue": queues.target.name}

        unknown = await client.post("/events/replay", headers=admin, json={"queue": "no-such-queue-here"})
        assert unknown.status_code == 404
        assert "no-such-queue-here" in unknown.json()["detail"]
        long_ago = (datetime.now(UTC) - timedelta(days=31)).isoformat()
        gone = await client.post("/events/replay", headers=admin, json={**body, "since": long_ago})
        assert gone.status_code == 410
        assert gone.headers["content-type"] == "application/problem+json"
        assert "pruned" in gone.json()["detail"]
        assert (await client.post("/events/replay", headers=user, json=body)).status_code == 403
        anonymous = await client.post("/events/replay", json=body)
        assert anonymous.status_code == 401
