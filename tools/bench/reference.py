"""The two apps the bench measures the services against; neither is part of the product.

- `create_bare_app`: GET /users/{id} answers a fixed small body through a Pydantic response
  model. The ceiling of FastAPI on this machine: every ratio divides by it.
- `create_seeds_app`: GET /users/{id} as the seed documents wrote it, a new
  httpx.AsyncClient per request to the data service (STYLE.md's first anti-pattern),
  kept here so the cost of that pattern stays measured.
"""

from __future__ import annotations

import os

import httpx
from contract_models.business import UserPublic
from fastapi import FastAPI
from pydantic import BaseModel


class BareUser(BaseModel):
    id: int
    username: str
    email: str
    is_active: bool


_BARE_USER = BareUser(id=1, username="ada", email="ada@example.com", is_active=True)


def create_bare_app() -> FastAPI:
    app = FastAPI()

    @app.get("/users/{user_id}")
    async def get_user(user_id: int) -> BareUser:  # noqa: ARG001 - parsed, as in the services; the body is fixed
        return _BARE_USER

    return app


def create_seeds_app() -> FastAPI:
    """Reads DATA_SERVICE_URL and SERVICE_TOKEN from the environment."""
    data_url = os.environ["DATA_SERVICE_URL"]
    headers = {"Authorization": f"Bearer {os.environ['SERVICE_TOKEN']}"}
    app = FastAPI()

    @app.get("/users/{user_id}")
    async def get_user(user_id: int) -> UserPublic:
        async with httpx.AsyncClient() as client:  # the pattern under measurement
            response = await client.get(f"{data_url}/users/{user_id}", headers=headers)
        response.raise_for_status()
        fields = response.json()
        fields.pop("tokens_valid_after", None)  # the data User's one field the public one lacks
        return UserPublic.model_validate(fields)

    return app
