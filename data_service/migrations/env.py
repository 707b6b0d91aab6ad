"""Alembic environment, async. Run by `data_service.migrate` (which hands it a connection)
and by Alembic's command line with alembic.ini (DATABASE_URL, else the embedded server)."""

from __future__ import annotations

import asyncio
import logging
import re
from logging.config import fileConfig
from typing import Any

from alembic import context
from alembic.operations.ops import MigrationScript
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from data_service.models import Base

config = context.config
target_metadata = Base.metadata
log = logging.getLogger("alembic.env")
if config.config_file_name is not None and not config.attributes.get("connection"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _database_url() -> str:
    url = config.attributes.get("database_url")
    if url:
        return str(url)
    # Imported here: only the command line needs them, and they start no server themselves.
    from data_service.embedded import start_embedded_postgres  # noqa: PLC0415
    from data_service.settings import DataSettings  # noqa: PLC0415

    return DataSettings().database_url or start_embedded_postgres()


def _next_revision_id() -> str:
    """One more than the highest numbered revision: 0001, 0002, ... in file and history order."""
    numbers = [
        int(script.revision)
        for script in context.script.walk_revisions()
        if re.fullmatch(r"\d+", script.revision)
    ]
    return f"{max(numbers, default=0) + 1:04d}"


def _process_revision_directives(
    migration_context: MigrationContext, revision: Any, directives: list[MigrationScript]
) -> None:
    del migration_context, revision
    script = directives[0]
    autogenerate = config.attributes.get("autogenerate") or getattr(config.cmd_opts, "autogenerate", False)
    if autogenerate and script.upgrade_ops is not None and script.upgrade_ops.is_empty():
        log.warning("The models and the migrations agree: no revision written.")
        directives[:] = []
        return
    if not getattr(config.cmd_opts, "rev_id", None):
        script.rev_id = _next_revision_id()


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        process_revision_directives=_process_revision_directives,
        # Each revision commits on its own: a revision with an autocommit block (0004's
        # concurrent indexes) then commits only its own work before stepping out.
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_configure_and_run)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_offline() -> None:
    context.configure(
        url=_database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
    else:
        asyncio.run(_run_async(_database_url()))


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
