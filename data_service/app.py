"""The data service's FastAPI app: `uvicorn data_service.app:create_app --factory --port 8001`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from contract_servers import data as contract
from fastapi import FastAPI

from data_service.db import Database, make_engine
from data_service.embedded import start_embedded_postgres
from data_service.handlers import build_api
from data_service.settings import DataSettings
from service_kit.access_log import AccessLogMiddleware
from service_kit.contract import load_contract
from service_kit.contract_guard import ContractGuardMiddleware
from service_kit.docs import serve_contract
from service_kit.heap import freeze_startup_heap
from service_kit.logging import configure_logging
from service_kit.problems import install_problem_handlers
from service_kit.request_context import RequestContextMiddleware


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
        contract.implement(app, build_api(database=database, settings=config))
        freeze_startup_heap()
        try:
            yield
        finally:
            await database.dispose()

    # Title, version and every operation come from openapi/data.yaml, through `make generate`.
    app = FastAPI(title=contract.TITLE, version=contract.VERSION, lifespan=lifespan)
    app.state.settings = config
    app.include_router(contract.create_router())
    install_problem_handlers(app, refuse_undeclared=config.strict_statuses)
    serve_contract(app, "data")
    # The last added runs first: request context, access log, then the contract guard.
    app.add_middleware(
        ContractGuardMiddleware, contract=load_contract("data"), max_body_bytes=config.max_body_bytes
    )
    app.add_middleware(AccessLogMiddleware, service="data")
    app.add_middleware(RequestContextMiddleware)
    return app
