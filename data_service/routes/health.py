"""/health and /ready: no token needed."""

from __future__ import annotations

from contract_models.data import Health, Readiness
from fastapi import APIRouter
from starlette.responses import JSONResponse

from data_service.db import RETRY_AFTER_SECONDS
from data_service.deps import DatabaseDep
from data_service.health import readiness_checks
from service_kit.problems import problem_response, problem_responses

router = APIRouter(tags=["health"])


@router.get("/health", operation_id="getHealth")
async def get_health() -> Health:
    return Health(status="ok")


@router.get(
    "/ready",
    operation_id="getReadiness",
    response_model=Readiness,
    responses=problem_responses(503),
)
async def get_readiness(db: DatabaseDep) -> Readiness | JSONResponse:
    checks = await readiness_checks(engine=db.engine)
    if all(checks.values()):
        return Readiness(status="ready", checks=checks)
    return problem_response(
        status=503,
        title="Service Unavailable",
        type_="urn:problem:not-ready",
        detail="Not ready: " + ", ".join(name for name, ok in checks.items() if not ok) + ".",
        instance="/ready",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        checks=checks,
    )
