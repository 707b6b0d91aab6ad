"""Services running for real under uvicorn on loopback ports, for fuzzing and end-to-end tests."""

from __future__ import annotations

import itertools
import os
import socket
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from tests.infra import WORKER
from tools import uvicorn_server as _uvicorn
from tools.uvicorn_server import ROOT, Server, ServerTls, uvicorn_server, wait_ready

LOGS = ROOT / "reports" / "logs"
__all__ = ["LOGS", "LiveService", "child_env", "free_port", "live_service"]


LiveService = Server

# Under xdist each worker takes its ports from a block of its own below the kernel's
# ephemeral range (32768 and up here): a port the kernel hands out for bind(0) is free only
# until something binds it, and a service takes a second or two to import before it does,
# time enough for another worker's service, or any outgoing connection, to take it.
_PORT_BLOCK = 1000
_ports = None
if WORKER is not None:
    _first = 20000 + int(WORKER.removeprefix("gw")) * _PORT_BLOCK
    _ports = itertools.cycle(range(_first, _first + _PORT_BLOCK))


def free_port() -> int:
    """A loopback port nothing listens on; under xdist, the next free one of this worker's block."""
    if _ports is None:
        return _uvicorn.free_port()
    for port in itertools.islice(_ports, _PORT_BLOCK):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port left in {WORKER}'s block")


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
