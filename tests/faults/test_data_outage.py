"""The data service away: the business API answers 503 problems with Retry-After, quickly,
and serves again by itself once the data service is back."""

from __future__ import annotations

import httpx

from tests.faults.conftest import assert_problem, bearer, business_service, fetch, register, user_body
from tests.live import LiveService
from tests.tcpproxy import PauseMode, TcpProxy


async def test_business_answers_503_while_the_data_service_is_away_then_recovers(
    live_data: LiveService, database: str
) -> None:
    timeouts = {"DATA_READ_TIMEOUT": "1", "DATA_RETRY_ATTEMPTS": "2"}
    with (
        TcpProxy.to_url(live_data.url, default_port=80) as proxy,
        business_service(proxy.url(live_data.url), **timeouts) as business,
    ):
        async with httpx.AsyncClient(base_url=business.url, timeout=30) as client:
            await register(client, "ann")
            headers = await bearer(client, "ann")
            # Refused connections, reset connections, and a data service that never answers.
            modes: tuple[PauseMode, ...] = ("refuse", "reset", "hang")
            for mode in modes:
                proxy.pause(mode)
                outage = [
                    await client.post("/auth/register", json=user_body(f"ben-{mode}")),
                    await client.post("/auth/token", data={"username": "ann", "password": "x" * 12}),
                    await client.patch("/users/me", headers=headers, json={"full_name": mode}),
                    await client.get("/ready"),
                ]
                for response in outage:
                    assert_problem(response, 503)
                    assert "Traceback" not in response.text
                assert outage[-1].json()["checks"]["data_service"] is False
                assert (await client.get("/health")).status_code == 200

                proxy.resume()
                # No restart: the very next requests succeed, on new connections.
                assert (await client.get("/ready")).status_code == 200, mode
                again = await client.post("/auth/register", json=user_body(f"ben-{mode}"))
                assert again.status_code == 201, again.text
                changed = await client.patch("/users/me", headers=headers, json={"full_name": mode})
                assert changed.status_code == 200, changed.text
    names = await fetch(database, "SELECT username FROM users ORDER BY id")
    # The attempts refused during the outages wrote nothing.
    assert [row["username"] for row in names] == ["ann", "ben-refuse", "ben-reset", "ben-hang"]
