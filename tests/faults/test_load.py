"""A small, bounded load through the business API: concurrent registrations, logins, reads and
updates. No 5xx, every user readable afterwards, one user.created event per user created,
and no password hash in an event or a log line."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import httpx

from tests.faults.conftest import PASSWORD, EventTap, business_service, fetch, user_body
from tests.live import LiveService

USERS = 40
CONCURRENCY = 10
ADMIN = {"ADMIN_USERNAME": "load-admin", "ADMIN_EMAIL": "load-admin@example.com", "ADMIN_PASSWORD": PASSWORD}


async def test_concurrent_journeys_lose_nothing(
    live_data: LiveService, database: str, tap: EventTap, rabbitmq_url: str, faults_redis_url: str
) -> None:
    statuses: Counter[tuple[str, int]] = Counter()
    created: dict[str, int] = {}
    env = {
        "RABBITMQ_URL": rabbitmq_url,
        "EVENTS_EXCHANGE": tap.exchange_name,
        "REDIS_URL": faults_redis_url,
        **ADMIN,
    }
    with business_service(live_data.url, **env) as business:
        async with httpx.AsyncClient(base_url=business.url, timeout=30) as client:
            semaphore = asyncio.Semaphore(CONCURRENCY)

            async def call(what: str, request: httpx.Request) -> httpx.Response:
                response = await client.send(request)
                statuses[what, response.status_code] += 1
                return response

            async def journey(name: str) -> None:
                async with semaphore:
                    registered = await call(
                        "register", client.build_request("POST", "/auth/register", json=user_body(name))
                    )
                    if registered.status_code != 201:
                        return
                    created[name] = registered.json()["id"]
                    token = await call(
                        "login",
                        client.build_request(
                            "POST", "/auth/token", data={"username": name, "password": PASSWORD}
                        ),
                    )
                    if token.status_code != 200:
                        return
                    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
                    me = await call("read", client.build_request("GET", "/users/me", headers=headers))
                    update = {"full_name": name.upper(), "version": me.json()["version"]}
                    await call(
                        "update", client.build_request("PATCH", "/users/me", headers=headers, json=update)
                    )
                    await call("read", client.build_request("GET", "/users/me", headers=headers))

            await asyncio.gather(*(journey(f"load{i:03d}") for i in range(USERS)))

            admin = await client.post(
                "/auth/token", data={"username": ADMIN["ADMIN_USERNAME"], "password": PASSWORD}
            )
            page = await client.get(
                "/users",
                params={"limit": 100},
                headers={"Authorization": f"Bearer {admin.json()['access_token']}"},
            )
            created_events = await tap.wait_for("user.created", USERS + 1, within=20)
            updated_events = await tap.wait_for("user.updated", USERS, within=20)

    assert not [key for key in statuses if key[1] >= 500], statuses
    assert statuses == Counter(
        {("register", 201): USERS, ("login", 200): USERS, ("read", 200): 2 * USERS, ("update", 200): USERS}
    )
    # Every user is readable afterwards, with the last update.
    assert page.status_code == 200, page.text
    stored = {user["username"]: user for user in page.json()["items"]}
    assert page.json()["total"] == USERS + 1
    for name, user_id in created.items():
        assert stored[name]["id"] == user_id
        assert stored[name]["full_name"] == name.upper()
    # One user.created event per user created, none twice; one user.updated per update.
    users = await fetch(database, "SELECT id FROM users")
    assert len(created_events) == len(users) == USERS + 1
    assert {event.user_id for event in created_events} == {row["id"] for row in users}
    assert len(updated_events) == USERS
    assert len({event.message_id for event in tap.events}) == len(tap.events)
    # Password hashes stay in the data service's table: not in an event, not in a log line.
    assert "$argon2" not in json.dumps([event.body for event in tap.events])
    assert "$argon2" not in business.log.read_text()
    assert "$argon2" not in live_data.log.read_text()
