from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.outbox_event import OutboxEvent


T = TypeVar("T", bound="OutboxHistoryPage")


@_attrs_define
class OutboxHistoryPage:
    """
    Attributes:
        events (list[OutboxEvent]):
        has_more (bool): Whether more events match; ask again with the last event's id as `after_event_id`.
        retention_horizon (datetime.datetime): Events that occurred before this time are pruned (or about to be).
    """

    events: list[OutboxEvent]
    has_more: bool
    retention_horizon: datetime.datetime

    def to_dict(self) -> dict[str, Any]:
        events = []
        for events_item_data in self.events:
            events_item = events_item_data.to_dict()
            events.append(events_item)

        has_more = self.has_more

        retention_horizon = self.retention_horizon.isoformat()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "events": events,
                "has_more": has_more,
                "retention_horizon": retention_horizon,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.outbox_event import OutboxEvent  # noqa: PLC0415

        d = dict(src_dict)
        events = []
        _events = d.pop("events")
        for events_item_data in _events:
            events_item = OutboxEvent.from_dict(events_item_data)

            events.append(events_item)

        has_more = d.pop("has_more")

        retention_horizon = datetime.datetime.fromisoformat(d.pop("retention_horizon"))

        outbox_history_page = cls(
            events=events,
            has_more=has_more,
            retention_horizon=retention_horizon,
        )

        return outbox_history_page
