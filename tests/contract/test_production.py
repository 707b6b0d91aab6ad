"""The production command of docs/production.md: several uvicorn workers, JSON logs, one metrics view.

The data service runs as docs/production.md says (ENVIRONMENT=
production, two workers, PROMETHEUS_MULTIPROC_DIR), and every request counts once in
/metrics whichever worker answered it or the scrape.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.live import live_service

REQUESTS = 30


def health_count(metrics: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(metrics)
        for sample in family.samples
        if sample.name == "http_requests_total" and sample.labels.get("route") == "/health"
    )


def test_two_workers_share_metrics_and_log_json(migrated_database_url: str, tmp_path: Path) -> None:
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = {
        "ENVIRONMENT": "production",
        "DATABASE_URL": migrated_database_url,
        "SERVICE_TOKEN": "a-production-secret-of-at-least-32-bytes",
        "LOG_FORMAT": "json",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    with (
        live_service(
            "data-workers", "data_service.app:create_app", env, uvicorn_args=["--workers", "2"]
        ) as data,
        httpx.Client(base_url=data.url, timeout=10) as client,
    ):
        for _ in range(REQUESTS):
            assert client.get("/health").status_code == 200
        # Fresh connections land on either worker; each scrape must see all requests.
        counts = {health_count(httpx.get(f"{data.url}/metrics", timeout=10).text) for _ in range(6)}
    assert counts == {REQUESTS}
    lines = [json.loads(line) for line in data.log.read_text().splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("event") == "request" and line.get("route") == "/health"]
    assert len(requests) == REQUESTS
    assert {"request_id", "method", "status", "duration_ms", "timestamp", "level"} <= requests[0].keys()
