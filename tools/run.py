"""`make run`: both services on loopback, with embedded defaults for what is not configured.

- PostgreSQL: DATABASE_URL, else the embedded server (data in .data/postgres), migrated to head.
- Redis / RabbitMQ: REDIS_URL / RABBITMQ_URL, else an in-process cache and pending events.

Both services run under honcho, which prefixes their output and stops both on Ctrl-C.
DATA_PORT and BUSINESS_PORT move them off 8001 and 8000.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from data_service.embedded import start_embedded_postgres
from data_service.migrate import upgrade_to_head

ROOT = Path(__file__).resolve().parent.parent
PROCFILE = ROOT / "Procfile"


def main() -> int:
    env = dict(os.environ)
    if not env.get("DATABASE_URL"):
        print(
            "DATABASE_URL is not set: starting the embedded PostgreSQL (first run takes a few seconds)...",
            flush=True,
        )
        env["DATABASE_URL"] = start_embedded_postgres()
        print(
            "the embedded PostgreSQL keeps running after Ctrl-C, for a quick next start: `make stop` stops it"
        )
    print("applying migrations...", flush=True)
    asyncio.run(upgrade_to_head(env["DATABASE_URL"]))
    for name, fallback in (
        ("REDIS_URL", "an in-process cache"),
        ("RABBITMQ_URL", "events kept pending in the outbox"),
    ):
        if not env.get(name):
            print(f"{name} is not set: using {fallback}", flush=True)
    data_port, business_port = env.setdefault("DATA_PORT", "8001"), env.setdefault("BUSINESS_PORT", "8000")
    env.setdefault("DATA_SERVICE_URL", f"http://127.0.0.1:{data_port}")
    print(
        f"business API: http://127.0.0.1:{business_port}/docs   data API: http://127.0.0.1:{data_port}/docs",
        flush=True,
    )
    # The Procfile says `python`: this environment's, even when it is not activated.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    honcho = Path(sys.executable).parent / "honcho"
    os.execve(honcho, [str(honcho), "--procfile", str(PROCFILE), "--app-root", str(ROOT), "start"], env)


if __name__ == "__main__":
    sys.exit(main())
