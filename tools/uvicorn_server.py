"""A service under uvicorn in a child process: how the tests and the benchmark run them."""

from __future__ import annotations

import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ServerTls:
    """HTTPS with uvicorn's certificate options; with `client_ca`, clients must present a
    certificate it signed. `client` is how a client of this server (the readiness wait,
    say) connects: a context trusting the server's CA, with a client certificate if needed."""

    certfile: Path
    keyfile: Path
    client: ssl.SSLContext
    client_ca: Path | None = None

    def uvicorn_args(self) -> list[str]:
        args = ["--ssl-certfile", str(self.certfile), "--ssl-keyfile", str(self.keyfile)]
        if self.client_ca is not None:
            args += ["--ssl-ca-certs", str(self.client_ca), "--ssl-cert-reqs", str(int(ssl.CERT_REQUIRED))]
        return args


@dataclass(frozen=True)
class Server:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    verify: ssl.SSLContext | bool = True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def uvicorn_server(
    name: str,
    factory: str,
    *,
    env: Mapping[str, str],
    log: Path,
    port: int | None = None,
    args: Sequence[str] = (),
    stop_timeout: float = 15,
    cwd: Path = ROOT,
    tls: ServerTls | None = None,
) -> Iterator[Server]:
    """`uvicorn <factory> --factory` on loopback with the whole environment `env`, its output
    in `log`, run in `cwd` (this checkout, or a copy of it); started, not awaited (see
    `wait_ready`), and stopped when the block ends."""
    port = port or free_port()
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "uvicorn", factory, "--factory", "--host", "127.0.0.1"]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "--port", str(port), "--no-access-log", *(tls.uvicorn_args() if tls else []), *args],
            cwd=cwd,
            env=dict(env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        if tls is None:
            yield Server(name, f"http://127.0.0.1:{port}", process, log)
        else:
            yield Server(name, f"https://127.0.0.1:{port}", process, log, verify=tls.client)
    finally:
        process.terminate()
        try:
            process.wait(timeout=stop_timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_ready(server: Server, path: str, *, timeout: float = 60.0) -> None:
    """Until `path` answers 200; RuntimeError, with the log's tail, if the server exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited; its log:\n{server.log.read_text()[-4000:]}")
        try:
            if httpx.get(server.url + path, timeout=2, verify=server.verify).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(
        f"{server.name} was not ready in {timeout}s; its log:\n{server.log.read_text()[-4000:]}"
    )
