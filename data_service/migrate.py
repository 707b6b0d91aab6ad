"""Alembic, configured in code: `upgrade_to_head(url)` and `python -m data_service.migrate`."""

from __future__ import annotations

import asyncio
import logging
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from data_service.embedded import start_embedded_postgres
from data_service.settings import DataSettings
from service_kit.logging import configure_logging

SCRIPT_LOCATION = Path(__file__).resolve().parent / "migrations"
log = logging.getLogger(__name__)


def alembic_config(database_url: str | None = None) -> Config:
    """An Alembic config without alembic.ini; `env.py` reads the URL from its attributes."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    if database_url is not None:
        config.attributes["database_url"] = database_url
    return config


@cache
def script_head() -> str:
    """The revision the migrations end at."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


async def _run(database_url: str, revision: str, *, downgrade: bool) -> None:
    engine = create_async_engine(database_url)
    config = alembic_config(database_url)

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        if downgrade:
            command.downgrade(config, revision)
        else:
            command.upgrade(config, revision)

    try:
        async with engine.begin() as connection:
            await connection.run_sync(run)
    finally:
        await engine.dispose()


async def upgrade_to_head(database_url: str) -> None:
    """Apply every migration not yet applied to the database at `database_url`."""
    await _run(database_url, "head", downgrade=False)


async def downgrade_to(database_url: str, revision: str = "base") -> None:
    """Undo migrations down to `revision` (all of them by default)."""
    await _run(database_url, revision, downgrade=True)


def main() -> None:
    settings = DataSettings()
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    url = settings.database_url or start_embedded_postgres()
    asyncio.run(upgrade_to_head(url))
    log.info("database migrated to %s", script_head())


if __name__ == "__main__":
    main()
