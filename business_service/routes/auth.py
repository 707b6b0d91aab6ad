from __future__ import annotations

from contract_models.business import RegisterRequest, Token, UserPublic
from fastapi import APIRouter, Response, status

from business_service import auth
from business_service.deps import CacheDep, ClientAddress, DataClientDep, SettingsDep
from business_service.forms import TokenForm
from service_kit.problems import problem_responses

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post(
    "/register",
    operation_id="register",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409, 413, 415, 422, 503),
)
async def register(body: RegisterRequest, gateway: DataClientDep, response: Response) -> UserPublic:
    user = await auth.register(gateway=gateway, request=body)
    response.headers["Location"] = f"/users/{user.id}"
    return user


@router.post("/token", operation_id="login", responses=problem_responses(401, 413, 415, 422, 429, 503))
async def login(
    form: TokenForm,
    gateway: DataClientDep,
    cache: CacheDep,
    settings: SettingsDep,
    address: ClientAddress,
) -> Token:
    return await auth.login(
        gateway=gateway,
        cache=cache,
        settings=settings,
        username=form.username,
        password=form.password,
        address=address,
    )
