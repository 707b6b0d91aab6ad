from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.role import Role, check_role
from ..types import UNSET, Unset

T = TypeVar("T", bound="UserCreate")


@_attrs_define
class UserCreate:
    """
    Attributes:
        email (str): An email address; compared case-insensitively.
        username (str): Letters, digits, `.`, `_` and `-`; case-sensitive.
        hashed_password (str): A password hash in PHC string format, made by the business service.
        full_name (str | Unset): The user's name as they write it; no control characters.
        role (Role | Unset): What the user may do in the business API.
        is_active (bool | Unset):  Default: True.
    """

    email: str
    username: str
    hashed_password: str
    full_name: str | Unset = UNSET
    role: Role | Unset = UNSET
    is_active: bool | Unset = True

    def to_dict(self) -> dict[str, Any]:
        email = self.email

        username = self.username

        hashed_password = self.hashed_password

        full_name = self.full_name

        role: str | Unset = UNSET
        if not isinstance(self.role, Unset):
            role = self.role

        is_active = self.is_active

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "email": email,
                "username": username,
                "hashed_password": hashed_password,
            }
        )
        if full_name is not UNSET:
            field_dict["full_name"] = full_name
        if role is not UNSET:
            field_dict["role"] = role
        if is_active is not UNSET:
            field_dict["is_active"] = is_active

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        email = d.pop("email")

        username = d.pop("username")

        hashed_password = d.pop("hashed_password")

        full_name = d.pop("full_name", UNSET)

        _role = d.pop("role", UNSET)
        role: Role | Unset
        if isinstance(_role, Unset):
            role = UNSET
        else:
            role = check_role(_role)

        is_active = d.pop("is_active", UNSET)

        user_create = cls(
            email=email,
            username=username,
            hashed_password=hashed_password,
            full_name=full_name,
            role=role,
            is_active=is_active,
        )

        return user_create
