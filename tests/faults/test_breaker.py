"""The circuit breaker to the data service, with the data service partitioned (the proxy
accepts connections and never answers): once open, reads answer 503 at once instead of
after their timeouts, /ready and /metrics show it, and it closes by itself when the
partition ends."""

from __future__ import annotations

import asyncio
import statistics
import time

import httpx
import pytest

from tests.faults.conftest import assert_problem, bearer, business_service, register
from tests.live import LiveService
from tests.metrics import scrape
from tests.tcpproxy import TcpProxy

# An open circuit answers within 50 ms (median): a claim about latency, measured alone.
pytestmark = pytest.mark.serial

STATE = ("data_circuit_state", (("circuit", "data_service"),))


async def test_an_open_circuit_answers_503_at_once_and_closes_by_itself(
    live_data: LiveService, database: str
) -> None:
    settings = {
        "DATA_READ_TIMEOUT": "1",
        "DATA_RETRY_ATTEMPTS": "2",
        "DATA_BREAKER_FAILURES": "3",
        "DATA_BREAKER_PAUSE_SECONDS": "2",
        "CACHE_TTL_SECONDS": "0",  # every request loads its caller from the data service
    }
    with (
        TcpProxy.to_url(live_data.url, default_port=80) as proxy,
        business_service(proxy.url(live_data.url), **settings) as business,
    ):
        async with httpx.AsyncClient(base_url=business.url, timeout=30) as client:
            await register(client, "ann")
            headers = await bearer(client, "ann")
            assert (await client.get("/users/me", headers=headers)).status_code == 200
            assert (await scrape(client))[STATE] == 0

            proxy.pause("hang")
            # Closed: the first reads wait for their read timeouts (3 failed attempts in all).
            for _ in range(2):
                assert_problem(await client.get("/users/me", headers=headers), 503)
            # Open: every read is answered at once, with Retry-After, without a call.
            durations = []
            for _ in range(7):
                started = time.perf_counter()
                response = await client.get("/users/me", headers=headers)
                durations.append(time.perf_counter() - started)
                assert_problem(response, 503)
                assert "paused" in response.json()["detail"]
            # The median of several, on a machine shared with other test runs; a read timeout is 1 s.
            assert statistics.median(durations) < 0.05, durations
            assert (await scrape(client))[STATE] == 2
            ready = await client.get("/ready")
            assert_problem(ready, 503)
            assert ready.json()["checks"]["data_circuit_closed"] is False

            proxy.resume()
            # After the pause one trial read goes through, and its success closes the circuit.
            deadline = time.monotonic() + 15
            while (await client.get("/users/me", headers=headers)).status_code != 200:
                assert time.monotonic() < deadline, "the circuit did not close by itself"
                await asyncio.sleep(0.2)
            assert (await scrape(client))[STATE] == 0
            ready = await client.get("/ready")
            assert ready.status_code == 200
            assert ready.json()["checks"]["data_circuit_closed"] is True
