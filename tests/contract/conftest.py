from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import infra
from tests.live import LiveService, live_service
from tools import contract_check

SERVICE_TOKEN = "contract-tests-service-token"


@pytest.fixture(scope="session")
def live_data(migrated_database_url: str) -> Iterator[LiveService]:
    env = {"DATABASE_URL": migrated_database_url, "SERVICE_TOKEN": SERVICE_TOKEN}
    with live_service("data", "data_service.app:create_app", env) as service:
        yield service


@pytest.fixture(scope="session")
def live_business(live_data: LiveService) -> Iterator[LiveService]:
    """The business service on its embedded defaults: no Redis, no RabbitMQ."""
    env = {
        "DATA_SERVICE_URL": live_data.url,
        "SERVICE_TOKEN": SERVICE_TOKEN,
        "JWT_SECRET": "contract-tests-jwt-secret-0123456789abcdef",
        "REDIS_URL": None,
        "RABBITMQ_URL": None,
    }
    with live_service("business", "business_service.app:create_app", env) as service:
        yield service


@pytest.fixture(scope="session")
def optic() -> Path:
    """The pinned Optic, installed once, before the tests time themselves (a first `npm ci`
    takes a minute)."""
    try:
        return contract_check.ensure_optic()
    except contract_check.ContractCheckError as error:
        infra.missing("Optic", str(error))
        raise
