"""The dependencies routes declare, as `Annotated` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from data_service.db import Database
from data_service.settings import DataSettings


# `async def`, reading the request itself: FastAPI runs a plain `def` dependency in its
# thread pool, a thread hop per request.
async def get_settings(request: Request) -> DataSettings:
    settings: DataSettings = request.app.state.settings
    return settings


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


SettingsDep = Annotated[DataSettings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
