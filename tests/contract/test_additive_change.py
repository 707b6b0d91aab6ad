"""One whole additive change, walked on a copy of the repository as a developer walks it:
an optional `nickname` in both contracts, `make generate`, its column in the model, `make
migration`, and the field stored and read back through the business API by the generated
business client; `make contract-check` lets it through, and refuses it made required."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from tests import infra
from tests.copies import copy_repository, copy_services, edit, in_copy, make_generate, run

_FIELDS = "id, email, username, full_name, role, is_active, version, created_at, updated_at"
USER_REQUIRED = f"      required: [{_FIELDS}, tokens_valid_after]\n      properties:\n"  # the data User
PUBLIC_REQUIRED = f"      required: [{_FIELDS}]\n      properties:\n"  # the business UserPublic
NICKNAME_OUT = '        nickname:\n          type: [string, "null"]\n          maxLength: 40\n'
NICKNAME_IN = "        nickname:\n          type: string\n          maxLength: 40\n"
FULL_NAME = '    full_name: Mapped[str] = mapped_column(String(100), server_default="")\n'
NICKNAME_COLUMN = "    nickname: Mapped[str | None] = mapped_column(String(40))\n"

CLIENT = """
import sys
from business_api_client import Client
from business_api_client.api.auth import register
from business_api_client.models import RegisterRequest, UserPublic

with Client(base_url=sys.argv[1], raise_on_unexpected_status=True) as client:
    body = RegisterRequest(email="nick@example.com", username="nick", password="nick-password-1", nickname="Nicky")
    created = register.sync(client=client, body=body)
    assert isinstance(created, UserPublic), created
    print(created.nickname)
"""


def git(copy: Path, *args: str) -> None:
    identity = ["-c", "user.name=test", "-c", "user.email=test@example.com"]
    subprocess.run(["git", *identity, *args], cwd=copy, check=True, capture_output=True)


def test_an_optional_field_walks_from_the_contracts_to_the_database_and_back(
    tmp_path: Path, postgres_server_url: str, redis_url: str, optic: Path
) -> None:
    copy = copy_repository(tmp_path)
    git(copy, "init", "-q")
    git(copy, "add", "-A")
    git(copy, "commit", "-qm", "before the change")
    (copy / ".cache").mkdir(exist_ok=True)
    (copy / ".cache" / "optic").symlink_to(optic.parents[2])  # the checkout's pinned Optic

    data, business = copy / "openapi" / "data.yaml", copy / "openapi" / "business.yaml"
    edit(data, USER_REQUIRED, USER_REQUIRED + NICKNAME_OUT)
    required_create = "      required: [email, username, hashed_password]\n      properties:\n"
    edit(data, required_create, required_create + NICKNAME_IN)
    edit(business, PUBLIC_REQUIRED, PUBLIC_REQUIRED + NICKNAME_OUT)
    required_register = "      required: [email, username, password]\n      properties:\n"
    edit(business, required_register, required_register + NICKNAME_IN)
    make_generate(copy)
    edit(copy / "data_service" / "models.py", FULL_NAME, FULL_NAME + NICKNAME_COLUMN)
    migration = run(
        copy, "data_service.migrate", "revision", "add nickname", env={"DATABASE_URL": postgres_server_url}
    )
    assert migration.returncode == 0, migration.stdout + migration.stderr
    assert 'op.add_column("users", sa.Column("nickname"' in migration.stdout

    database = asyncio.run(infra.create_database(postgres_server_url, prefix="additive"))
    try:
        on_database = {"DATABASE_URL": database}
        for step in (["upgrade", "head"], ["downgrade", "-1"], ["upgrade", "head"]):
            result = run(copy, "alembic", *step, env=on_database)
            assert result.returncode == 0, result.stdout + result.stderr
        with copy_services(copy, database_url=database, redis_url=redis_url) as (_, business_service):
            registered = subprocess.run(
                [sys.executable, "-c", CLIENT, business_service.url],
                env=in_copy(copy),
                capture_output=True,
                text=True,
                check=False,
            )
        assert registered.returncode == 0, registered.stderr
        assert registered.stdout.strip() == "Nicky"
    finally:
        asyncio.run(infra.drop_database(postgres_server_url, database))

    additive = run(copy, "tools.contract_check", "--base", "HEAD")
    assert additive.returncode == 0, additive.stdout + additive.stderr
    edit(
        business,
        "      required: [email, username, password]\n",
        "      required: [email, username, password, nickname]\n",
    )
    required = run(copy, "tools.contract_check", "--base", "HEAD")
    assert required.returncode == 1, required.stdout + required.stderr
    assert "openapi/business.yaml" in required.stdout
