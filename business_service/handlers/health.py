"""`health` and `operations`: the probes and the metrics."""

from __future__ import annotations

from contract_models.business import Health, Readiness
from contract_servers.business import HealthApi, OperationsApi
from typing_extensions import override

from business_service.state import Resources
from service_kit.errors import NotReady
from service_kit.metrics import render_metrics


class HealthHandlers(HealthApi):
    def __init__(self, resources: Resources) -> None:
        self._resources = resources

    @override
    async def get_health(self) -> Health:
        return Health(status="ok")

    @override
    async def get_readiness(self) -> Readiness:
        resources = self._resources
        checks = {
            "data_service": await resources.gateway.is_ready(),
            # After the probe, whose verdict the breaker counts.
            "data_circuit_closed": resources.gateway.breaker.state == "closed",
            "cache": await resources.cache.ping(),
            "broker": resources.publisher is not None and resources.publisher.connected,
        }
        # Only the data service decides: without it nothing works; without the cache or the
        # broker the service still answers (in-process limits, events wait in the outbox).
        if not checks["data_service"]:
            raise NotReady("The data service does not answer.", checks=checks)
        return Readiness(status="ready", checks=checks)


class OperationsHandlers(OperationsApi):
    def __init__(self, resources: Resources) -> None:
        self._resources = resources

    @override
    async def get_metrics(self) -> str:
        # An open circuit turns half-open with time alone: put its state now.
        self._resources.gateway.breaker.report()
        return render_metrics()
