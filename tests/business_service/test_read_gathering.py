"""Reads of users by id asked for at the same moment go to the data service as one call
(`business_service.read_batching`), and each caller still gets what its own read would have:
its user, 404 for an id that names none, the call's error, and nothing of a caller that left."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from data_api_client.models import User, UserCreate
from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from business_service.breaker import CircuitBreaker
from business_service.gateway import DataGateway, build_data_client
from service_kit.errors import NotFound, ServiceUnavailable
from tests.business_service.conftest import BusinessFactory, admin_token, bearer, business_settings, register
from tests.infra import user_body


class RecordingTransport(httpx.AsyncBaseTransport):
    """The real data app; records each request, and can hold them or fail them."""

    def __init__(self, app: FastAPI) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.sent: list[str] = []
        self.gate: asyncio.Event | None = None
        self.arrived = asyncio.Event()
        self.refuse = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(f"{request.method} {request.url.path}")
        self.arrived.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.refuse:
            raise httpx.ConnectError("connection refused", request=request)
        return await self.inner.handle_async_request(request)


@pytest.fixture
async def recorded(data_app: FastAPI, clean: None) -> AsyncIterator[tuple[DataGateway, RecordingTransport]]:
    transport = RecordingTransport(data_app)
    settings = business_settings(redis_url=None)
    gateway = DataGateway(
        client=build_data_client(settings, transport=transport),
        retry_attempts=2,
        breaker=CircuitBreaker(failure_threshold=100, reset_seconds=1),
        gather_reads=True,
    )
    try:
        yield gateway, transport
    finally:
        await gateway.aclose()


async def _users(gateway: DataGateway, count: int) -> list[User]:
    return [
        await gateway.create_user(body=UserCreate.from_dict(user_body(f"reader{number}")))
        for number in range(count)
    ]


async def test_reads_asked_at_once_go_as_one_call_and_each_gets_its_own_answer(
    recorded: tuple[DataGateway, RecordingTransport],
) -> None:
    gateway, transport = recorded
    users = await _users(gateway, 12)
    missing = [users[-1].id + 100, users[-1].id + 101]
    asked = [user.id for user in users] * 3 + missing  # every user three times, two unknown ids
    transport.sent.clear()
    answers = await asyncio.gather(*(gateway.get_user(user_id=i) for i in asked), return_exceptions=True)
    # The first goes at once (no call was out, as without gathering); the 41 others asked
    # meanwhile, one call for their 13 ids.
    assert transport.sent == [f"GET /users/{asked[0]}", "POST /users/lookup"]
    for user_id, answer in zip(asked, answers, strict=True):
        if user_id in missing:
            assert isinstance(answer, NotFound), answer
        else:
            assert isinstance(answer, User), answer
            assert answer == next(user for user in users if user.id == user_id)


async def test_a_lone_read_is_the_plain_get(recorded: tuple[DataGateway, RecordingTransport]) -> None:
    gateway, transport = recorded
    (user,) = await _users(gateway, 1)
    transport.sent.clear()
    assert await gateway.get_user(user_id=user.id) == user
    with pytest.raises(NotFound):
        await gateway.get_user(user_id=user.id + 1)
    assert transport.sent == [f"GET /users/{user.id}", f"GET /users/{user.id + 1}"]


async def test_more_than_a_hundred_ids_go_in_calls_of_a_hundred(
    recorded: tuple[DataGateway, RecordingTransport],
) -> None:
    gateway, transport = recorded
    (user,) = await _users(gateway, 1)
    asked = [user.id, *range(user.id + 1, user.id + 150)]
    transport.sent.clear()
    answers = await asyncio.gather(*(gateway.get_user(user_id=i) for i in asked), return_exceptions=True)
    assert transport.sent == [f"GET /users/{user.id}", "POST /users/lookup", "POST /users/lookup"]
    assert answers[0] == user
    assert all(isinstance(answer, NotFound) for answer in answers[1:])


async def test_a_failed_call_fails_every_read_it_carried(
    recorded: tuple[DataGateway, RecordingTransport],
) -> None:
    gateway, transport = recorded
    users = await _users(gateway, 3)
    transport.sent.clear()
    transport.refuse = True
    answers = await asyncio.gather(*(gateway.get_user(user_id=u.id) for u in users), return_exceptions=True)
    assert all(isinstance(answer, ServiceUnavailable) for answer in answers), answers
    # Retried as any idempotent read: two attempts of the first read's own call, two of the
    # call of the two others.
    assert sorted(transport.sent) == sorted([f"GET /users/{users[0].id}"] * 2 + ["POST /users/lookup"] * 2)
    transport.refuse = False
    assert await gateway.get_user(user_id=users[0].id) == users[0]


async def test_a_caller_that_leaves_does_not_cancel_the_others(
    recorded: tuple[DataGateway, RecordingTransport],
) -> None:
    gateway, transport = recorded
    ada, bob, cyd = await _users(gateway, 3)
    transport.sent.clear()
    transport.gate = asyncio.Event()
    transport.arrived.clear()
    # A call out (cyd's, held): the reads asked now are gathered.
    first = asyncio.create_task(gateway.get_user(user_id=cyd.id))
    await transport.arrived.wait()
    transport.arrived.clear()
    # Two callers wait on the one read of ada: the first goes away while it is under way.
    leaving, staying, other = (asyncio.create_task(gateway.get_user(user_id=u.id)) for u in (ada, ada, bob))
    await asyncio.wait_for(transport.arrived.wait(), timeout=5)
    assert transport.sent == [f"GET /users/{cyd.id}", "POST /users/lookup"]
    leaving.cancel()
    transport.gate.set()
    assert list(await asyncio.gather(first, staying, other)) == [cyd, ada, bob]
    assert leaving.cancelled()


async def test_a_read_asked_while_a_call_is_under_way_gets_a_call_of_its_own(
    data_app: FastAPI, clean: None
) -> None:
    """The call under way may have read the user before a change the later read must see
    (a process reads back what it just wrote): the later read is not answered by it. With
    tracing, each gathered read's span links to the call that served it, and that call to
    it. A first read of another user, held, keeps a call out, so that both reads of ada are
    gathered (alone, a read goes at once and could join nothing)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    transport = RecordingTransport(data_app)
    gateway = DataGateway(
        client=build_data_client(business_settings(redis_url=None), transport=transport),
        retry_attempts=2,
        gather_reads=True,
        tracer_provider=provider,
    )
    try:
        ada, bob = await _users(gateway, 2)
        transport.sent.clear()
        transport.gate = asyncio.Event()
        transport.arrived.clear()
        opener = asyncio.create_task(gateway.get_user(user_id=bob.id))
        await transport.arrived.wait()  # bob's call is out, held
        transport.arrived.clear()
        first = asyncio.create_task(gateway.get_user(user_id=ada.id))
        await asyncio.wait_for(transport.arrived.wait(), timeout=5)  # its call is on its way
        transport.arrived.clear()
        later = asyncio.create_task(gateway.get_user(user_id=ada.id))
        # A call of its own (joining the first, it would never send one).
        await asyncio.wait_for(transport.arrived.wait(), timeout=5)
        transport.gate.set()
        assert list(await asyncio.gather(opener, first, later)) == [bob, ada, ada]
        assert transport.sent == [f"GET /users/{bob.id}", f"GET /users/{ada.id}", f"GET /users/{ada.id}"]
    finally:
        await gateway.aclose()
        provider.shutdown()
    spans = exporter.get_finished_spans()
    calls = [s for s in spans if s.name == "gathered user reads"]
    reads = [s for s in spans if s.name == "read user (gathered)"]
    assert len(calls) == len(reads) == 2
    for read in reads:
        (link,) = read.links
        (call,) = [c for c in calls if c.context is not None and c.context.span_id == link.context.span_id]
        assert read.context is not None
        assert [back.context.span_id for back in call.links] == [read.context.span_id]


async def test_the_service_gathers_the_misses_of_requests_served_at_once(
    make_business: BusinessFactory,
) -> None:
    """Through the app, cache off: concurrent reads of the users by their admin answer each
    its user, in fewer data calls than reads (the metric counts the ids of each call)."""
    async with make_business(cache_ttl_seconds=0) as business:
        headers = bearer(await admin_token(business.client))
        created = [await register(business.client, f"many{n}") for n in range(8)]
        before = await _metric(business.client, "data_user_reads_per_call_count")
        answers = await asyncio.gather(
            *(business.client.get(f"/users/{u['id']}", headers=headers) for u in created)
        )
        assert [answer.json() for answer in answers] == created
        calls = await _metric(business.client, "data_user_reads_per_call_count") - before
        # Each request also reads its caller (the admin): 16 reads in all.
        assert 1 <= calls < 16, calls


async def _metric(client: httpx.AsyncClient, name: str) -> float:
    text = (await client.get("/metrics")).text
    return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name + " "))
