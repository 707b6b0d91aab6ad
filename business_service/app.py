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

from business_service.auth import ensure_first_admin
from business_service.breaker import CircuitBreaker
from business_service.cache import build_cache
from business_service.caller_limits import CallerLimits
from business_service.gateway import DataGateway, build_data_client
from business_service.handlers import build_api
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


def _lifespan(
    settings: BusinessSettings, data_transport: httpx.AsyncBaseTransport | None
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        gateway = DataGateway(
            client=build_data_client(settings, transport=data_transport),
            retry_attempts=settings.data_retry_attempts,
            breaker=CircuitBreaker(
                failure_threshold=settings.data_breaker_failures,
                reset_seconds=settings.data_breaker_pause_seconds,
            ),
        )
        cache = build_cache(redis_url=settings.redis_url)
        tokens = TokenVerifier(secret=settings.jwt_secret, algorithm=settings.jwt_algorithm)
        resources = Resources(settings=settings, gateway=gateway, cache=cache, tokens=tokens)
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
            await cache.aclose()
            await gateway.aclose()

    return lifespan


def create_app(
    settings: BusinessSettings | None = None, *, data_transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    settings = settings or BusinessSettings()
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    # Title, version and every operation come from openapi/business.yaml, through `make generate`.
    app = FastAPI(
        title=contract.TITLE,
        version=contract.VERSION,
        lifespan=_lifespan(settings, data_transport),
        swagger_ui_init_oauth={"usePkceWithAuthorizationCodeGrant": False},
    )
    install_problem_handlers(app, refuse_undeclared=settings.strict_statuses)
    app.include_router(contract.create_router())
    serve_contract(app, "business")
    app.add_middleware(
        ContractGuardMiddleware, contract=load_contract("business"), max_body_bytes=settings.max_body_bytes
    )
    # Inside the access log, so that a 429 is logged and counted like any answer.
    app.add_middleware(RateLimitMiddleware, contract=load_contract("business"))
    app.add_middleware(AccessLogMiddleware, service="business")
    app.add_middleware(RequestContextMiddleware)
    return app
