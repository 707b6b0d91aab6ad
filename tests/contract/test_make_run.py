"""`make run` (python -m tools.run): both services start, serve a user, and stop on Ctrl-C.

Run on free ports (DATA_PORT, BUSINESS_PORT) and the test database, with no Redis or
RabbitMQ configured: the in-process cache and pending events, as on a bare machine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import httpx

from tests import infra
from tests.live import LOGS, child_env, free_port
from tools.uvicorn_server import Server, wait_ready


def test_make_run_serves_and_stops_on_ctrl_c(migrated_database_url: str) -> None:
    data_port, business_port = free_port(), free_port()
    env = child_env(
        {
            "DATABASE_URL": migrated_database_url,
            "DATA_PORT": str(data_port),
            "BUSINESS_PORT": str(business_port),
            "DATA_SERVICE_URL": None,
            "REDIS_URL": None,
            "RABBITMQ_URL": None,
        }
    )
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / f"make-run-{business_port}.log"
    with log.open("wb") as out:
        # A session of its own: Ctrl-C reaches the whole foreground process group.
        process = subprocess.Popen(
            [sys.executable, "-m", "tools.run"],
            cwd=infra.ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        business = f"http://127.0.0.1:{business_port}"
        wait_ready(Server("make run", business, process, log), "/ready", timeout=90)
        with httpx.Client(base_url=business, timeout=10) as client:
            user = {"email": "runner@example.com", "username": "runner", "password": "user-password-1"}
            assert client.post("/auth/register", json=user).status_code in (201, 409)
            token = client.post("/auth/token", data={"username": "runner", "password": user["password"]})
            assert token.status_code == 200, token.text
            me = client.get("/users/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"})
            assert me.json()["username"] == "runner"
        # The internal hop stays plain HTTP unless TLS is configured (tests/faults/test_tls.py).
        assert httpx.get(f"http://127.0.0.1:{data_port}/ready", timeout=5).status_code == 200
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    output = log.read_text()
    assert "business API: http://127.0.0.1:" in output
    assert "REDIS_URL is not set" in output
    # The development JWT secret is long enough for HS256 (it used to warn at every start).
    assert "InsecureKeyLengthWarning" not in output
    for port in (data_port, business_port):
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
        except httpx.TransportError:
            continue
        raise AssertionError(f"something still answers on port {port} after Ctrl-C:\n{output[-3000:]}")
