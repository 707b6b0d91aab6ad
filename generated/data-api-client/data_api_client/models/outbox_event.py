from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

from ..models.event_type import EventType, check_event_type
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.outbox_event_payload import OutboxEventPayload
    from ..models.outbox_event_trace_context_type_0 import OutboxEventTraceContextType0


T = TypeVar("T", bound="OutboxEvent")


@_attrs_define
class OutboxEvent:
    """
    Attributes:
        event_id (UUID): Stable id of the event; the message id on the broker.
        sequence (int): Position of the event among all events; increases with time.
        event_type (EventType): The kind of event; also its routing key on the exchange.
        user_id (int):
        occurred_at (datetime.datetime):
        payload (OutboxEventPayload): The message body, a `UserEvent` of the events contract (openapi/events.yaml).
        request_id (None | str | Unset): The request that caused the event, if known.
        trace_context (None | OutboxEventTraceContextType0 | Unset): The trace context of the request that caused the
            event, as the propagators'
            headers (`traceparent`, and `tracestate` or `baggage` when present); null when the
            data service does not trace. The relay publishes the event in that trace and sends
            these headers with the message.
    """

    event_id: UUID
    sequence: int
    event_type: EventType
    user_id: int
    occurred_at: datetime.datetime
    payload: OutboxEventPayload
    request_id: None | str | Unset = UNSET
    trace_context: None | OutboxEventTraceContextType0 | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.outbox_event_trace_context_type_0 import OutboxEventTraceContextType0  # noqa: PLC0415

        event_id = str(self.event_id)

        sequence = self.sequence

        event_type: str = self.event_type

        user_id = self.user_id

        occurred_at = self.occurred_at.isoformat()

        payload = self.payload.to_dict()

        request_id: None | str | Unset
        if isinstance(self.request_id, Unset):
            request_id = UNSET
        else:
            request_id = self.request_id

        trace_context: dict[str, Any] | None | Unset
        if isinstance(self.trace_context, Unset):
            trace_context = UNSET
        elif isinstance(self.trace_context, OutboxEventTraceContextType0):
            trace_context = self.trace_context.to_dict()
        else:
            trace_context = self.trace_context

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "event_id": event_id,
                "sequence": sequence,
                "event_type": event_type,
                "user_id": user_id,
                "occurred_at": occurred_at,
                "payload": payload,
            }
        )
        if request_id is not UNSET:
            field_dict["request_id"] = request_id
        if trace_context is not UNSET:
            field_dict["trace_context"] = trace_context

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.outbox_event_payload import OutboxEventPayload  # noqa: PLC0415
        from ..models.outbox_event_trace_context_type_0 import OutboxEventTraceContextType0  # noqa: PLC0415

        d = dict(src_dict)
        event_id = UUID(d.pop("event_id"))

        sequence = d.pop("sequence")

        event_type = check_event_type(d.pop("event_type"))

        user_id = d.pop("user_id")

        occurred_at = datetime.datetime.fromisoformat(d.pop("occurred_at"))

        payload = OutboxEventPayload.from_dict(d.pop("payload"))

        def _parse_request_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        request_id = _parse_request_id(d.pop("request_id", UNSET))

        def _parse_trace_context(data: object) -> None | OutboxEventTraceContextType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                trace_context_type_0 = OutboxEventTraceContextType0.from_dict(data)

                return trace_context_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | OutboxEventTraceContextType0 | Unset, data)

        trace_context = _parse_trace_context(d.pop("trace_context", UNSET))

        outbox_event = cls(
            event_id=event_id,
            sequence=sequence,
            event_type=event_type,
            user_id=user_id,
            occurred_at=occurred_at,
            payload=payload,
            request_id=request_id,
            trace_context=trace_context,
        )

        return outbox_event
