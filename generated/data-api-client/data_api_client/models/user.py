from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.role import Role, check_role

T = TypeVar("T", bound="User")


@_attrs_define
class User:
    """
    Attributes:
        id (int):
        email (str): An email address; compared case-insensitively.
        username (str): Letters, digits, `.`, `_` and `-`; case-sensitive.
        full_name (str): The user's name as they write it; no control characters.
        role (Role): What the user may do in the business API.
        is_active (bool):
        version (int): Increases by one with every change of the user.
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        tokens_valid_after (datetime.datetime): The user's token epoch: access tokens issued before this instant are
            refused. It only
            moves forward, by an update with `revoke_tokens` (a password change, a logout, a
            deactivation, a role change); a new user's is 1970-01-01T00:00:00Z.
    """

    id: int
    email: str
    username: str
    full_name: str
    role: Role
    is_active: bool
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    tokens_valid_after: datetime.datetime

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        email = self.email

        username = self.username

        full_name = self.full_name

        role: str = self.role

        is_active = self.is_active

        version = self.version

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        tokens_valid_after = self.tokens_valid_after.isoformat()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "id": id,
                "email": email,
                "username": username,
                "full_name": full_name,
                "role": role,
                "is_active": is_active,
                "version": version,
                "created_at": created_at,
                "updated_at": updated_at,
                "tokens_valid_after": tokens_valid_after,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        email = d.pop("email")

        username = d.pop("username")

        full_name = d.pop("full_name")

        role = check_role(d.pop("role"))

        is_active = d.pop("is_active")

        version = d.pop("version")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        tokens_valid_after = datetime.datetime.fromisoformat(d.pop("tokens_valid_after"))

        user = cls(
            id=id,
            email=email,
            username=username,
            full_name=full_name,
            role=role,
            is_active=is_active,
            version=version,
            created_at=created_at,
            updated_at=updated_at,
            tokens_valid_after=tokens_valid_after,
        )

        return user
