from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="Token")


@_attrs_define
class Token:
    """
    Attributes:
        access_token (str): A signed JWT; send it as `Authorization: Bearer <token>`.
        token_type (Literal['bearer']):
        expires_in (int): Seconds until the token expires.
    """

    access_token: str
    token_type: Literal["bearer"]
    expires_in: int

    def to_dict(self) -> dict[str, Any]:
        access_token = self.access_token

        token_type = self.token_type

        expires_in = self.expires_in

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "access_token": access_token,
                "token_type": token_type,
                "expires_in": expires_in,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        access_token = d.pop("access_token")

        token_type = cast(Literal["bearer"], d.pop("token_type"))
        if token_type != "bearer":
            raise ValueError(f"token_type must match const 'bearer', got '{token_type}'")

        expires_in = d.pop("expires_in")

        token = cls(
            access_token=access_token,
            token_type=token_type,
            expires_in=expires_in,
        )

        return token
