from __future__ import annotations

from contract_models.business import Health, Readiness
from fastapi import APIRouter
from starlette.responses import JSONResponse

from business_service.deps import ResourcesDep
from service_kit.problems import problem_response, problem_responses

router = APIRouter(tags=["health"])


@router.get("/health", operation_id="getHealth")
async def get_health() -> Health:
    return Health(status="ok")


@router.get("/ready", operation_id="getReadiness", response_model=Readiness, responses=problem_responses(503))
async def get_readiness(resources: ResourcesDep) -> Readiness | JSONResponse:
    checks = {
        "data_service": await resources.gateway.is_ready(),
        "cache": await resources.cache.ping(),
        "broker": resources.publisher is not None and resources.publisher.connected,
    }
    if checks["data_service"]:
        return Readiness(status="ready", checks=checks)
    return problem_response(
        status=503,
        title="Service Unavailable",
        type_="urn:problem:not-ready",
        detail="The data service does not answer.",
        instance="/ready",
        headers={"Retry-After": "2"},
        checks=checks,
    )
