"""The data service's FastAPI app: `uvicorn data_service.app:create_app --factory --port 8001`."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from contract_servers import data as contract
from fastapi import FastAPI
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.trace import TracerProvider

from data_service.db import Database, make_engine
from data_service.embedded import start_embedded_postgres
from data_service.handlers import build_api
from data_service.retention import OutboxPruner
from data_service.settings import DataSettings
from service_kit.access_log import AccessLogMiddleware
from service_kit.contract import load_contract
from service_kit.contract_guard import ContractGuardMiddleware
from service_kit.docs import serve_contract
from service_kit.heap import freeze_startup_heap
from service_kit.logging import configure_logging
from service_kit.problems import install_problem_handlers
from service_kit.request_context import RequestContextMiddleware
from service_kit.tracing import tracer_provider_from_env


def create_app(
    settings: DataSettings | None = None, *, tracer_provider: TracerProvider | None = None
) -> FastAPI:
    """The app; `settings` default to the environment's. Tracing follows the OTEL_* variables
    unless `tracer_provider` is given (tests); when it is off, nothing of OpenTelemetry is
    installed."""
    config = settings or DataSettings()
    tracing = tracer_provider or tracer_provider_from_env(service_name="data")
    configure_logging(level=config.log_level, fmt=config.log_format, trace_ids=tracing is not None)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        url = config.database_url
        if url is None:
            url = await asyncio.to_thread(start_embedded_postgres)
        database = Database(make_engine(url=url, settings=config))
        if tracing is not None:
            # A span per SQL statement. asyncpg's instrumentation patches its classes, so it is
            # per process: one app per process outside the tests.
            AsyncPGInstrumentor().instrument(tracer_provider=tracing)  # type: ignore[no-untyped-call]  # its __init__ is unannotated
        app.state.database = database
        contract.implement(app, build_api(database=database, settings=config))
        pruner = OutboxPruner(
            database=database,
            retention_days=config.event_retention_days,
            batch_size=config.event_prune_batch_size,
            interval_seconds=config.event_prune_interval_seconds,
        )
        app.state.pruner = pruner
        pruning = asyncio.create_task(pruner.run_forever(), name="outbox-pruner")
        freeze_startup_heap()
        try:
            yield
        finally:
            pruning.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pruning
            await database.dispose()
            if tracing is not None:
                AsyncPGInstrumentor().uninstrument()  # type: ignore[no-untyped-call]
                if tracer_provider is None:
                    tracing.shutdown()  # exports what is still batched

    # Title, version and every operation come from openapi/data.yaml, through `make generate`.
    app = FastAPI(title=contract.TITLE, version=contract.VERSION, lifespan=lifespan)
    app.state.settings = config
    contract.create_router(app.router)
    install_problem_handlers(app, refuse_undeclared=config.strict_statuses)
    serve_contract(app, "data")
    # The last added runs first: request context, access log, then the contract guard.
    app.add_middleware(
        ContractGuardMiddleware, contract=load_contract("data"), max_body_bytes=config.max_body_bytes
    )
    app.add_middleware(AccessLogMiddleware, service="data")
    app.add_middleware(RequestContextMiddleware)
    if tracing is not None:
        # Outside our middlewares (the access log line gets the span's ids); it honours the
        # caller's `traceparent`. No spans for each ASGI receive and send.
        FastAPIInstrumentor.instrument_app(app, tracer_provider=tracing, exclude_spans=["receive", "send"])
    return app
