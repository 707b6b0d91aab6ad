from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

T = TypeVar("T", bound="OutboxAck")


@_attrs_define
class OutboxAck:
    """
    Attributes:
        relay_id (str):
        event_ids (list[UUID]):
    """

    relay_id: str
    event_ids: list[UUID]

    def to_dict(self) -> dict[str, Any]:
        relay_id = self.relay_id

        event_ids = []
        for event_ids_item_data in self.event_ids:
            event_ids_item = str(event_ids_item_data)
            event_ids.append(event_ids_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "relay_id": relay_id,
                "event_ids": event_ids,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        relay_id = d.pop("relay_id")

        event_ids = []
        _event_ids = d.pop("event_ids")
        for event_ids_item_data in _event_ids:
            event_ids_item = UUID(event_ids_item_data)

            event_ids.append(event_ids_item)

        outbox_ack = cls(
            relay_id=relay_id,
            event_ids=event_ids,
        )

        return outbox_ack
