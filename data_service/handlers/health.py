"""`health` and `operations`: the probes and the metrics."""

from __future__ import annotations

from contract_models.data import Health, Readiness
from contract_servers.data import HealthApi, OperationsApi
from typing_extensions import override

from data_service.db import RETRY_AFTER_SECONDS, Database
from data_service.health import readiness_checks
from data_service.metrics import refresh_outbox_gauges
from service_kit.errors import NotReady
from service_kit.metrics import render_metrics


class HealthHandlers(HealthApi):
    def __init__(self, database: Database) -> None:
        self._db = database

    @override
    async def get_health(self) -> Health:
        return Health(status="ok")

    @override
    async def get_readiness(self) -> Readiness:
        checks = await readiness_checks(engine=self._db.engine)
        if not all(checks.values()):
            failed = ", ".join(name for name, ok in checks.items() if not ok)
            raise NotReady(f"Not ready: {failed}.", checks=checks, retry_after=RETRY_AFTER_SECONDS)
        return Readiness(status="ready", checks=checks)


class OperationsHandlers(OperationsApi):
    def __init__(self, database: Database) -> None:
        self._db = database

    @override
    async def get_metrics(self) -> str:
        await refresh_outbox_gauges(self._db)
        return render_metrics()
