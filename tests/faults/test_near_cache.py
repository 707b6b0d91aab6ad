"""The near cache (in process, in front of Redis) across two business processes.

A user changed through one process is not served stale by the other once its invalidation
was delivered there; the worst staleness seen is recorded (`record_property`, in the JUnit
report, and in the assertion message). While the second process's connection to Redis is
cut, its near cache answers nothing, and answers again once the subscription is back; a
connection that goes silent without being cut stops it within NEAR_CACHE_LIVENESS_SECONDS.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from tests.faults.conftest import bearer, business_service, eventually, register, started_together
from tests.live import LiveService
from tests.metrics import scrape
from tests.tcpproxy import PauseMode, TcpProxy

# Staleness bounds of a second or less, measured alone: tests running beside them on a
# 2-core machine would delay the invalidations they time.
pytestmark = pytest.mark.serial

LIVENESS = 1.0  # NEAR_CACHE_LIVENESS_SECONDS of the processes here (the default)
# The staleness loops read as fast as the service answers, which can pass the default 600
# requests a minute per user; they are about the near cache, not the rate limit.
NO_RATE_LIMIT = "0"


async def _counter(client: httpx.AsyncClient, name: str, labels: tuple[tuple[str, str], ...] = ()) -> float:
    return (await scrape(client)).get((name, labels), 0.0)


async def near_hits(client: httpx.AsyncClient) -> float:
    return await _counter(client, "cache_lookups_total", (("result", "near_hit"),))


async def invalidations(client: httpx.AsyncClient) -> float:
    return await _counter(client, "near_cache_invalidations_total")


async def full_name(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    response = await client.get("/users/me", headers=headers)
    assert response.status_code == 200, response.text
    name: str = response.json()["full_name"]
    return name


async def rename(client: httpx.AsyncClient, headers: dict[str, str], name: str) -> float:
    """PATCH the caller's name; the time its answer came."""
    response = await client.patch("/users/me", headers=headers, json={"full_name": name})
    assert response.status_code == 200, response.text
    return time.monotonic()


async def staleness(
    reader: httpx.AsyncClient, headers: dict[str, str], name: str, *, since: float, within: float
) -> float:
    """Seconds from `since` until `reader` answers `name` (read in a loop)."""
    while await full_name(reader, headers) != name:
        assert time.monotonic() - since < within, f"still stale after {within} s"
    return time.monotonic() - since


async def test_a_change_through_one_process_is_not_served_stale_once_its_invalidation_arrived(
    live_data: LiveService,
    database: str,
    faults_redis_url: str,
    record_property: Callable[[str, object], None],
) -> None:
    env = {"REDIS_URL": faults_redis_url, "RATE_LIMIT_PER_MINUTE": NO_RATE_LIMIT}
    with started_together(business_service(live_data.url, **env), business_service(live_data.url, **env)) as (
        first,
        second,
    ):
        async with (
            httpx.AsyncClient(base_url=first.url, timeout=10) as writer,
            httpx.AsyncClient(base_url=second.url, timeout=10) as reader,
        ):
            await register(writer, "ann")
            headers = await bearer(writer, "ann")
            hits_before = await near_hits(reader)
            worst, stale_reads = 0.0, 0
            for round_ in range(20):
                assert await full_name(reader, headers) == ("" if round_ == 0 else f"Ann {round_ - 1}")
                delivered_before = await invalidations(reader)
                name = f"Ann {round_}"
                answered = await rename(writer, headers, name)
                while True:
                    delivered = await invalidations(reader) > delivered_before
                    seen = await full_name(reader, headers)
                    if seen == name:
                        break
                    # Stale is allowed only until the invalidation reached the reader.
                    assert not delivered, f"round {round_}: stale after the invalidation arrived"
                    stale_reads += 1
                    assert time.monotonic() - answered < LIVENESS, "stale for the whole liveness window"
                worst = max(worst, time.monotonic() - answered)
            hits = await near_hits(reader) - hits_before
    record_property("worst_staleness_ms", round(worst * 1000, 1))
    record_property("stale_reads", stale_reads)
    assert hits >= 10, f"the reader's near cache answered {hits} reads"  # it was in use
    assert worst < LIVENESS, f"worst staleness {worst * 1000:.1f} ms, {stale_reads} stale reads"


async def test_the_near_cache_is_off_while_its_subscription_is_cut_and_on_again_after(
    live_data: LiveService,
    database: str,
    faults_redis_url: str,
    record_property: Callable[[str, object], None],
) -> None:
    with (
        TcpProxy.to_url(faults_redis_url, default_port=6379) as proxy,
        started_together(
            business_service(live_data.url, REDIS_URL=faults_redis_url, RATE_LIMIT_PER_MINUTE=NO_RATE_LIMIT),
            business_service(
                live_data.url,
                REDIS_URL=proxy.url(faults_redis_url),
                RATE_LIMIT_PER_MINUTE=NO_RATE_LIMIT,
            ),
        ) as (first, second),
    ):
        async with (
            httpx.AsyncClient(base_url=first.url, timeout=10) as writer,
            httpx.AsyncClient(base_url=second.url, timeout=10) as reader,
        ):
            await register(writer, "bea")
            headers = await bearer(writer, "bea")

            async def answers_from_memory() -> bool:
                before = await near_hits(reader)
                await full_name(reader, headers)
                return await near_hits(reader) > before

            modes: tuple[PauseMode, ...] = ("reset", "refuse")  # cut at once; reconnects refused
            for number, mode in enumerate(modes):
                await eventually(answers_from_memory, within=5, what="the reader's near cache answers")
                proxy.pause(mode)
                name = f"Bea {mode}"
                await rename(writer, headers, name)
                hits = await near_hits(reader)
                for _ in range(5):
                    assert await full_name(reader, headers) == name, f"{mode}: stale while cut"
                assert await near_hits(reader) == hits, f"{mode}: the near cache answered while cut"
                proxy.resume()
                await eventually(answers_from_memory, within=5, what=f"the near cache is back after {mode}")
                assert await full_name(reader, headers) == name, number

            # Silent: the connection stays open but carries nothing. The reader cannot know
            # of the change until the liveness window has passed without a heartbeat reply.
            await eventually(answers_from_memory, within=5, what="the reader's near cache answers")
            proxy.pause("stall")
            answered = await rename(writer, headers, "Bea stalled")
            worst = await staleness(reader, headers, "Bea stalled", since=answered, within=LIVENESS + 1.0)
            proxy.resume()
            await eventually(answers_from_memory, within=5, what="the near cache is back after the stall")
    record_property("stalled_staleness_ms", round(worst * 1000, 1))
    # The bound, plus the reader's Redis timeout (0.25 s) on the read that finds it stopped.
    assert worst < LIVENESS + 0.5, f"served stale for {worst * 1000:.0f} ms over a silent connection"
