from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="OutboxClaim")


@_attrs_define
class OutboxClaim:
    """
    Attributes:
        relay_id (str): Who claims; only this relay can acknowledge the events.
        limit (int | Unset):  Default: 100.
        lease_seconds (int | Unset):  Default: 30.
    """

    relay_id: str
    limit: int | Unset = 100
    lease_seconds: int | Unset = 30

    def to_dict(self) -> dict[str, Any]:
        relay_id = self.relay_id

        limit = self.limit

        lease_seconds = self.lease_seconds

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "relay_id": relay_id,
            }
        )
        if limit is not UNSET:
            field_dict["limit"] = limit
        if lease_seconds is not UNSET:
            field_dict["lease_seconds"] = lease_seconds

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        relay_id = d.pop("relay_id")

        limit = d.pop("limit", UNSET)

        lease_seconds = d.pop("lease_seconds", UNSET)

        outbox_claim = cls(
            relay_id=relay_id,
            limit=limit,
            lease_seconds=lease_seconds,
        )

        return outbox_claim
