from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.role import Role, check_role
from ..types import UNSET, Unset

T = TypeVar("T", bound="AdminUserUpdate")


@_attrs_define
class AdminUserUpdate:
    """The fields to change; absent fields keep their value. None may be null.

    Attributes:
        version (int | Unset): Increases by one with every change of the user.
        role (Role | Unset): What the user may do.
        is_active (bool | Unset):
    """

    version: int | Unset = UNSET
    role: Role | Unset = UNSET
    is_active: bool | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        version = self.version

        role: str | Unset = UNSET
        if not isinstance(self.role, Unset):
            role = self.role

        is_active = self.is_active

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if version is not UNSET:
            field_dict["version"] = version
        if role is not UNSET:
            field_dict["role"] = role
        if is_active is not UNSET:
            field_dict["is_active"] = is_active

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        version = d.pop("version", UNSET)

        _role = d.pop("role", UNSET)
        role: Role | Unset
        if isinstance(_role, Unset):
            role = UNSET
        else:
            role = check_role(_role)

        is_active = d.pop("is_active", UNSET)

        admin_user_update = cls(
            version=version,
            role=role,
            is_active=is_active,
        )

        return admin_user_update
