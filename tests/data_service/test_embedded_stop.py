"""`make stop`: the embedded PostgreSQL that `make run` leaves running is stopped, its data kept."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg

from data_service.embedded import start_embedded_postgres, stop_embedded_postgres
from tests import infra

ROOT = Path(__file__).resolve().parents[2]


async def _answers(url: str) -> bool:
    try:
        connection = await asyncpg.connect(infra.libpq(url), timeout=3)
    except (OSError, TimeoutError, asyncpg.PostgresError):
        return False
    await connection.close()
    return True


def test_stop_stops_the_embedded_server_and_keeps_its_data() -> None:
    data_dir = ROOT / ".cache" / "test-embedded-stop"
    url = start_embedded_postgres(data_dir)
    assert asyncio.run(_answers(url))
    assert stop_embedded_postgres(data_dir) is True
    assert not asyncio.run(_answers(url))
    assert (data_dir / "PG_VERSION").exists()
    assert stop_embedded_postgres(data_dir) is False  # nothing left to stop
