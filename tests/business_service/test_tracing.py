"""Tracing: one trace per request across both services, PostgreSQL, Redis and RabbitMQ, and
nothing at all when tracing is off.

Both apps run in-process on one tracer provider whose spans go to the SDK's in-memory
exporter (synchronously, so a span is there as soon as it ends); the servers are real.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import aio_pika
import asyncpg
import httpx
import pytest
from contract_models.events import EventHeaders
from opentelemetry import context as otel_context
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from starlette.types import ASGIApp, Receive, Scope, Send
from structlog.stdlib import ProcessorFormatter

from data_service.app import create_app as create_data_app
from data_service.settings import DataSettings
from service_kit.tracing import tracer_provider_from_env
from tests import infra
from tests.broker import delete_events_topology
from tests.business_service.conftest import (
    SERVICE_TOKEN,
    Business,
    BusinessFactory,
    admin_token,
    bearer,
    business_settings,
    register,
    running,
    token_for,
)

pytestmark = [pytest.mark.redis, pytest.mark.rabbitmq]


class ProcessBoundary:
    """The data app in context variables of its own, as in its own process: in-process it
    would inherit the business's active span (and not need the `traceparent` header it must
    honour), and unbind the business's request id from its logs when it returns."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def apart() -> None:
            otel_context.attach(otel_context.Context())  # in this task's copy of the context only
            await self.app(scope, receive, send)

        await asyncio.create_task(apart())


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    spans = InMemorySpanExporter()
    yield spans
    spans.clear()


@pytest.fixture
def business_overrides() -> dict[str, Any]:
    """Settings of the traced business; a test changes them by parametrizing this name."""
    return {}


@pytest.fixture
async def traced(
    *,
    exporter: InMemorySpanExporter,
    migrated_database_url: str,
    redis_url: str,
    rabbitmq_url: str,
    clean: None,
    business_overrides: dict[str, Any],
) -> AsyncIterator[tuple[Business, aio_pika.abc.AbstractQueue]]:
    """Both services traced into `exporter`, and a queue bound to the business's exchange."""
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    data_app = create_data_app(
        DataSettings(database_url=migrated_database_url, service_token=SERVICE_TOKEN),
        tracer_provider=provider,
    )
    exchange = f"trace-{uuid.uuid4().hex[:8]}"
    connection = await aio_pika.connect_robust(rabbitmq_url)
    try:
        channel = await connection.channel()
        declared = await channel.declare_exchange(exchange, aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue("", exclusive=True)
        await queue.bind(declared, routing_key="#")
        settings = business_settings(
            redis_url=redis_url,
            rabbitmq_url=rabbitmq_url,
            events_exchange=exchange,
            relay_interval_seconds=0.05,
            log_level="INFO",
            log_format="json",
            **business_overrides,
        )
        async with (
            data_app.router.lifespan_context(data_app),
            running(
                settings,
                data_transport=httpx.ASGITransport(app=ProcessBoundary(data_app)),
                tracer_provider=provider,
            ) as business,
        ):
            yield business, queue
    finally:
        await connection.close()
        await delete_events_topology(rabbitmq_url, exchange)
        provider.shutdown()


def _trace(exporter: InMemorySpanExporter, trace_id: int) -> list[ReadableSpan]:
    return [
        s for s in exporter.get_finished_spans() if s.context is not None and s.context.trace_id == trace_id
    ]


def _server_span(spans: list[ReadableSpan], name: str) -> ReadableSpan:
    found = [s for s in spans if s.kind == SpanKind.SERVER and s.name == name]
    assert len(found) == 1, [(s.name, s.kind) for s in spans]
    return found[0]


def _id(span: ReadableSpan) -> int:
    assert span.context is not None
    return int(span.context.span_id)


async def _message(
    queue: aio_pika.abc.AbstractQueue, event_type: str
) -> aio_pika.abc.AbstractIncomingMessage:
    for _ in range(100):
        message = await queue.get(no_ack=True, fail=False)
        if message is None:
            await asyncio.sleep(0.05)
        elif message.routing_key == event_type and json.loads(message.body)["user"]["username"] == "tia":
            return message
    raise AssertionError(f"no {event_type} for tia")


async def test_one_register_is_one_trace_through_both_services_the_database_and_the_broker(
    traced: tuple[Business, aio_pika.abc.AbstractQueue],
    exporter: InMemorySpanExporter,
) -> None:
    business, queue = traced
    logs = io.StringIO()
    # The handler the apps configured (service_kit.logging), beside pytest's own.
    (handler,) = [h for h in logging.getLogger().handlers if isinstance(h.formatter, ProcessorFormatter)]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(logs)
    await register(business.client, "tia")
    message = await _message(queue, "user.created")

    server = _server_span(list(exporter.get_finished_spans()), "POST /auth/register")
    assert server.context is not None
    assert server.parent is None
    trace_id = server.context.trace_id
    spans = _trace(exporter, trace_id)
    data_server = _server_span(spans, "POST /users")
    assert data_server.context is not None
    assert data_server.context.trace_id == trace_id
    # The data server span's parent is the client span of the generated client's call.
    clients = [s for s in spans if s.kind == SpanKind.CLIENT and _id(s) == data_server.parent.span_id]  # type: ignore[union-attr]
    assert len(clients) == 1
    assert clients[0].attributes is not None
    assert (
        clients[0].attributes.get("http.request.method", clients[0].attributes.get("http.method")) == "POST"
    )
    sql = [
        s
        for s in spans
        if s.attributes
        and "postgresql" in (s.attributes.get("db.system"), s.attributes.get("db.system.name"))
    ]
    assert any(s.name.startswith("INSERT") for s in sql), [s.name for s in sql]
    # The relay published the event in the same trace, under the span that wrote it. Its
    # span ends at the broker's confirm, which may come after the queue handed us the message.
    for _ in range(100):
        publish = [s for s in _trace(exporter, trace_id) if s.kind == SpanKind.PRODUCER]
        if publish:
            break
        await asyncio.sleep(0.05)
    assert len(publish) == 1
    assert publish[0].parent is not None
    assert publish[0].parent.span_id == _id(data_server)
    assert str(message.headers["traceparent"]).startswith(f"00-{trace_id:032x}-{_id(publish[0]):016x}-")
    assert EventHeaders.model_validate(message.headers).traceparent == message.headers["traceparent"]
    # The relay's polls (claims every 50 ms here) are not traced.
    assert not [s for s in exporter.get_finished_spans() if s.name == "POST /outbox/claim"]

    # Every log line of the request carries the trace beside the request id; a problem body
    # only the request id.
    duplicate = await business.client.post(
        "/auth/register", json={"email": "tia@example.com", "username": "tia", "password": "user-password-1"}
    )
    assert duplicate.status_code == 409
    assert "trace_id" not in duplicate.json()
    lines = [json.loads(line) for line in logs.getvalue().splitlines()]
    access = [line for line in lines if line["event"] == "request" and line["route"] == "/auth/register"]
    assert access[0]["trace_id"] == f"{trace_id:032x}"
    assert access[0]["span_id"] == f"{_id(server):016x}"
    assert access[0]["request_id"]


async def test_a_cache_hit_is_at_most_a_redis_get_and_no_data_call(
    traced: tuple[Business, aio_pika.abc.AbstractQueue], exporter: InMemorySpanExporter
) -> None:
    business, _ = traced
    user = await register(business.client, "uma")
    headers = bearer(await token_for(business.client, "uma"))
    assert (await business.client.get(f"/users/{user['id']}", headers=headers)).status_code == 200  # fills it
    exporter.clear()
    assert (await business.client.get(f"/users/{user['id']}", headers=headers)).status_code == 200

    server = _server_span(list(exporter.get_finished_spans()), "GET /users/{user_id}")
    assert server.context is not None
    spans = _trace(exporter, server.context.trace_id)
    redis = [s for s in spans if s.attributes and s.attributes.get("db.system") == "redis"]
    # A hit on Redis is its GET; a hit on the near cache (in process) is no span at all.
    assert {s.name for s in redis} <= {"GET"}, [s.name for s in spans]
    http_calls = [s for s in spans if s.kind == SpanKind.CLIENT and s not in redis]
    assert not http_calls, [s.name for s in http_calls]
    # Nor a data server span anywhere (the relay's polls are not sampled).
    assert [s for s in exporter.get_finished_spans() if s.kind == SpanKind.SERVER] == [server]


def _parent(spans: list[ReadableSpan], span: ReadableSpan) -> ReadableSpan:
    assert span.parent is not None, span.name
    (parent,) = [s for s in spans if _id(s) == span.parent.span_id]
    return parent


def _linked(span: ReadableSpan) -> set[int]:
    return {int(link.context.span_id) for link in span.links}


@pytest.mark.parametrize("business_overrides", [{"cache_ttl_seconds": 0}])
async def test_each_read_gathered_into_one_call_shows_that_call_in_its_own_trace(
    traced: tuple[Business, aio_pika.abc.AbstractQueue], exporter: InMemorySpanExporter
) -> None:
    business, _ = traced
    headers = bearer(await admin_token(business.client))
    created = [await register(business.client, f"wes{n}") for n in range(6)]
    exporter.clear()
    answers = await asyncio.gather(
        *(business.client.get(f"/users/{u['id']}", headers=headers) for u in created)
    )
    assert [answer.json() for answer in answers] == created

    spans = list(exporter.get_finished_spans())
    calls = {_id(s): s for s in spans if s.name == "gathered user reads"}
    reads = [s for s in spans if s.name == "read user (gathered)"]
    requests: set[int] = set()
    for user in created:
        mine = [s for s in reads if s.attributes and s.attributes["user.id"] == str(user["id"])]
        if not mine:
            # It went at once (no call was out): a plain GET in its request's trace.
            (data_server,) = [s for s in spans if _data_path(s) == f"/users/{user['id']}"]
            server = _parent(spans, _parent(spans, data_server))
            assert server.kind == SpanKind.SERVER
            requests.add(_id(server))
            continue
        # Gathered: its request's trace has its wait for its user, a child of its span,
        # linked to the call that served it.
        (wait,) = mine
        server = _parent(spans, wait)
        assert (server.kind, server.name, server.parent) == (SpanKind.SERVER, "GET /users/{user_id}", None)
        requests.add(_id(server))
        (call_id,) = _linked(wait)
        assert call_id in calls
    assert len(requests) == len(created)
    # Each call links to every wait it served, and each of them to it.
    for call_id, call in calls.items():
        assert _linked(call) == {_id(s) for s in reads if call_id in _linked(s)}
    # Several requests rode one lookup: its client span and the data service's server span
    # are under the call's span.
    lookups = [s for s in spans if s.kind == SpanKind.SERVER and s.name == "POST /users/lookup"]
    assert lookups
    for lookup in lookups:
        client = _parent(spans, lookup)
        assert client.kind == SpanKind.CLIENT
        call = _parent(spans, client)
        assert call.name == "gathered user reads"
        served = [s for s in reads if _id(s) in _linked(call)]
        assert len({s.context.trace_id for s in served if s.context is not None}) > 1

    # A lone read (its request reads the admin, then the user, each alone) goes at once: a
    # plain GET in its request's own trace, as without gathering.
    exporter.clear()
    user_id = created[0]["id"]
    assert (await business.client.get(f"/users/{user_id}", headers=headers)).status_code == 200
    spans = list(exporter.get_finished_spans())
    (server,) = [s for s in spans if s.kind == SpanKind.SERVER and s.parent is None]
    assert server.context is not None
    spans = _trace(exporter, server.context.trace_id)
    assert not [s for s in spans if "gathered" in s.name]
    (data_server,) = [s for s in spans if _data_path(s) == f"/users/{user_id}" and s is not server]
    client = _parent(spans, data_server)
    assert client.kind == SpanKind.CLIENT
    assert _parent(spans, client) is server


def _data_path(span: ReadableSpan) -> object:
    """The path of a data service server span (None for any other span)."""
    if span.kind != SpanKind.SERVER or not span.attributes or span.parent is None:
        return None
    return span.attributes.get("url.path", span.attributes.get("http.target"))


async def test_with_tracing_off_nothing_is_installed(
    make_business: BusinessFactory, migrated_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    async with make_business() as business:
        await register(business.client, "val")
        assert not getattr(business.app, "_is_instrumented_by_opentelemetry", False)
        threads = [t.name for t in threading.enumerate()]
    assert not [name for name in threads if "Otel" in name or "Span" in name], threads
    connection = await asyncpg.connect(infra.libpq(migrated_database_url))
    try:
        stored: list[Any] = [
            row["trace_context"] for row in await connection.fetch("SELECT trace_context FROM outbox")
        ]
    finally:
        await connection.close()
    assert stored
    assert all(value is None for value in stored)


class _Receiver(BaseHTTPRequestHandler):
    """A bare OTLP/HTTP receiver: keeps each posted body, answers 200."""

    bodies: ClassVar[list[tuple[str, bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.bodies.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def otlp_receiver() -> Iterator[tuple[str, list[tuple[str, bytes]]]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", _Receiver.bodies
    finally:
        server.shutdown()
        server.server_close()
        _Receiver.bodies.clear()


def test_the_standard_variables_export_over_otlp_http(
    otlp_receiver: tuple[str, list[tuple[str, bytes]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, bodies = otlp_receiver
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "otlp")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", url)
    monkeypatch.setenv("OTEL_SERVICE_NAME", "business-eu-1")
    provider = tracer_provider_from_env(service_name="business")
    assert provider is not None
    provider.get_tracer(__name__).start_span("hello").end()
    provider.shutdown()  # flushes the batch
    ((path, body),) = bodies
    assert path == "/v1/traces"
    (resource_spans,) = ExportTraceServiceRequest.FromString(body).resource_spans
    attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
    assert attributes["service.name"] == "business-eu-1"
    assert [s.name for s in resource_spans.scope_spans[0].spans] == ["hello"]


@pytest.mark.parametrize(
    ("variables", "on"),
    [
        ({}, False),
        ({"OTEL_TRACES_EXPORTER": "none"}, False),
        ({"OTEL_TRACES_EXPORTER": "console", "OTEL_SDK_DISABLED": "true"}, False),
        ({"OTEL_TRACES_EXPORTER": "console"}, True),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, True),
    ],
)
def test_tracing_is_on_only_when_configured(
    variables: dict[str, str], on: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (
        "OTEL_TRACES_EXPORTER",
        "OTEL_SDK_DISABLED",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    provider = tracer_provider_from_env(service_name="data")
    assert (provider is not None) is on
    if provider is not None:
        assert provider.resource.attributes["service.name"] == "data"
        provider.shutdown()


@pytest.mark.parametrize(
    ("variables", "refused"),
    [
        ({"OTEL_TRACES_EXPORTER": "jaeger"}, "jaeger"),
        ({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, "grpc"),
    ],
)
def test_an_exporter_that_is_not_installed_fails_at_start(
    variables: dict[str, str], refused: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=refused):
        tracer_provider_from_env(service_name="data")
