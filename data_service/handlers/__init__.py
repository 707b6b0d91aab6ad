"""The data contract's operations, implemented: one class per tag of `openapi/data.yaml`.

Each class implements the interface `make generate` made of its tag
(`contract_servers.data`); mypy holds it to the contract. `build_api` puts them together
once, in the lifespan.
"""

from __future__ import annotations

from contract_servers.data import DataApi

from data_service.auth import ServiceTokenAuthenticator
from data_service.db import Database
from data_service.handlers.health import HealthHandlers, OperationsHandlers
from data_service.handlers.outbox import OutboxHandlers
from data_service.handlers.users import UserHandlers
from data_service.settings import DataSettings


def build_api(*, database: Database, settings: DataSettings) -> DataApi:
    return DataApi(
        users=UserHandlers(database),
        outbox=OutboxHandlers(database, retention_days=settings.event_retention_days),
        health=HealthHandlers(database),
        operations=OperationsHandlers(database),
        service_token=ServiceTokenAuthenticator(token=settings.service_token),
    )
