"""PostgreSQL away: the data service answers 503 problems and /ready says not ready, within
its timeouts, writes nothing half, and serves again without a restart once it is back."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from tests.faults.conftest import SERVICE_TOKEN, assert_problem, data_service, fetch
from tests.infra import user_body
from tests.tcpproxy import PauseMode, TcpProxy


async def test_data_service_is_503_and_not_ready_while_postgres_is_away_then_recovers(
    database: str,
) -> None:
    parts = urlsplit(database)
    timeouts = {"DB_CONNECT_TIMEOUT": "1", "DB_POOL_TIMEOUT": "1", "DB_COMMAND_TIMEOUT": "2"}
    with (
        TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432) as proxy,
        data_service(proxy.url(database), **timeouts) as data,
    ):
        auth = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
        async with httpx.AsyncClient(base_url=data.url, headers=auth, timeout=30) as client:
            created = await client.post("/users", json=user_body("ann"))
            assert created.status_code == 201, created.text
            user_id = created.json()["id"]
            # Connections refused (the server is down), and a server that no longer answers.
            modes: tuple[PauseMode, ...] = ("refuse", "hang")
            for mode in modes:
                proxy.pause(mode)
                for request in (
                    client.build_request("GET", f"/users/{user_id}"),
                    client.build_request("POST", "/users", json=user_body(f"ben-{mode}")),
                    client.build_request(
                        "PATCH", f"/users/{user_id}", json={"version": 1, "full_name": mode}
                    ),
                    client.build_request("GET", "/ready"),
                ):
                    response = await client.send(request)
                    assert_problem(response, 503)
                    assert "Traceback" not in response.text
                    assert "asyncpg" not in response.text
                assert response.json()["checks"] == {"database": False, "migrations": False}
                assert (await client.get("/health")).status_code == 200

                proxy.resume()
                assert (await client.get("/ready")).status_code == 200, mode
                assert (await client.get(f"/users/{user_id}")).json()["full_name"] == ""
                again = await client.post("/users", json=user_body(f"ben-{mode}"))
                assert again.status_code == 201, again.text
    # The refused writes left nothing behind: each stored user has exactly its one event.
    rows = await fetch(
        database,
        "SELECT u.username, count(o.event_id) AS events FROM users u "
        "LEFT JOIN outbox o ON o.user_id = u.id GROUP BY u.username ORDER BY u.username",
    )
    assert [(row["username"], row["events"]) for row in rows] == [
        ("ann", 1),
        ("ben-hang", 1),
        ("ben-refuse", 1),
    ]
