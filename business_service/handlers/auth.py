"""`auth`: registration and login, over `business_service.auth`."""

from __future__ import annotations

from contract_models.business import RegisterRequest, Token, TokenRequest, UserPublic
from contract_servers.business import AuthApi, Paths, RegisterResponse
from typing_extensions import override

from business_service import auth, users
from business_service.state import Resources
from service_kit.request_context import current_client_address


class AuthHandlers(AuthApi[UserPublic]):
    def __init__(self, resources: Resources) -> None:
        self._resources = resources

    @override
    async def register(self, *, body: RegisterRequest) -> RegisterResponse:
        user = await auth.register(gateway=self._resources.gateway, request=body)
        return RegisterResponse(body=user, location=Paths.get_user(user_id=user.id))

    @override
    async def login(self, *, body: TokenRequest) -> Token:
        return await auth.login(
            gateway=self._resources.gateway,
            cache=self._resources.cache,
            settings=self._resources.settings,
            username=body.username,
            password=body.password,
            address=current_client_address(),
        )

    @override
    async def logout(self, *, caller: UserPublic) -> None:
        await users.revoke_sessions(
            gateway=self._resources.gateway,
            cache=self._resources.cache,
            near=self._resources.near,
            user=caller,
        )
