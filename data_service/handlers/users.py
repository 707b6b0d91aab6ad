"""`users`: each operation opens its own read or transaction and calls `data_service.users`."""

from __future__ import annotations

from typing import Literal

from contract_models.data import (
    User,
    UserCreate,
    UserCredentials,
    UserList,
    UserLookup,
    UserPage,
    UserStats,
    UserUpdate,
)
from contract_servers.data import CreateUserResponse, Paths, UsersApi
from typing_extensions import override

from data_service import users
from data_service.db import Database
from data_service.repository import UserFilter


class UserHandlers(UsersApi):
    def __init__(self, database: Database) -> None:
        self._db = database

    @override
    async def list_users(
        self,
        *,
        limit: int,
        offset: int,
        role: Literal["user", "admin"] | None,
        is_active: bool | None,
        q: str | None,
    ) -> UserPage:
        user_filter = UserFilter(role=role, is_active=is_active, search=q)
        async with self._db.reading() as connection:
            return await users.list_users(
                connection=connection, user_filter=user_filter, limit=limit, offset=offset
            )

    @override
    async def create_user(self, *, body: UserCreate) -> CreateUserResponse:
        async with self._db.transaction() as session:
            user = await users.create_user(session=session, data=body)
        return CreateUserResponse(body=user, location=Paths.get_user(user_id=user.id))

    @override
    async def get_user_stats(self) -> UserStats:
        async with self._db.reading() as connection:
            return await users.user_stats(connection=connection)

    @override
    async def get_user_by_username(self, *, username: str) -> User:
        async with self._db.driver() as driver:
            return await users.get_user_by_username(driver=driver, username=username)

    @override
    async def get_user_credentials_by_username(self, *, username: str) -> UserCredentials:
        async with self._db.driver() as driver:
            return await users.get_credentials_by_username(driver=driver, username=username)

    @override
    async def get_user(self, *, user_id: int) -> User:
        async with self._db.driver() as driver:
            return await users.get_user(driver=driver, user_id=user_id)

    @override
    async def lookup_users(self, *, body: UserLookup) -> UserList:
        async with self._db.driver() as driver:
            return await users.lookup_users(driver=driver, ids=[user_id.root for user_id in body.ids])

    @override
    async def delete_user(self, *, user_id: int) -> None:
        async with self._db.transaction() as session:
            await users.delete_user(session=session, user_id=user_id)

    @override
    async def update_user(self, *, user_id: int, body: UserUpdate) -> User:
        async with self._db.transaction() as session:
            return await users.update_user(session=session, user_id=user_id, data=body)

    @override
    async def get_user_credentials(self, *, user_id: int) -> UserCredentials:
        async with self._db.driver() as driver:
            return await users.get_credentials(driver=driver, user_id=user_id)
