"""Services running for real under uvicorn on loopback ports, for fuzzing and end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "reports" / "logs"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass(frozen=True)
class LiveService:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path


@contextmanager
def live_service(
    name: str,
    factory: str,
    env: Mapping[str, str | None],
    *,
    ready_path: str = "/ready",
    uvicorn_args: Sequence[str] = (),
) -> Iterator[LiveService]:
    """Run `uvicorn <factory> --factory` until the block ends; wait until `ready_path` answers 200.

    `env` adds to this process's environment; a None value removes the variable.
    `uvicorn_args` go to uvicorn as they are (`--workers 2`, say).
    """
    port = free_port()
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / f"{name}-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                factory,
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-access-log",
                "--timeout-graceful-shutdown",
                "5",
                *uvicorn_args,
            ],
            cwd=ROOT,
            env=child_env(env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    service = LiveService(name, f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_ready(service, ready_path)
        yield service
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def child_env(changes: Mapping[str, str | None]) -> dict[str, str]:
    env = {**os.environ, "LOG_FORMAT": "json"}
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _wait_ready(service: LiveService, path: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise RuntimeError(f"{service.name} exited; its log:\n{service.log.read_text()[-4000:]}")
        try:
            if httpx.get(service.url + path, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(
        f"{service.name} was not ready in {timeout}s; its log:\n{service.log.read_text()[-4000:]}"
    )
