"""`make stop`: the embedded PostgreSQL that `make run` leaves running is stopped, its data kept.

Started and stopped by child processes, as `make run` and `make stop` do: the server must
outlive the process that started it, and this one's exit must not log into closed streams.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import asyncpg

from tests import infra

ROOT = Path(__file__).resolve().parents[2]
START = "import sys; from pathlib import Path; from data_service.embedded import start_embedded_postgres as s; print(s(Path(sys.argv[1])))"


async def _answers(url: str) -> bool:
    try:
        connection = await asyncpg.connect(infra.libpq(url), timeout=3)
    except (OSError, TimeoutError, asyncpg.PostgresError):
        return False
    await connection.close()
    return True


def _python(*args: str) -> str:
    result = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, check=True)
    return result.stdout.strip().splitlines()[-1]


def test_stop_stops_the_embedded_server_and_keeps_its_data() -> None:
    data_dir = ROOT / ".cache" / "test-embedded-stop"
    url = _python("-c", START, str(data_dir))
    assert asyncio.run(_answers(url)), "the server stopped with the process that started it"
    assert _python("-m", "data_service.embedded", "stop", str(data_dir)).startswith("stopped")
    assert not asyncio.run(_answers(url))
    assert (data_dir / "PG_VERSION").exists()
    assert (
        _python("-m", "data_service.embedded", "stop", str(data_dir))
        == "the embedded PostgreSQL is not running"
    )
