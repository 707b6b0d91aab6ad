from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define

T = TypeVar("T", bound="ReplayResult")


@_attrs_define
class ReplayResult:
    """
    Attributes:
        replayed (int): Events published to the queue and confirmed by the broker in this call.
        last_event_id (None | UUID): The last replayed event; null when none was.
        has_more (bool): Whether more events match; call again with `after_event_id` = `last_event_id`.
        retention_horizon (datetime.datetime): Events that occurred before this time are pruned (or about to be).
    """

    replayed: int
    last_event_id: None | UUID
    has_more: bool
    retention_horizon: datetime.datetime

    def to_dict(self) -> dict[str, Any]:
        replayed = self.replayed

        last_event_id: None | str
        if isinstance(self.last_event_id, UUID):
            last_event_id = str(self.last_event_id)
        else:
            last_event_id = self.last_event_id

        has_more = self.has_more

        retention_horizon = self.retention_horizon.isoformat()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "replayed": replayed,
                "last_event_id": last_event_id,
                "has_more": has_more,
                "retention_horizon": retention_horizon,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        replayed = d.pop("replayed")

        def _parse_last_event_id(data: object) -> None | UUID:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_event_id_type_0 = UUID(data)

                return last_event_id_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UUID, data)

        last_event_id = _parse_last_event_id(d.pop("last_event_id"))

        has_more = d.pop("has_more")

        retention_horizon = datetime.datetime.fromisoformat(d.pop("retention_horizon"))

        replay_result = cls(
            replayed=replayed,
            last_event_id=last_event_id,
            has_more=has_more,
            retention_horizon=retention_horizon,
        )

        return replay_result
