"""Prometheus metrics shared by both services, and their text for the `/metrics` operation.

Metrics live in the process-wide default registry. With several uvicorn workers, set
`PROMETHEUS_MULTIPROC_DIR` to an empty directory: every worker then writes its samples
there and each scrape sums all workers (prometheus_client's multiprocess mode).
"""

from __future__ import annotations

import functools
import os

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

# A route template, never the raw path: a fuzzer's random paths must not become labels.
UNMATCHED_ROUTE = "<unmatched>"

REQUESTS = Counter(
    "http_requests",
    "HTTP requests answered, by service, method, route template and status.",
    ["service", "method", "route", "status"],
)
LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time from the request's arrival to the end of its answer, by service, method and route template.",
    ["service", "method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)


def observe_request(*, service: str, method: str, route: str, status: int, seconds: float) -> None:
    _request_counter(service, method, route, status).inc()
    _latency_histogram(service, method, route).observe(seconds)


# The children of the labelled metrics, looked up once per label set: prometheus_client's
# `labels()` validates and locks on every call. As many as there are series, no more.
@functools.cache
def _request_counter(service: str, method: str, route: str, status: int) -> Counter:
    return REQUESTS.labels(service, method, route, str(status))


@functools.cache
def _latency_histogram(service: str, method: str, route: str) -> Histogram:
    return LATENCY.labels(service, method, route)


def _registry() -> CollectorRegistry:
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return REGISTRY


def render_metrics() -> str:
    """Every metric of this process (of all workers, in multiprocess mode) in Prometheus's
    text format, which is what the contracts' `GET /metrics` answers."""
    return generate_latest(_registry()).decode("utf-8")
