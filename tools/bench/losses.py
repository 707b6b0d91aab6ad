"""The journeys phase of `make bench`: load through the business API, then count what was lost.

After the throughput rounds, a business service of its own, publishing to RabbitMQ on an
exchange of its own, takes `count` journeys (tools/bench/journeys.py) at `concurrency`.
Then it checks: no 5xx and no request left unanswered; every journey completed; every
user created is readable afterwards (`GET /users/{id}` as the admin) with its update;
one `user.created` event per user created and one `user.updated` per update reach a
consumer of the contract's audit queue, which consumes through the generated package
(user_events_consumer) as another team would (within EVENTS_WITHIN seconds: the relay
publishes them from the outbox); no event is handled twice. Any failed check fails `make bench`: a benchmark that loses data is a
failure, not a number.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aio_pika
import httpx
from aio_pika.exceptions import AMQPError

from tools.bench import stack
from tools.bench.journeys import (
    STEPS,
    ConsumedEvents,
    EventTap,
    Journeys,
    expected_statuses,
    run_journeys,
    updated_name,
)
from tools.uvicorn_server import wait_ready

PASSWORD = "journey-password-1"  # noqa: S105 - the password of the throwaway users the journeys create
EVENTS_WITHIN = 30.0  # seconds the relay gets to publish every event after the last journey
Stored = Mapping[str, Mapping[str, Any] | None]  # username -> the user as read back, None: not readable


class BrokerMissing(RuntimeError):
    """RabbitMQ does not answer at the URL given."""


def ensure_broker(rabbitmq_url: str) -> None:
    """Fail before the long part of the run when RabbitMQ is not there."""

    async def connect() -> None:
        connection = await aio_pika.connect(rabbitmq_url, timeout=5)
        await connection.close()

    try:
        asyncio.run(connect())
    except (OSError, TimeoutError, AMQPError) as exc:
        where = rabbitmq_url.rsplit("@", maxsplit=1)[-1]
        raise BrokerMissing(
            f"RabbitMQ at {where} does not answer ({exc!r}): the journeys phase needs it. "
            "Set BENCH_RABBITMQ_URL, or BENCH_JOURNEYS=0 to leave the phase out."
        ) from exc


async def run(
    *,
    count: int,
    concurrency: int,
    business_env: Mapping[str, str],
    rabbitmq_url: str,
    redis_url: str,
    admin_token: str,
    first_id: int,
    logs: Path,
) -> dict[str, Any]:
    """Run the phase; return the report's `journeys` section (its `failures` empty: nothing lost).

    `first_id` is the id the first user registered will get (the database is fresh).
    """
    exchange = f"bench.{uuid.uuid4().hex[:12]}"
    env = {**business_env, "RABBITMQ_URL": rabbitmq_url, "EVENTS_EXCHANGE": exchange}
    # The ids repeat from run to run: a run cut short may have left some in the cache.
    user_ids = set(range(first_id, first_id + count))
    await stack.forget_cached_users(redis_url, sorted(user_ids))
    try:
        async with ConsumedEvents(rabbitmq_url, exchange) as tap:
            with stack.serve("business_events", "business_service.app:create_app", env, logs=logs) as server:
                await asyncio.to_thread(wait_ready, server, "/ready")
                print(f"journeys: {count} at concurrency {concurrency}...", flush=True)
                journeys = await run_journeys(
                    base_url=server.url, count=count, concurrency=concurrency, password=PASSWORD
                )
                user_ids |= set(journeys.created.values())
                stored = await _read_back(server.url, journeys.created, admin_token, concurrency)
                for event_type, expected in (
                    ("user.created", len(journeys.created)),
                    ("user.updated", journeys.updated),
                ):
                    with contextlib.suppress(TimeoutError):  # counted below
                        await tap.wait_for(event_type, expected, within=EVENTS_WITHIN)
            return summarise(journeys, stored, tap, count=count, concurrency=concurrency)
    finally:
        await stack.forget_cached_users(redis_url, sorted(user_ids))


async def _read_back(
    base_url: str, created: Mapping[str, int], admin_token: str, concurrency: int
) -> dict[str, dict[str, Any] | None]:
    """Every user created, as the admin reads it by id (None: not readable)."""
    semaphore = asyncio.Semaphore(concurrency)
    headers = {"Authorization": f"Bearer {admin_token}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30) as client:

        async def read(user_id: int) -> dict[str, Any] | None:
            async with semaphore:
                try:
                    response = await client.get(f"/users/{user_id}")
                except httpx.TransportError:
                    return None
            if response.status_code != 200:
                return None
            user: dict[str, Any] = response.json()
            return user

        found = await asyncio.gather(*(read(user_id) for user_id in created.values()))
    return dict(zip(created, found, strict=True))


def _failures(journeys: Journeys, stored: Stored, tap: EventTap, *, count: int) -> list[str]:
    created_ids = set(journeys.created.values())
    created_events = {event.message_id: event.user_id for event in tap.of_type("user.created")}
    updated_events = {event.message_id for event in tap.of_type("user.updated")}
    failures = []
    if journeys.server_errors:
        failures.append(f"{journeys.server_errors} answers were 5xx")
    if journeys.unanswered:
        failures.append(f"{journeys.unanswered} requests got no answer")
    if journeys.statuses != expected_statuses(count):
        failures.append(f"not every journey completed: {_statuses(journeys.statuses)}")
    if (missing := len(created_ids) - _read_back_count(journeys, stored)) > 0:
        failures.append(
            f"{missing} of the {len(created_ids)} users created are not readable with their update"
        )
    if len(created_events) != len(created_ids) or set(created_events.values()) != created_ids:
        failures.append(f"{len(created_events)} user.created events for {len(created_ids)} users created")
    if len(updated_events) != journeys.updated:
        failures.append(f"{len(updated_events)} user.updated events for {journeys.updated} updates")
    if duplicates := tap.duplicates():
        failures.append(f"{duplicates} messages arrived twice (same message_id)")
    if without := sum(1 for event in tap.events if not event.message_id):
        failures.append(f"{without} messages came without a message_id")
    return failures


def _read_back_count(journeys: Journeys, stored: Stored) -> int:
    return sum(
        1
        for name, user in stored.items()
        if user is not None
        and user["id"] == journeys.created[name]
        and user["full_name"] == updated_name(name)
    )


def _statuses(statuses: Mapping[tuple[str, int], int]) -> str:
    return ", ".join(f"{step} {status or 'no answer'}: {n}" for (step, status), n in sorted(statuses.items()))


def _percentile_ms(seconds: list[float], share: float) -> float | None:
    if not seconds:
        return None
    ordered = sorted(seconds)
    return round(1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)


def summarise(
    journeys: Journeys, stored: Stored, tap: EventTap, *, count: int, concurrency: int
) -> dict[str, Any]:
    """The report's `journeys` section: rates, statuses, what was read back and received, failures."""
    elapsed = journeys.seconds or 1e-9
    failures = _failures(journeys, stored, tap, count=count)
    return {
        "journeys": count,
        "concurrency": concurrency,
        "seconds": round(journeys.seconds, 2),
        "journeys_per_second": round(count / elapsed, 1),
        "requests_per_second": round(sum(journeys.statuses.values()) / elapsed, 1),
        "steps": {
            step: {
                "answers": sum(n for (name, _), n in journeys.statuses.items() if name == step),
                "per_second": round(len(journeys.latencies[step]) / elapsed, 1),
                "p50_ms": _percentile_ms(journeys.latencies[step], 0.50),
                "p99_ms": _percentile_ms(journeys.latencies[step], 0.99),
                "statuses": {
                    str(status): n for (name, status), n in sorted(journeys.statuses.items()) if name == step
                },
            }
            for step in STEPS
        },
        "server_errors": journeys.server_errors,
        "unanswered": journeys.unanswered,
        "users_created": len(journeys.created),
        "users_read_back": _read_back_count(journeys, stored),
        "updates": journeys.updated,
        "events": {
            "user.created": len({event.message_id for event in tap.of_type("user.created")}),
            "user.updated": len({event.message_id for event in tap.of_type("user.updated")}),
            "received": len(tap.events),
            "duplicates": tap.duplicates(),
        },
        "failures": failures,
        "nothing_lost": not failures,
    }


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def render(section: Mapping[str, Any]) -> str:
    """The summary `make bench` prints and the README shows."""
    lines = [
        f"Journeys (register, log in, read, update, read): {section['journeys']} at concurrency"
        f" {section['concurrency']} in {section['seconds']:.1f} s, {section['journeys_per_second']:.1f}"
        f" journeys/s, {section['requests_per_second']:.1f} req/s",
        "",
        "| step | answers | req/s | p50 ms | p99 ms | statuses |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for step, found in section["steps"].items():
        statuses = ", ".join(
            f"{status if status != '0' else 'no answer'}: {n}" for status, n in found["statuses"].items()
        )
        p50, p99 = (_ms(found["p50_ms"]), _ms(found["p99_ms"]))
        lines.append(
            f"| {step} | {found['answers']} | {found['per_second']:.1f} | {p50} | {p99} | {statuses} |"
        )
    events = section["events"]
    lines += [
        "",
        f"5xx: {section['server_errors']}; no answer: {section['unanswered']}; users read back with their"
        f" update: {section['users_read_back']} of {section['users_created']} created; user.created events:"
        f" {events['user.created']}; user.updated events: {events['user.updated']} for {section['updates']}"
        f" updates; message_ids received twice: {events['duplicates']}",
        "",
        "Verdict: "
        + ("nothing lost" if section["nothing_lost"] else "LOST DATA: " + "; ".join(section["failures"])),
    ]
    return "\n".join(lines)
