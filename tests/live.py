"""Services running for real under uvicorn on loopback ports, for fuzzing and end-to-end tests."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from tools.uvicorn_server import ROOT, Server, ServerTls, free_port, uvicorn_server, wait_ready

LOGS = ROOT / "reports" / "logs"
__all__ = ["LOGS", "LiveService", "child_env", "free_port", "live_service"]


LiveService = Server


@contextmanager
def live_service(
    name: str,
    factory: str,
    env: Mapping[str, str | None],
    *,
    ready_path: str = "/ready",
    uvicorn_args: Sequence[str] = (),
    cwd: Path = ROOT,
    tls: ServerTls | None = None,
) -> Iterator[LiveService]:
    """Run `uvicorn <factory> --factory` until the block ends; wait until `ready_path` answers 200.

    `env` adds to this process's environment; a None value removes the variable.
    `tls` serves HTTPS (tools.uvicorn_server.ServerTls). `uvicorn_args` go to uvicorn as they are (`--workers 2`, say); `cwd` is the checkout
    it runs from (a copy of this one, with PYTHONPATH pointing there, runs the copy's code).
    """
    port = free_port()
    log = LOGS / f"{name}-{port}.log"
    args = ["--timeout-graceful-shutdown", "5", *uvicorn_args]
    with uvicorn_server(
        name, factory, env=child_env(env), log=log, port=port, args=args, cwd=cwd, tls=tls
    ) as service:
        wait_ready(service, ready_path)
        yield service


def child_env(changes: Mapping[str, str | None]) -> dict[str, str]:
    env = {**os.environ, "LOG_FORMAT": "json"}
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env
