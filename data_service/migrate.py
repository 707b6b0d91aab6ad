"""Alembic from code: `upgrade_to_head(url)`, and the command line of `make migrate` and
`make migration`:

    python -m data_service.migrate                      # upgrade DATABASE_URL (or the embedded database) to head
    python -m data_service.migrate revision "add nickname"
        # autogenerate the next revision against a scratch database migrated to head,
        # write it (numbered, formatted by ruff) and print it for review
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from data_service.databases import create_database, drop_database
from data_service.embedded import start_embedded_postgres
from data_service.settings import DataSettings
from service_kit.logging import configure_logging

SCRIPT_LOCATION = Path(__file__).resolve().parent / "migrations"
# The checkout's Alembic settings: where new revisions are written and how they are formatted.
ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"
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
        # Not `engine.begin()`: Alembic opens the transactions itself (one per revision, see
        # migrations/env.py), so that a revision can step out of them for what PostgreSQL
        # refuses in a transaction, such as CREATE INDEX CONCURRENTLY (0004).
        async with engine.connect() as connection:
            await connection.run_sync(run)
            await connection.commit()
    finally:
        await engine.dispose()


async def upgrade_to_head(database_url: str) -> None:
    """Apply every migration not yet applied to the database at `database_url`."""
    await _run(database_url, "head", downgrade=False)


async def downgrade_to(database_url: str, revision: str = "base") -> None:
    """Undo migrations down to `revision` (all of them by default)."""
    await _run(database_url, revision, downgrade=True)


async def autogenerate_revision(server_url: str, message: str) -> Path | None:
    """Write the revision that takes the migrations to the models, found by Alembic's
    autogenerate on a scratch database (made on `server_url`'s server, migrated to head,
    dropped after); None when they already agree."""
    if not ALEMBIC_INI.exists():
        raise SystemExit("alembic.ini is not here: write revisions from a checkout of the project")
    scratch = await create_database(server_url, prefix="migration")
    try:
        await upgrade_to_head(scratch)
        config = Config(str(ALEMBIC_INI))
        config.attributes["autogenerate"] = True
        engine = create_async_engine(scratch)
        written: list[Path] = []

        def revise(connection: Connection) -> None:
            config.attributes["connection"] = connection
            script = command.revision(config, message=message, autogenerate=True)
            if script is not None and not isinstance(script, list):
                written.append(Path(script.path))

        try:
            async with engine.connect() as connection:
                await connection.run_sync(revise)
        finally:
            await engine.dispose()
    finally:
        await drop_database(server_url, scratch)
    return written[0] if written else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("upgrade", help="apply every migration not yet applied (the default)")
    revision = commands.add_parser("revision", help="autogenerate the next revision from the models")
    revision.add_argument("message", help='what the revision does, e.g. "add nickname"')
    args = parser.parse_args(argv)
    settings = DataSettings()
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    url = settings.database_url or start_embedded_postgres()
    if args.command == "revision":
        path = asyncio.run(autogenerate_revision(url, args.message))
        if path is None:
            sys.stderr.write("The models and the migrations agree: no revision written.\n")
            return 1
        sys.stdout.write(f"wrote {path.relative_to(ALEMBIC_INI.parent)}; review it before committing:\n\n")
        sys.stdout.write(path.read_text())
        return 0
    asyncio.run(upgrade_to_head(url))
    log.info("database migrated to %s", script_head())
    return 0


if __name__ == "__main__":
    sys.exit(main())
