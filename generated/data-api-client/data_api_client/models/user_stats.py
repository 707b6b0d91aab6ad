from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.role_counts import RoleCounts


T = TypeVar("T", bound="UserStats")


@_attrs_define
class UserStats:
    """
    Attributes:
        total (int):
        active (int):
        inactive (int):
        by_role (RoleCounts):
    """

    total: int
    active: int
    inactive: int
    by_role: RoleCounts

    def to_dict(self) -> dict[str, Any]:
        total = self.total

        active = self.active

        inactive = self.inactive

        by_role = self.by_role.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "total": total,
                "active": active,
                "inactive": inactive,
                "by_role": by_role,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.role_counts import RoleCounts  # noqa: PLC0415

        d = dict(src_dict)
        total = d.pop("total")

        active = d.pop("active")

        inactive = d.pop("inactive")

        by_role = RoleCounts.from_dict(d.pop("by_role"))

        user_stats = cls(
            total=total,
            active=active,
            inactive=inactive,
            by_role=by_role,
        )

        return user_stats
