from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="RoleCounts")


@_attrs_define
class RoleCounts:
    """
    Attributes:
        user (int):
        admin (int):
    """

    user: int
    admin: int

    def to_dict(self) -> dict[str, Any]:
        user = self.user

        admin = self.admin

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "user": user,
                "admin": admin,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        user = d.pop("user")

        admin = d.pop("admin")

        role_counts = cls(
            user=user,
            admin=admin,
        )

        return role_counts
