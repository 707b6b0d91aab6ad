"""The spec-edit loop, walked on a copy of this repository as a developer walks it: edit
`openapi/*.yaml`, `make generate`, and the server follows the contract with no change to
service code, or mypy says which operation the services do not implement yet.

Each copy runs its own code: generation writes the copy's `generated/`, and the services
and mypy run with the copy first on the import path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.copies import SERVICE_TOKEN, copy_repository, copy_services, edit, make_generate, run
from tests.live import LiveService

ADMIN = {"username": "loop-admin", "email": "loop-admin@example.com", "password": "loop-admin-password"}


NEW_OPERATION = """
  /users/oldest:
    get:
      operationId: getOldestUser
      summary: The user created first
      tags: [users]
      responses:
        "200":
          description: The user.
          content:
            application/json:
              schema:
                $ref: "#/components/schemas/User"
        "401":
          $ref: "#/components/responses/Unauthorized"
        "503":
          $ref: "#/components/responses/ServiceUnavailable"
"""

HANDLER = """
    @override
    async def get_oldest_user(self) -> User:
        return await self.get_user(user_id=1)
"""


def test_a_new_operation_fails_the_type_check_until_a_handler_implements_it(tmp_path: Path) -> None:
    copy = copy_repository(tmp_path)
    edit(copy / "openapi" / "data.yaml", "\n  /users/stats:\n", NEW_OPERATION + "\n  /users/stats:\n")
    make_generate(copy)
    assert (
        "async def get_oldest_user(self) -> User:"
        in (copy / "generated" / "contract_servers" / "data.py").read_text()
    )

    missing = run(copy, "mypy", "data_service")
    assert missing.returncode == 1, missing.stdout
    assert re.search(
        r'Cannot instantiate abstract class "UserHandlers" with abstract attribute\s+"get_oldest_user"',
        missing.stdout,
    ), missing.stdout

    handlers = copy / "data_service" / "handlers" / "users.py"
    handlers.write_text(handlers.read_text() + HANDLER)
    implemented = run(copy, "mypy", "data_service")
    assert implemented.returncode == 0, implemented.stdout


def test_a_handler_with_a_renamed_argument_or_another_return_type_fails_the_type_check(
    tmp_path: Path,
) -> None:
    copy = copy_repository(tmp_path)
    handlers = copy / "data_service" / "handlers" / "users.py"
    edit(
        handlers,
        "async def get_user(self, *, user_id: int) -> User:",
        "async def get_user(self, *, id: int) -> User:",
    )
    edit(
        handlers,
        "async def get_user_stats(self) -> UserStats:",
        "async def get_user_stats(self) -> UserPage:",
    )
    result = run(copy, "mypy", "data_service")
    assert result.returncode == 1, result.stdout
    assert (
        'Signature of "get_user" incompatible with supertype "contract_servers.data.UsersApi"'
        in result.stdout
    )
    assert re.search(r'Return type "[^"]*UserPage\]" of "get_user_stats" incompatible', result.stdout), (
        result.stdout
    )


# The tests of the module-scoped edited copy and its services go to one xdist worker,
# which makes them once (`make pytest` runs with --dist loadgroup).
EDITED_COPY = pytest.mark.xdist_group("spec-edit-loop-edited-copy")


@pytest.fixture(scope="module")
def edited_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy whose data contract pages by at most 10 users, and whose business contract
    lets only an admin read their own profile; generated, with no other change."""
    copy = copy_repository(tmp_path_factory.mktemp("repository"))
    data, business = copy / "openapi" / "data.yaml", copy / "openapi" / "business.yaml"
    edit(
        data,
        "      description: Page size.\n      schema:\n        type: integer\n        minimum: 1\n        maximum: 100\n        default: 20\n",
        "      description: Page size.\n      schema:\n        type: integer\n        minimum: 1\n        maximum: 10\n        default: 10\n",
    )
    edit(
        business,
        "      operationId: getMe\n      summary: Get my profile\n      tags: [me]\n",
        "      operationId: getMe\n      summary: Get my profile\n      tags: [me]\n"
        "      security:\n        - OAuth2Password: [admin]\n",
    )
    # A scope can refuse a caller: the generator insists that the contract declares that 403.
    edit(
        business,
        "                version: $response.body#/version\n"
        '        "401":\n          $ref: "#/components/responses/Unauthorized"\n',
        "                version: $response.body#/version\n"
        '        "401":\n          $ref: "#/components/responses/Unauthorized"\n'
        '        "403":\n          $ref: "#/components/responses/Forbidden"\n',
    )
    make_generate(copy)
    return copy


@pytest.fixture(scope="module")
def edited_services(
    edited_copy: Path, postgres_server_url: str, redis_url: str
) -> Iterator[tuple[LiveService, LiveService]]:
    import asyncio  # noqa: PLC0415

    from data_service.migrate import upgrade_to_head  # noqa: PLC0415
    from tests import infra  # noqa: PLC0415

    url = asyncio.run(infra.create_database(postgres_server_url, prefix="loop"))
    try:
        asyncio.run(upgrade_to_head(url))
        admin = {f"ADMIN_{key.upper()}": value for key, value in ADMIN.items()}
        with copy_services(edited_copy, database_url=url, redis_url=redis_url, business=admin) as services:
            yield services
    finally:
        asyncio.run(infra.drop_database(postgres_server_url, url))


@EDITED_COPY
def test_a_tightened_parameter_bound_is_enforced_after_generation(
    edited_services: tuple[LiveService, LiveService],
) -> None:
    data, _ = edited_services
    headers = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    assert httpx.get(f"{data.url}/users", params={"limit": 10}, headers=headers).status_code == 200
    refused = httpx.get(f"{data.url}/users", params={"limit": 11}, headers=headers)
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["errors"][0]["loc"] == ["query", "limit"]


@EDITED_COPY
def test_an_operation_made_admin_only_refuses_a_plain_user(
    edited_services: tuple[LiveService, LiveService],
) -> None:
    _, business = edited_services
    with httpx.Client(base_url=business.url) as client:
        user = {"email": "loop-user@example.com", "username": "loop-user", "password": "loop-user-password"}
        registered = client.post("/auth/register", json=user)
        assert registered.status_code == 201

        def token(username: str, password: str) -> str:
            answer = client.post("/auth/token", data={"username": username, "password": password})
            assert answer.status_code == 200, answer.text
            access: str = answer.json()["access_token"]
            return access

        as_user = {"Authorization": f"Bearer {token(user['username'], user['password'])}"}
        as_admin = {"Authorization": f"Bearer {token(ADMIN['username'], ADMIN['password'])}"}
        refused = client.get("/users/me", headers=as_user)
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
        assert client.get("/users/me", headers=as_admin).status_code == 200
        # The rest of the contract is unchanged: a user still reads themselves by id.
        assert client.get(f"/users/{registered.json()['id']}", headers=as_user).status_code == 200
