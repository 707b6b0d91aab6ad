"""The near cache's own rules, on a clock the test moves (the cross-process behaviour, on
the real Redis, is in tests/faults/test_near_cache.py)."""

from __future__ import annotations

from business_service.near_cache import NearCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def serving(clock: Clock, *, size: int = 3) -> NearCache[str]:
    near: NearCache[str] = NearCache(max_entries=size, liveness_seconds=1.0, clock=clock)
    near.resume()
    return near


def test_nothing_is_served_before_the_subscription_is_confirmed() -> None:
    near: NearCache[str] = NearCache(max_entries=3, liveness_seconds=1.0, clock=Clock())
    assert not near.put("a", "old", generation=near.generation, ttl_seconds=60)
    assert near.get("a") is None


def test_a_value_read_before_an_invalidation_is_not_stored_after_it() -> None:
    near = serving(Clock())
    generation = near.generation  # a reader misses and goes to Redis...
    near.drop("a")  # ...the invalidation arrives meanwhile...
    assert not near.put("a", "old", generation=generation, ttl_seconds=60)  # ...its value is refused
    assert near.get("a") is None
    assert near.put("a", "new", generation=near.generation, ttl_seconds=60)
    assert near.get("a") == "new"


def test_silence_for_the_liveness_window_stops_it_and_only_a_new_subscription_restarts_it() -> None:
    clock = Clock()
    near = serving(clock)
    near.put("a", "v", generation=near.generation, ttl_seconds=60)
    clock.now += 0.9
    assert near.heard()  # a heartbeat reply: another window
    clock.now += 0.9
    assert near.get("a") == "v"
    clock.now += 0.2  # 1.1 s since the last reply
    assert near.get("a") is None
    assert not near.heard()  # too late: invalidations may have been missed
    near.suspend()
    near.resume()
    assert near.get("a") is None  # started afresh, empty


def test_it_keeps_the_most_recently_used_and_expires_entries() -> None:
    clock = Clock()
    near = serving(clock, size=2)
    near.put("a", "1", generation=near.generation, ttl_seconds=0.5)
    near.put("b", "2", generation=near.generation, ttl_seconds=60)
    assert near.get("a") == "1"  # a is now the most recent
    near.put("c", "3", generation=near.generation, ttl_seconds=60)
    assert (near.get("a"), near.get("b"), near.get("c")) == ("1", None, "3")
    clock.now += 0.6
    near.heard()
    assert near.get("a") is None  # expired
    assert len(near) == 1
