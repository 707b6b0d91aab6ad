"""`users`: reading a user, and an admin's management of all of them (the contract's
`admin` scope, checked before these run), over `business_service.users`."""

from __future__ import annotations

from typing import Literal

from contract_models.business import AdminUserUpdate, UserPage, UserPublic, UserStats
from contract_servers.business import UsersApi
from typing_extensions import override

from business_service import users
from business_service.authentication import SCOPES_OF_ROLE
from business_service.state import Resources
from service_kit.errors import Forbidden


class UserHandlers(UsersApi[UserPublic]):
    def __init__(self, resources: Resources) -> None:
        self._resources = resources

    @override
    async def list_users(
        self,
        *,
        limit: int,
        offset: int,
        role: Literal["user", "admin"] | None,
        is_active: bool | None,
        q: str | None,
        caller: UserPublic,
    ) -> UserPage:
        return await users.list_users(
            gateway=self._resources.gateway, limit=limit, offset=offset, role=role, is_active=is_active, q=q
        )

    @override
    async def get_user_stats(self, *, caller: UserPublic) -> UserStats:
        return await users.user_stats(gateway=self._resources.gateway)

    @override
    async def get_user(self, *, user_id: int, caller: UserPublic) -> UserPublic:
        # Anyone signed in may call it; what they may read is this rule, not a scope.
        if caller.id == user_id:
            return caller
        if "admin" not in SCOPES_OF_ROLE.get(caller.role, frozenset()):
            raise Forbidden("A user may read only themselves.")
        return await users.load_user(
            gateway=self._resources.gateway,
            cache=self._resources.cache,
            near=self._resources.near,
            user_id=user_id,
            ttl_seconds=self._resources.settings.cache_ttl_seconds,
        )

    @override
    async def delete_user(self, *, user_id: int, caller: UserPublic) -> None:
        await users.delete_user(
            gateway=self._resources.gateway,
            cache=self._resources.cache,
            near=self._resources.near,
            admin=caller,
            user_id=user_id,
        )

    @override
    async def admin_update_user(
        self, *, user_id: int, body: AdminUserUpdate, caller: UserPublic
    ) -> UserPublic:
        return await users.admin_update(
            gateway=self._resources.gateway,
            cache=self._resources.cache,
            near=self._resources.near,
            admin=caller,
            user_id=user_id,
            update=body,
        )
