"""The data service's FastAPI app: `uvicorn data_service.app:create_app --factory --port 8001`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from data_service.auth import ServiceTokenMiddleware, public_paths
from data_service.db import Database, make_engine
from data_service.embedded import start_embedded_postgres
from data_service.metrics import refresh_outbox_gauges
from data_service.routes import health, outbox, users
from data_service.settings import DataSettings
from service_kit.contract import load_contract, serve_contract
from service_kit.heap import freeze_startup_heap
from service_kit.http import AccessLogMiddleware, ContractGuardMiddleware
from service_kit.logging import configure_logging
from service_kit.metrics import metrics_router
from service_kit.problems import install_problem_handlers
from service_kit.request_id import RequestIdMiddleware


def create_app(settings: DataSettings | None = None) -> FastAPI:
    """The app; `settings` default to the environment's."""
    config = settings or DataSettings()
    configure_logging(level=config.log_level, fmt=config.log_format)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        url = config.database_url
        if url is None:
            url = await asyncio.to_thread(start_embedded_postgres)
        database = Database(make_engine(url=url, settings=config))
        app.state.database = database
        freeze_startup_heap()
        try:
            yield
        finally:
            await database.dispose()

    app = FastAPI(title="Data API", version="1.0.0", lifespan=lifespan)
    app.state.settings = config
    # The router tries routes in this order, one by one: the busiest first.
    app.include_router(users.router)
    app.include_router(outbox.router)
    app.include_router(health.router)
    app.include_router(metrics_router(before_scrape=refresh_outbox_gauges))
    install_problem_handlers(app)
    serve_contract(app, "data")
    # The last added runs first: request id, access log, token, then the contract guard.
    app.add_middleware(
        ContractGuardMiddleware, contract=load_contract("data"), max_body_bytes=config.max_body_bytes
    )
    app.add_middleware(
        ServiceTokenMiddleware, token=config.service_token, public=public_paths(load_contract("data"))
    )
    app.add_middleware(AccessLogMiddleware, service="data")
    app.add_middleware(RequestIdMiddleware)
    return app
