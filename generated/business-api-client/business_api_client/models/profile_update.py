from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="ProfileUpdate")


@_attrs_define
class ProfileUpdate:
    """The fields to change; absent fields keep their value. None may be null.

    Attributes:
        version (int | Unset): Increases by one with every change of the user.
        email (str | Unset): An email address; compared case-insensitively.
        username (str | Unset): Letters, digits, `.`, `_` and `-`; case-sensitive.
        full_name (str | Unset): The user's name as they write it; no control characters.
    """

    version: int | Unset = UNSET
    email: str | Unset = UNSET
    username: str | Unset = UNSET
    full_name: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        version = self.version

        email = self.email

        username = self.username

        full_name = self.full_name

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if version is not UNSET:
            field_dict["version"] = version
        if email is not UNSET:
            field_dict["email"] = email
        if username is not UNSET:
            field_dict["username"] = username
        if full_name is not UNSET:
            field_dict["full_name"] = full_name

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        version = d.pop("version", UNSET)

        email = d.pop("email", UNSET)

        username = d.pop("username", UNSET)

        full_name = d.pop("full_name", UNSET)

        profile_update = cls(
            version=version,
            email=email,
            username=username,
            full_name=full_name,
        )

        return profile_update
