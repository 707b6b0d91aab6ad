from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.role import Role, check_role

T = TypeVar("T", bound="UserCredentials")


@_attrs_define
class UserCredentials:
    """
    Attributes:
        id (int):
        username (str): Letters, digits, `.`, `_` and `-`; case-sensitive.
        hashed_password (str): A password hash in PHC string format, made by the business service.
        role (Role): What the user may do in the business API.
        is_active (bool):
        version (int): Increases by one with every change of the user.
    """

    id: int
    username: str
    hashed_password: str
    role: Role
    is_active: bool
    version: int

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        username = self.username

        hashed_password = self.hashed_password

        role: str = self.role

        is_active = self.is_active

        version = self.version

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "username": username,
                "hashed_password": hashed_password,
                "role": role,
                "is_active": is_active,
                "version": version,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        username = d.pop("username")

        hashed_password = d.pop("hashed_password")

        role = check_role(d.pop("role"))

        is_active = d.pop("is_active")

        version = d.pop("version")

        user_credentials = cls(
            id=id,
            username=username,
            hashed_password=hashed_password,
            role=role,
            is_active=is_active,
            version=version,
        )

        return user_credentials
