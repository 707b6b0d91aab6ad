"""Writing a migration as a developer does, on a copy of the repository: a column added to
a model, `make migration m="..."`, and the revision it writes applied and undone, also by
Alembic's own command line."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests import infra
from tests.copies import copy_repository, edit, run

FULL_NAME = '    full_name: Mapped[str] = mapped_column(String(100), server_default="")\n'
NICKNAME = "    nickname: Mapped[str | None] = mapped_column(String(50))\n"


async def _columns(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT column_name FROM information_schema.columns WHERE table_name = 'users'")
            )
            return {row[0] for row in rows}
    finally:
        await engine.dispose()


def test_make_migration_writes_the_next_revision_and_alembic_applies_it(
    tmp_path: Path, postgres_server_url: str
) -> None:
    copy = copy_repository(tmp_path)
    versions = copy / "data_service" / "migrations" / "versions"
    head = max(int(path.name[:4]) for path in versions.glob("[0-9][0-9][0-9][0-9]_*.py"))
    server = {"DATABASE_URL": postgres_server_url}

    agreed = run(copy, "data_service.migrate", "revision", "nothing", env=server)
    assert agreed.returncode == 1, agreed.stdout + agreed.stderr
    assert "agree: no revision written" in agreed.stderr

    edit(copy / "data_service" / "models.py", FULL_NAME, FULL_NAME + NICKNAME)
    written = run(copy, "data_service.migrate", "revision", "add nickname", env=server)
    assert written.returncode == 0, written.stdout + written.stderr
    revision = versions / f"{head + 1:04d}_add_nickname.py"
    assert f"wrote data_service/migrations/versions/{revision.name}" in written.stdout
    source = revision.read_text()
    assert f'revision: str = "{head + 1:04d}"' in source
    assert re.search(rf'down_revision: .* = "{head:04d}"', source), source
    assert 'op.add_column("users", sa.Column("nickname", sa.String(length=50), nullable=True))' in source
    assert 'op.drop_column("users", "nickname")' in source
    # Formatted and linted as the rest of the code, by the hooks in alembic.ini.
    assert run(copy, "ruff", "format", "--check", str(revision)).returncode == 0
    assert run(copy, "ruff", "check", str(revision)).returncode == 0

    database = asyncio.run(infra.create_database(postgres_server_url, prefix="alembic"))
    try:
        on_database = {"DATABASE_URL": database}
        assert run(copy, "alembic", "upgrade", "head", env=on_database).returncode == 0
        assert "nickname" in asyncio.run(_columns(database))
        history = run(copy, "alembic", "history", env=on_database)
        assert f"{head:04d} -> {head + 1:04d} (head), add nickname" in history.stdout, history.stdout
        assert run(copy, "alembic", "downgrade", "-1", env=on_database).returncode == 0
        assert "nickname" not in asyncio.run(_columns(database))
    finally:
        asyncio.run(infra.drop_database(postgres_server_url, database))
