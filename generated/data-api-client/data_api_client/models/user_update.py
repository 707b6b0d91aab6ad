from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.role import Role, check_role
from ..types import UNSET, Unset

T = TypeVar("T", bound="UserUpdate")


@_attrs_define
class UserUpdate:
    """The fields to change; absent fields keep their value. None may be null.

    Attributes:
        version (int): Increases by one with every change of the user.
        email (str | Unset): An email address; compared case-insensitively.
        username (str | Unset): Letters, digits, `.`, `_` and `-`; case-sensitive.
        hashed_password (str | Unset): A password hash in PHC string format, made by the business service.
        full_name (str | Unset): The user's name as they write it; no control characters.
        role (Role | Unset): What the user may do in the business API.
        is_active (bool | Unset):
        revoke_tokens (bool | Unset): `true` moves the user's token epoch (`tokens_valid_after`) to now, by this
            service's clock: every token issued until now is refused from then on. Alone, it
            neither increases `version` nor writes an event (a logout is not a profile change).
    """

    version: int
    email: str | Unset = UNSET
    username: str | Unset = UNSET
    hashed_password: str | Unset = UNSET
    full_name: str | Unset = UNSET
    role: Role | Unset = UNSET
    is_active: bool | Unset = UNSET
    revoke_tokens: bool | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        version = self.version

        email = self.email

        username = self.username

        hashed_password = self.hashed_password

        full_name = self.full_name

        role: str | Unset = UNSET
        if not isinstance(self.role, Unset):
            role = self.role

        is_active = self.is_active

        revoke_tokens = self.revoke_tokens

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "version": version,
            }
        )
        if email is not UNSET:
            field_dict["email"] = email
        if username is not UNSET:
            field_dict["username"] = username
        if hashed_password is not UNSET:
            field_dict["hashed_password"] = hashed_password
        if full_name is not UNSET:
            field_dict["full_name"] = full_name
        if role is not UNSET:
            field_dict["role"] = role
        if is_active is not UNSET:
            field_dict["is_active"] = is_active
        if revoke_tokens is not UNSET:
            field_dict["revoke_tokens"] = revoke_tokens

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        version = d.pop("version")

        email = d.pop("email", UNSET)

        username = d.pop("username", UNSET)

        hashed_password = d.pop("hashed_password", UNSET)

        full_name = d.pop("full_name", UNSET)

        _role = d.pop("role", UNSET)
        role: Role | Unset
        if isinstance(_role, Unset):
            role = UNSET
        else:
            role = check_role(_role)

        is_active = d.pop("is_active", UNSET)

        revoke_tokens = d.pop("revoke_tokens", UNSET)

        user_update = cls(
            version=version,
            email=email,
            username=username,
            hashed_password=hashed_password,
            full_name=full_name,
            role=role,
            is_active=is_active,
            revoke_tokens=revoke_tokens,
        )

        return user_update
