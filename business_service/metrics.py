"""The business service's own metrics (request metrics come from service_kit)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

CACHE_LOOKUPS = Counter(
    "cache_lookups", "User cache lookups, by result: near_hit (in process), hit (Redis) or miss.", ["result"]
)
CACHE_HITS, CACHE_MISSES = CACHE_LOOKUPS.labels("hit"), CACHE_LOOKUPS.labels("miss")
NEAR_CACHE_HITS = CACHE_LOOKUPS.labels("near_hit")
NEAR_CACHE_INVALIDATIONS = Counter(
    "near_cache_invalidations", "Invalidations of the near cache received on the Redis channel."
)
DATA_RETRIES = Counter(
    "data_client_retries",
    "Calls to the data service sent again after a transport error or a 503.",
    ["operation"],
)
RELAY_PUBLISHED = Counter(
    "outbox_relay_published_events", "User events published and confirmed by the broker."
)
RELAY_RETURNED = Counter(
    "outbox_relay_returned_events",
    "User events the broker returned (no queue bound for them): left pending in the outbox.",
)
RELAY_LAG = Histogram(
    "outbox_relay_lag_seconds",
    "From a user change (the event's time) to the broker's confirmation of its event.",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0),
)
# In multiprocess mode each worker has its own breaker; a scrape shows the worst of them.
CIRCUIT_STATE = Gauge(
    "data_circuit_state",
    "The circuit breaker to the data service: 0 closed, 1 half-open (one trial call), 2 open.",
    ["circuit"],
    multiprocess_mode="max",
)
CIRCUIT_OPENED = Counter(
    "data_circuit_opened", "Times the circuit breaker to the data service opened.", ["circuit"]
)
DATA_USER_READS_PER_CALL = Histogram(
    "data_user_reads_per_call",
    "Users read by id in one call to the data service (reads gathered in one turn of the event loop).",
    buckets=(1, 2, 4, 8, 16, 32, 64, 100),
)
CACHE_READS_PER_CALL = Histogram(
    "cache_reads_per_call",
    "Users read from Redis in one command (reads gathered in one turn of the event loop into an MGET).",
    buckets=(1, 2, 4, 8, 16, 32, 64, 100),
)
