from __future__ import annotations

from typing import Annotated, Literal

from contract_models.business import AdminUserUpdate, UserPage, UserPublic, UserStats
from fastapi import APIRouter, Path, Query, Response, status

from business_service import users
from business_service.deps import AdminUser, CacheDep, CurrentUser, DataClientDep, ResourcesDep
from service_kit.errors import Forbidden
from service_kit.problems import problem_responses

router = APIRouter(prefix="/users", tags=["users"])
UserId = Annotated[int, Path(ge=1, le=9223372036854775807, description="The user's id.")]


@router.get("", operation_id="listUsers", responses=problem_responses(401, 403, 422, 503))
async def list_users(
    *,
    _admin: AdminUser,
    gateway: DataClientDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    role: Literal["user", "admin"] | None = None,
    is_active: bool | None = None,
    q: Annotated[str | None, Query(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")] = None,
) -> UserPage:
    return await users.list_users(
        gateway=gateway, limit=limit, offset=offset, role=role, is_active=is_active, q=q
    )


@router.get("/stats", operation_id="getUserStats", responses=problem_responses(401, 403, 503))
async def get_user_stats(_admin: AdminUser, gateway: DataClientDep) -> UserStats:
    return await users.user_stats(gateway=gateway)


@router.get("/{user_id}", operation_id="getUser", responses=problem_responses(401, 403, 404, 422, 503))
async def get_user(user_id: UserId, user: CurrentUser, resources: ResourcesDep) -> UserPublic:
    # One dependency for the three an admin's read needs: this is the hottest route, and
    # two dependencies fewer saved a tenth of a cache hit's CPU.
    if user.id == user_id:
        return user
    if user.role != "admin":
        raise Forbidden("A user may read only themselves.")
    return await users.load_user(
        gateway=resources.gateway,
        cache=resources.cache,
        user_id=user_id,
        ttl_seconds=resources.settings.cache_ttl_seconds,
    )


@router.patch(
    "/{user_id}",
    operation_id="adminUpdateUser",
    responses=problem_responses(401, 403, 404, 409, 412, 413, 415, 422, 503),
)
async def admin_update_user(
    user_id: UserId, body: AdminUserUpdate, admin: AdminUser, gateway: DataClientDep, cache: CacheDep
) -> UserPublic:
    return await users.admin_update(gateway=gateway, cache=cache, admin=admin, user_id=user_id, update=body)


@router.delete(
    "/{user_id}",
    operation_id="deleteUser",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(401, 403, 404, 409, 422, 503),
)
async def delete_user(user_id: UserId, admin: AdminUser, gateway: DataClientDep, cache: CacheDep) -> None:
    await users.delete_user(gateway=gateway, cache=cache, admin=admin, user_id=user_id)
