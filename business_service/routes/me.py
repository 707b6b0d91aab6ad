from __future__ import annotations

from contract_models.business import PasswordChange, ProfileUpdate, UserPublic
from fastapi import APIRouter, Response, status

from business_service import users
from business_service.deps import CacheDep, CurrentUser, DataClientDep
from service_kit.problems import problem_responses

router = APIRouter(prefix="/users/me", tags=["me"])


@router.get("", operation_id="getMe", responses=problem_responses(401, 503))
async def get_me(user: CurrentUser) -> UserPublic:
    return user


@router.patch("", operation_id="updateMe", responses=problem_responses(401, 409, 412, 413, 415, 422, 503))
async def update_me(
    body: ProfileUpdate, user: CurrentUser, gateway: DataClientDep, cache: CacheDep
) -> UserPublic:
    return await users.update_profile(gateway=gateway, cache=cache, user=user, update=body)


@router.post(
    "/password",
    operation_id="changeMyPassword",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(401, 403, 413, 415, 422, 503),
)
async def change_my_password(
    body: PasswordChange, user: CurrentUser, gateway: DataClientDep, cache: CacheDep
) -> None:
    await users.change_password(gateway=gateway, cache=cache, user=user, change=body)
