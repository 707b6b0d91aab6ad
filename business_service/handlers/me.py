"""`me`: the signed-in user's own account, over `business_service.users`."""

from __future__ import annotations

from contract_models.business import PasswordChange, ProfileUpdate, UserPublic
from contract_servers.business import MeApi
from typing_extensions import override

from business_service import users
from business_service.state import Resources


class MeHandlers(MeApi[UserPublic]):
    def __init__(self, resources: Resources) -> None:
        self._resources = resources

    @override
    async def get_me(self, *, caller: UserPublic) -> UserPublic:
        return caller

    @override
    async def update_me(self, *, body: ProfileUpdate, caller: UserPublic) -> UserPublic:
        return await users.update_profile(
            gateway=self._resources.gateway,
            cache=self._resources.cache,
            near=self._resources.near,
            user=caller,
            update=body,
        )

    @override
    async def change_my_password(self, *, body: PasswordChange, caller: UserPublic) -> None:
        await users.change_password(
            gateway=self._resources.gateway,
            cache=self._resources.cache,
            near=self._resources.near,
            user=caller,
            change=body,
        )
