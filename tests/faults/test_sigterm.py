"""SIGTERM to a service under load: requests it was serving finish, nothing is half written
(each stored user has its user.created event, each 201 is a stored user), it stops after a
complete shutdown, and the events its relay had not published are published by the next."""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from dataclasses import dataclass

import httpx

from tests.faults.conftest import EventTap, business_service, data_service, eventually, fetch, user_body
from tests.live import LiveService

USERS = 40
CONCURRENCY = 8


@dataclass
class Outcome:
    answers: dict[str, int | str]  # username -> status, or the transport error's name
    answered_after_sigterm: int

    @property
    def counts(self) -> Counter[int | str]:
        return Counter(self.answers.values())


async def register_until_stopped(business: LiveService, victim: LiveService) -> Outcome:
    """Register USERS users, CONCURRENCY at a time; SIGTERM `victim` once a few are in; wait
    for its shutdown (uvicorn finishes it, then re-raises the signal: killed by SIGTERM)."""
    outcome = Outcome({}, 0)
    sigterm_at: float | None = None
    # One connection per request: a request either reaches the server or is refused, and
    # never races the server closing an idle keep-alive connection.
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=business.url, timeout=30, limits=limits) as client:

        async def one(name: str) -> None:
            try:
                response = await client.post("/auth/register", json=user_body(name))
            except httpx.TransportError as exc:
                outcome.answers[name] = type(exc).__name__
                return
            outcome.answers[name] = response.status_code
            if sigterm_at is not None:
                outcome.answered_after_sigterm += 1

        tasks = [asyncio.create_task(one(f"term{i:03d}")) for i in range(USERS)]

        async def some_created() -> bool:
            return outcome.counts[201] >= 4

        await eventually(some_created, within=30, what="registrations under way")
        victim.process.send_signal(signal.SIGTERM)
        sigterm_at = time.monotonic()
        await asyncio.gather(*tasks)
        exit_code = await asyncio.to_thread(victim.process.wait, 20)
    log = victim.log.read_text()
    assert exit_code in (0, -signal.SIGTERM), log[-3000:]
    assert "Application shutdown complete." in log
    assert outcome.answered_after_sigterm >= 1, f"nothing was in flight at SIGTERM: {outcome.counts}"
    errors = [line[:500] for line in log.splitlines() if line.startswith("{") and '"level": "error"' in line]
    assert errors == []
    assert not [s for s in outcome.counts if isinstance(s, int) and s >= 500 and s != 503], outcome.counts
    return outcome


async def assert_nothing_half_written(database: str, outcome: Outcome) -> set[str]:
    """Each stored user has exactly its user.created event; each 201 was stored; a request
    without an answer (503, or a connection refused or closed before the server read it)
    stored nothing. Returns the stored usernames."""
    rows = await fetch(
        database,
        "SELECT u.username, count(o.event_id) FILTER (WHERE o.event_type = 'user.created') AS created "
        "FROM users u LEFT JOIN outbox o ON o.user_id = u.id GROUP BY u.username",
    )
    stored = {row["username"]: row["created"] for row in rows}
    assert all(count == 1 for count in stored.values()), stored
    assert {name for name, status in outcome.answers.items() if status == 201} <= set(stored)
    unanswered = {
        name for name, status in outcome.answers.items() if status == 503 or isinstance(status, str)
    }
    assert not unanswered & set(stored)
    outbox = await fetch(database, "SELECT count(*) AS n FROM outbox")
    assert outbox[0]["n"] == len(stored)
    return set(stored)


async def test_sigterm_to_the_business_service_during_load(
    live_data: LiveService, database: str, tap: EventTap, rabbitmq_url: str
) -> None:
    events = {
        "RABBITMQ_URL": rabbitmq_url,
        "EVENTS_EXCHANGE": tap.exchange_name,
        "RELAY_LEASE_SECONDS": "1",  # what a stopped relay held is free again soon
    }
    with business_service(live_data.url, **events) as business:
        outcome = await register_until_stopped(business, victim=business)
    assert 503 not in outcome.counts, outcome.counts  # the data service was there throughout
    stored = await assert_nothing_half_written(database, outcome)
    # The relay stopped with its process, maybe between a publish and its acknowledgement:
    # the next process publishes whatever is left, and every user's event arrives.
    with business_service(live_data.url, **events):
        created = await tap.wait_for("user.created", len(stored), within=15)
    assert {event.body["user"]["username"] for event in created} == stored


async def test_sigterm_to_the_data_service_during_load(database: str) -> None:
    with data_service(database) as data, business_service(data.url) as business:
        outcome = await register_until_stopped(business, victim=data)
    await assert_nothing_half_written(database, outcome)
