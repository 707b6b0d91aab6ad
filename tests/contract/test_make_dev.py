"""`make dev` on a copy of the repository: a contract edit shows in the running services
within seconds, and a contract the generator refuses changes nothing that runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.copies import copy_repository, edit, in_copy
from tests.live import LOGS, free_port
from tools.uvicorn_server import Server, wait_ready


def eventually(condition: Callable[[], bool], *, seconds: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except httpx.TransportError:
            pass  # a service reloading
        time.sleep(0.5)
    raise AssertionError(f"{what} within {seconds} s; the log:\n{log.read_text()[-4000:]}")


def test_make_dev_regenerates_and_reloads_on_a_contract_edit(
    tmp_path: Path, migrated_database_url: str
) -> None:
    copy = copy_repository(tmp_path)
    data_port, business_port = free_port(), free_port()
    env = {
        **in_copy(copy),
        "DATABASE_URL": migrated_database_url,
        "DATA_PORT": str(data_port),
        "BUSINESS_PORT": str(business_port),
        "DATA_SERVICE_URL": f"http://127.0.0.1:{data_port}",
        "LOG_FORMAT": "json",
    }
    for name in ("REDIS_URL", "RABBITMQ_URL"):
        env.pop(name, None)
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / f"make-dev-{business_port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tools.run", "--dev"],
            cwd=copy,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    business = f"http://127.0.0.1:{business_port}"

    def summary() -> str:
        served = httpx.get(f"{business}/openapi.json", timeout=5).json()
        return str(served["paths"]["/users/me"]["get"]["summary"])

    try:
        wait_ready(Server("make dev", business, process, log), "/ready", timeout=90)
        assert summary() == "Get my profile"
        contract = copy / "openapi" / "business.yaml"
        edit(contract, "      summary: Get my profile\n", "      summary: Get my own profile\n")
        eventually(
            lambda: summary() == "Get my own profile", seconds=60, what="the edit was not served", log=log
        )

        edit(contract, "      operationId: getMe\n", "      operationId: 42\n")
        eventually(lambda: "contract refused" in log.read_text(), seconds=60, what="no refusal", log=log)
        assert "not a valid OpenAPI document" in log.read_text()
        assert summary() == "Get my own profile"
        assert httpx.get(f"{business}/ready", timeout=5).status_code == 200
        assert "getMe" in (copy / "generated" / "contract_servers" / "business.py").read_text()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
