from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="OutboxStats")


@_attrs_define
class OutboxStats:
    """
    Attributes:
        pending (int): Events not yet acknowledged.
        oldest_pending_age_seconds (float): Age of the oldest pending event; 0 when none is pending.
    """

    pending: int
    oldest_pending_age_seconds: float

    def to_dict(self) -> dict[str, Any]:
        pending = self.pending

        oldest_pending_age_seconds = self.oldest_pending_age_seconds

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "pending": pending,
                "oldest_pending_age_seconds": oldest_pending_age_seconds,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        pending = d.pop("pending")

        oldest_pending_age_seconds = d.pop("oldest_pending_age_seconds")

        outbox_stats = cls(
            pending=pending,
            oldest_pending_age_seconds=oldest_pending_age_seconds,
        )

        return outbox_stats
