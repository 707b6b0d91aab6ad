"""/users: thin routes over `data_service.users`."""

from __future__ import annotations

from typing import Annotated, Literal

from contract_models.data import User, UserCreate, UserCredentials, UserPage, UserStats, UserUpdate
from fastapi import APIRouter, Path, Query, Response, status

from data_service import users
from data_service.deps import DatabaseDep
from data_service.repository import UserFilter
from service_kit.problems import problem_responses

router = APIRouter(prefix="/users", tags=["users"])

# The constraints of the contract's UserId, Username, Limit, Offset and Search parameters.
UserId = Annotated[int, Path(description="The user's id.", ge=1, le=9223372036854775807)]
Username = Annotated[
    str,
    Path(
        description="The user's username (case-sensitive).",
        min_length=3,
        max_length=32,
        pattern="^[A-Za-z0-9._-]+$",
    ),
]
Limit = Annotated[int, Query(description="Page size.", ge=1, le=100)]
Offset = Annotated[int, Query(description="How many users of the ordered result to skip.", ge=0, le=1000000)]
Search = Annotated[
    str | None,
    Query(
        description="Case-insensitive substring of the username or email; `%` and `_` match themselves.",
        min_length=1,
        max_length=100,
        pattern="^[^\\x00-\\x1f\\x7f]+$",
    ),
]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="createUser",
    responses=problem_responses(401, 409, 413, 415, 422, 503),
)
async def create_user(data: UserCreate, db: DatabaseDep, response: Response) -> User:
    async with db.transaction() as session:
        user = await users.create_user(session=session, data=data)
    response.headers["Location"] = f"/users/{user.id}"
    return user


@router.get("", operation_id="listUsers", responses=problem_responses(401, 422, 503))
async def list_users(
    *,
    db: DatabaseDep,
    limit: Limit = 20,
    offset: Offset = 0,
    role: Annotated[Literal["user", "admin"] | None, Query(description="Only users with this role.")] = None,
    is_active: Annotated[
        bool | None, Query(description="Only active (true) or inactive (false) users.")
    ] = None,
    q: Search = None,
) -> UserPage:
    user_filter = UserFilter(role=role, is_active=is_active, search=q)
    async with db.reading() as connection:
        return await users.list_users(
            connection=connection, user_filter=user_filter, limit=limit, offset=offset
        )


@router.get("/stats", operation_id="getUserStats", responses=problem_responses(401, 503))
async def get_user_stats(db: DatabaseDep) -> UserStats:
    async with db.reading() as connection:
        return await users.user_stats(connection=connection)


@router.get(
    "/by-username/{username}",
    operation_id="getUserByUsername",
    responses=problem_responses(401, 404, 422, 503),
)
async def get_user_by_username(username: Username, db: DatabaseDep) -> User:
    async with db.reading() as connection:
        return await users.get_user_by_username(connection=connection, username=username)


@router.get(
    "/by-username/{username}/credentials",
    operation_id="getUserCredentialsByUsername",
    responses=problem_responses(401, 404, 422, 503),
)
async def get_user_credentials_by_username(username: Username, db: DatabaseDep) -> UserCredentials:
    async with db.reading() as connection:
        return await users.get_credentials_by_username(connection=connection, username=username)


@router.get("/{user_id}", operation_id="getUser", responses=problem_responses(401, 404, 422, 503))
async def get_user(user_id: UserId, db: DatabaseDep) -> User:
    async with db.reading() as connection:
        return await users.get_user(connection=connection, user_id=user_id)


@router.patch(
    "/{user_id}",
    operation_id="updateUser",
    responses=problem_responses(401, 404, 409, 412, 413, 415, 422, 503),
)
async def update_user(user_id: UserId, data: UserUpdate, db: DatabaseDep) -> User:
    async with db.transaction() as session:
        return await users.update_user(session=session, user_id=user_id, data=data)


@router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="deleteUser",
    responses=problem_responses(401, 404, 422, 503),
)
async def delete_user(user_id: UserId, db: DatabaseDep) -> None:
    async with db.transaction() as session:
        await users.delete_user(session=session, user_id=user_id)


@router.get(
    "/{user_id}/credentials",
    operation_id="getUserCredentials",
    responses=problem_responses(401, 404, 422, 503),
)
async def get_user_credentials(user_id: UserId, db: DatabaseDep) -> UserCredentials:
    async with db.reading() as connection:
        return await users.get_credentials(connection=connection, user_id=user_id)
