"""The dependencies routes declare, as `Annotated` aliases."""

from __future__ import annotations

from typing import Annotated

from contract_models.business import UserPublic
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from business_service.auth import authenticate
from business_service.cache import Cache
from business_service.gateway import DataGateway
from business_service.settings import BusinessSettings
from business_service.state import Resources
from service_kit.errors import Forbidden

# auto_error=False: a missing token becomes our 401 problem, not FastAPI's default answer.
_bearer = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


def _resources(request: Request) -> Resources:
    resources: Resources = request.app.state.resources
    return resources


ResourcesDep = Annotated[Resources, Depends(_resources)]


def _settings(resources: ResourcesDep) -> BusinessSettings:
    return resources.settings


def _gateway(resources: ResourcesDep) -> DataGateway:
    return resources.gateway


def _cache(resources: ResourcesDep) -> Cache:
    return resources.cache


SettingsDep = Annotated[BusinessSettings, Depends(_settings)]
DataClientDep = Annotated[DataGateway, Depends(_gateway)]
CacheDep = Annotated[Cache, Depends(_cache)]


async def _current_user(
    request: Request,
    gateway: DataClientDep,
    cache: CacheDep,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(_bearer)],
) -> UserPublic:
    user = await authenticate(gateway=gateway, cache=cache, settings=settings, token=token)
    request.scope.setdefault("state", {})["user_id"] = user.id
    return user


CurrentUser = Annotated[UserPublic, Depends(_current_user)]


def _admin_user(user: CurrentUser) -> UserPublic:
    if user.role != "admin":
        raise Forbidden("Only an admin may do this.")
    return user


AdminUser = Annotated[UserPublic, Depends(_admin_user)]


def client_address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


ClientAddress = Annotated[str, Depends(client_address)]
