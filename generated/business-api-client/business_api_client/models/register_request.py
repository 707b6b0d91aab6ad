from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RegisterRequest")


@_attrs_define
class RegisterRequest:
    """
    Attributes:
        email (str): An email address; compared case-insensitively.
        username (str): Letters, digits, `.`, `_` and `-`; case-sensitive.
        password (str): At least 8 characters, at most 128; no control characters.
        full_name (str | Unset): The user's name as they write it; no control characters.
    """

    email: str
    username: str
    password: str
    full_name: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        email = self.email

        username = self.username

        password = self.password

        full_name = self.full_name

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "email": email,
                "username": username,
                "password": password,
            }
        )
        if full_name is not UNSET:
            field_dict["full_name"] = full_name

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        email = d.pop("email")

        username = d.pop("username")

        password = d.pop("password")

        full_name = d.pop("full_name", UNSET)

        register_request = cls(
            email=email,
            username=username,
            password=password,
            full_name=full_name,
        )

        return register_request
