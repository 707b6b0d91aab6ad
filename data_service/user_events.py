"""Outbox rows for user changes: the payload is exactly an event of the events contract."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from contract_models.events import EventUser, UserCreatedEvent, UserDeletedEvent, UserUpdatedEvent

from data_service.models import OutboxRow, UserRow
from service_kit.request_context import current_request_id
from service_kit.tracing import current_trace_context

ChangedField = Literal["email", "username", "password", "full_name", "role", "is_active"]


def _snapshot(user: UserRow) -> EventUser:
    return EventUser.model_validate(user, from_attributes=True)


def _row(event: UserCreatedEvent | UserUpdatedEvent | UserDeletedEvent, *, user_id: int) -> OutboxRow:
    return OutboxRow(
        event_id=event.event_id,
        event_type=event.event_type,
        user_id=user_id,
        request_id=event.request_id,
        # The event keeps its cause: the relay publishes it in this trace, however much later.
        trace_context=current_trace_context(),
        payload=event.model_dump(mode="json"),
        occurred_at=event.occurred_at,
    )


def user_created(*, user: UserRow, now: datetime) -> OutboxRow:
    event = UserCreatedEvent(
        event_id=uuid.uuid4(),
        event_type="user.created",
        event_version=1,
        occurred_at=now,
        request_id=current_request_id(),
        user=_snapshot(user),
    )
    return _row(event, user_id=user.id)


def user_updated(*, user: UserRow, changed: list[ChangedField], now: datetime) -> OutboxRow:
    event = UserUpdatedEvent(
        event_id=uuid.uuid4(),
        event_type="user.updated",
        event_version=1,
        occurred_at=now,
        request_id=current_request_id(),
        user=_snapshot(user),
        changed=changed,
    )
    return _row(event, user_id=user.id)


def user_deleted(*, user: UserRow, now: datetime) -> OutboxRow:
    event = UserDeletedEvent(
        event_id=uuid.uuid4(),
        event_type="user.deleted",
        event_version=1,
        occurred_at=now,
        request_id=current_request_id(),
        user=_snapshot(user),
    )
    return _row(event, user_id=user.id)
