"""/outbox: thin routes over `data_service.outbox`."""

from __future__ import annotations

from contract_models.data import OutboxAck, OutboxAckResult, OutboxBatch, OutboxClaim, OutboxStats
from fastapi import APIRouter

from data_service import outbox
from data_service.deps import DatabaseDep
from service_kit.problems import problem_responses

router = APIRouter(prefix="/outbox", tags=["outbox"])


@router.post("/claim", operation_id="claimOutboxEvents", responses=problem_responses(401, 413, 415, 422, 503))
async def claim_events(data: OutboxClaim, db: DatabaseDep) -> OutboxBatch:
    async with db.transaction() as session:
        return await outbox.claim(session=session, data=data)


@router.post(
    "/ack",
    operation_id="acknowledgeOutboxEvents",
    responses=problem_responses(401, 413, 415, 422, 503),
)
async def acknowledge_events(data: OutboxAck, db: DatabaseDep) -> OutboxAckResult:
    async with db.transaction() as session:
        return await outbox.acknowledge(session=session, data=data)


@router.get("/stats", operation_id="getOutboxStats", responses=problem_responses(401, 503))
async def get_outbox_stats(db: DatabaseDep) -> OutboxStats:
    async with db.transaction() as session:
        return await outbox.stats(session=session)
