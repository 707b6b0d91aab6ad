"""`make run` and `make dev`: both services on loopback, with embedded defaults for what is
not configured.

- PostgreSQL: DATABASE_URL, else the embedded server (data in .data/postgres), migrated to head.
- Redis / RabbitMQ: REDIS_URL / RABBITMQ_URL, else an in-process cache and pending events.

Both services run under honcho, which prefixes their output and stops both on Ctrl-C.
DATA_PORT and BUSINESS_PORT move them off 8001 and 8000. `--dev` (make dev) runs
Procfile.dev instead: each service reloads when its code or generated/ changes, and a
third process regenerates generated/ when a contract in openapi/ changes (tools/dev_watch.py).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from data_service.embedded import start_embedded_postgres
from data_service.migrate import upgrade_to_head

ROOT = Path(__file__).resolve().parent.parent
PROCFILES = {False: ROOT / "Procfile", True: ROOT / "Procfile.dev"}


def prepared_environment() -> dict[str, str]:
    """This environment, completed with the defaults `make run` promises (and the database migrated)."""
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
    # The Procfiles say `python`: this environment's, even when it is not activated.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dev", action="store_true", help="reload on code and contract changes")
    dev = parser.parse_args().dev
    env = prepared_environment()
    if dev:
        # The reloaders watch this folder for the contract watcher's stamp: it must exist first.
        (ROOT / ".cache" / "dev").mkdir(parents=True, exist_ok=True)
        print("reloading on changes to the services, generated/ and openapi/*.yaml", flush=True)
    honcho = Path(sys.executable).parent / "honcho"
    command = [str(honcho), "--procfile", str(PROCFILES[dev]), "--app-root", str(ROOT), "start"]
    os.execve(honcho, command, env)


if __name__ == "__main__":
    sys.exit(main())
