"""The business service's FastAPI app: `uvicorn business_service.app:create_app --factory`."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import structlog
from contract_servers import business as contract
from fastapi import FastAPI
from opentelemetry.instrumentation.aio_pika import AioPikaInstrumentor
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.trace import TracerProvider

from business_service.auth import ensure_first_admin
from business_service.breaker import CircuitBreaker
from business_service.cache import build_cache
from business_service.caller_limits import CallerLimits
from business_service.gateway import DataGateway, build_data_client
from business_service.handlers import build_api
from business_service.invalidations import InvalidationListener
from business_service.near_cache import NearCache
from business_service.publisher import EventPublisher
from business_service.rate_limit import RateLimitMiddleware
from business_service.relay import OutboxRelay
from business_service.security import TokenVerifier
from business_service.settings import BusinessSettings
from business_service.state import Resources
from service_kit.access_log import AccessLogMiddleware
from service_kit.contract import load_contract
from service_kit.contract_guard import ContractGuardMiddleware
from service_kit.docs import serve_contract
from service_kit.errors import DomainError
from service_kit.heap import freeze_startup_heap
from service_kit.logging import configure_logging
from service_kit.problems import install_problem_handlers
from service_kit.request_context import RequestContextMiddleware
from service_kit.tracing import tracer_provider_from_env

log = structlog.get_logger(__name__)


async def _retry_first_admin(gateway: DataGateway, settings: BusinessSettings) -> None:
    delay = 1.0
    while True:
        await asyncio.sleep(delay)
        try:
            await ensure_first_admin(gateway=gateway, settings=settings)
        except DomainError:
            delay = min(delay * 2, 60.0)
            continue
        return


def _build_resources(
    settings: BusinessSettings,
    data_transport: httpx.AsyncBaseTransport | None,
    tracing: TracerProvider | None,
) -> Resources:
    """What the process holds for its life: the gateway, the cache, the token verifier, the
    rate limits, and the publisher and relay when a broker is configured."""
    gateway = DataGateway(
        client=build_data_client(settings, transport=data_transport, tracer_provider=tracing),
        retry_attempts=settings.data_retry_attempts,
        breaker=CircuitBreaker(
            failure_threshold=settings.data_breaker_failures,
            reset_seconds=settings.data_breaker_pause_seconds,
        ),
        gather_reads=settings.read_gathering,
        tracer_provider=tracing,
    )
    cache = build_cache(
        redis_url=settings.redis_url, tracer_provider=tracing, gather_reads=settings.read_gathering
    )
    if tracing is not None and settings.rabbitmq_url:
        # aio-pika's instrumentation patches the Exchange class, so it is per process:
        # one app per process outside the tests.
        AioPikaInstrumentor().instrument(tracer_provider=tracing)
    tokens = TokenVerifier(secret=settings.jwt_secret, algorithm=settings.jwt_algorithm)
    resources = Resources(settings=settings, gateway=gateway, cache=cache, tokens=tokens)
    if settings.near_cache and settings.redis_url and settings.cache_ttl_seconds:
        resources.near = NearCache(
            max_entries=settings.near_cache_size, liveness_seconds=settings.near_cache_liveness_seconds
        )
        resources.invalidations = InvalidationListener(url=settings.redis_url, near=resources.near)
        resources.invalidations.start()
    if settings.rate_limit_per_minute:
        resources.limits = CallerLimits(
            per_minute=settings.rate_limit_per_minute, redis_url=settings.redis_url
        )
    if settings.rabbitmq_url:
        resources.publisher = EventPublisher(url=settings.rabbitmq_url, exchange=settings.events_exchange)
        resources.relay = OutboxRelay(
            gateway=gateway,
            publisher=resources.publisher,
            batch_size=settings.relay_batch_size,
            lease_seconds=settings.relay_lease_seconds,
            interval_seconds=settings.relay_interval_seconds,
        )
        resources.relay_task = asyncio.create_task(resources.relay.run_forever(), name="outbox-relay")
    else:
        log.warning("RABBITMQ_URL is not set; user events stay pending in the outbox")
    return resources


def _lifespan(
    settings: BusinessSettings,
    data_transport: httpx.AsyncBaseTransport | None,
    tracing: TracerProvider | None,
    *,
    owns_tracing: bool,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resources = _build_resources(settings, data_transport, tracing)
        gateway, cache = resources.gateway, resources.cache
        app.state.resources = resources
        contract.implement(app, build_api(resources))
        admin_task: asyncio.Task[None] | None = None
        try:
            await ensure_first_admin(gateway=gateway, settings=settings)
        except DomainError as exc:
            log.error("could not ensure the first admin; retrying in the background", error=exc.detail)
            admin_task = asyncio.create_task(_retry_first_admin(gateway, settings), name="first-admin")
        freeze_startup_heap()
        try:
            yield
        finally:
            if admin_task is not None:
                admin_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await admin_task
            if resources.relay_task is not None:
                resources.relay_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await resources.relay_task
            if resources.publisher is not None:
                await resources.publisher.aclose()
            if resources.limits is not None:
                await resources.limits.aclose()
            if resources.invalidations is not None:
                await resources.invalidations.aclose()
            await cache.aclose()
            await gateway.aclose()
            if tracing is not None:
                if settings.rabbitmq_url:
                    AioPikaInstrumentor().uninstrument()
                if owns_tracing:
                    tracing.shutdown()  # exports what is still batched

    return lifespan


def create_app(
    settings: BusinessSettings | None = None,
    *,
    data_transport: httpx.AsyncBaseTransport | None = None,
    tracer_provider: TracerProvider | None = None,
) -> FastAPI:
    """The app. Tracing follows the OTEL_* variables unless `tracer_provider` is given (tests);
    when it is off, nothing of OpenTelemetry is installed."""
    settings = settings or BusinessSettings()
    tracing = tracer_provider or tracer_provider_from_env(service_name="business")
    configure_logging(level=settings.log_level, fmt=settings.log_format, trace_ids=tracing is not None)
    # Title, version and every operation come from openapi/business.yaml, through `make generate`.
    app = FastAPI(
        title=contract.TITLE,
        version=contract.VERSION,
        lifespan=_lifespan(settings, data_transport, tracing, owns_tracing=tracer_provider is None),
        swagger_ui_init_oauth={"usePkceWithAuthorizationCodeGrant": False},
    )
    install_problem_handlers(app, refuse_undeclared=settings.strict_statuses)
    contract.create_router(app.router)
    serve_contract(app, "business")
    app.add_middleware(
        ContractGuardMiddleware, contract=load_contract("business"), max_body_bytes=settings.max_body_bytes
    )
    # Inside the access log, so that a 429 is logged and counted like any answer.
    app.add_middleware(RateLimitMiddleware, contract=load_contract("business"))
    app.add_middleware(AccessLogMiddleware, service="business")
    app.add_middleware(RequestContextMiddleware)
    if tracing is not None:
        # Its middleware goes outside ours, so the access log line has the server span's ids.
        # No spans for each ASGI receive and send: two more per request, and nothing to learn.
        FastAPIInstrumentor.instrument_app(app, tracer_provider=tracing, exclude_spans=["receive", "send"])
    return app
