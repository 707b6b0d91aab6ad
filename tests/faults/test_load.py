"""A small, bounded load through the business API: concurrent registrations, logins, reads and
updates. No 5xx, every user readable afterwards, one user.created event per user created,
and no password hash in an event or a log line.

The journeys are `make bench`'s (tools/bench/journeys.py), which runs more of them."""

from __future__ import annotations

import json

import httpx

from tests.faults.conftest import PASSWORD, EventTap, business_service, fetch
from tests.live import LiveService
from tools.bench.journeys import expected_statuses, run_journeys, updated_name

USERS = 40
CONCURRENCY = 10
ADMIN = {"ADMIN_USERNAME": "load-admin", "ADMIN_EMAIL": "load-admin@example.com", "ADMIN_PASSWORD": PASSWORD}


async def test_concurrent_journeys_lose_nothing(
    live_data: LiveService, database: str, tap: EventTap, rabbitmq_url: str, faults_redis_url: str
) -> None:
    env = {
        "RABBITMQ_URL": rabbitmq_url,
        "EVENTS_EXCHANGE": tap.exchange_name,
        "REDIS_URL": faults_redis_url,
        **ADMIN,
    }
    with business_service(live_data.url, **env) as business:
        journeys = await run_journeys(
            base_url=business.url, count=USERS, concurrency=CONCURRENCY, password=PASSWORD, prefix="load"
        )
        async with httpx.AsyncClient(base_url=business.url, timeout=30) as client:
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

    assert journeys.server_errors == journeys.unanswered == 0, journeys.statuses
    assert journeys.statuses == expected_statuses(USERS)
    # Every user is readable afterwards, with the last update.
    assert page.status_code == 200, page.text
    stored = {user["username"]: user for user in page.json()["items"]}
    assert page.json()["total"] == USERS + 1
    assert len(journeys.created) == USERS
    for name, user_id in journeys.created.items():
        assert stored[name]["id"] == user_id
        assert stored[name]["full_name"] == updated_name(name)
    # One user.created event per user created, none twice; one user.updated per update.
    users = await fetch(database, "SELECT id FROM users")
    assert len(created_events) == len(users) == USERS + 1
    assert {event.user_id for event in created_events} == {row["id"] for row in users}
    assert len(updated_events) == USERS
    assert tap.duplicates() == 0
    # Password hashes stay in the data service's table: not in an event, not in a log line.
    assert "$argon2" not in json.dumps([event.body for event in tap.events])
    assert "$argon2" not in business.log.read_text()
    assert "$argon2" not in live_data.log.read_text()
