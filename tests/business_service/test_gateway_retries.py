"""The gateway retries what is safe to retry, and only that: a GET that meets a transient
failure (a refused connection, a 503, a proxy's HTML error page) succeeds on a later
attempt; a POST is sent once; what never succeeds is a 503 problem, never a 500."""

from __future__ import annotations

from typing import Literal

import httpx
import pytest
from data_api_client.models import UserCreate
from fastapi import FastAPI

from business_service.breaker import CircuitBreaker
from business_service.gateway import DataGateway, build_data_client
from service_kit.errors import ServiceUnavailable
from tests.business_service.conftest import business_settings
from tests.infra import user_body

Failure = Literal["refused", "busy", "proxy_page"]


class FlakyTransport(httpx.AsyncBaseTransport):
    """The real data app; the next `failures` requests fail in the way `failure` names."""

    def __init__(self, app: FastAPI) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.failures = 0
        self.failure: Failure = "refused"
        self.sent: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request.method)
        if not self.failures:
            return await self.inner.handle_async_request(request)
        self.failures -= 1
        if self.failure == "refused":
            raise httpx.ConnectError("connection refused", request=request)
        if self.failure == "busy":
            problem = {
                "type": "urn:problem:service-unavailable",
                "title": "Service Unavailable",
                "status": 503,
            }
            return httpx.Response(503, headers={"Retry-After": "1"}, json=problem, request=request)
        html = "<html><body><h1>502 Bad Gateway</h1></body></html>"
        return httpx.Response(502, headers={"Content-Type": "text/html"}, text=html, request=request)


async def test_a_get_succeeds_after_transient_failures(data_app: FastAPI, clean: None) -> None:
    transport = FlakyTransport(data_app)
    settings = business_settings(redis_url=None, data_retry_attempts=3)
    # About retries, not the breaker (tests/business_service/test_breaker.py): it stays closed.
    breaker = CircuitBreaker(failure_threshold=100, reset_seconds=1)
    client = build_data_client(settings, transport=transport)
    gateway = DataGateway(client=client, retry_attempts=3, breaker=breaker)
    try:
        body = UserCreate.from_dict(user_body("rita"))
        created = await gateway.create_user(body=body)
        failures: tuple[Failure, ...] = ("refused", "busy", "proxy_page")
        for failure in failures:
            transport.failure, transport.failures, transport.sent = failure, 2, []
            assert (await gateway.get_user(user_id=created.id)).username == "rita", failure
            assert transport.sent == ["GET", "GET", "GET"]
            transport.failures, transport.sent = 3, []
            with pytest.raises(ServiceUnavailable):
                await gateway.get_user(user_id=created.id)
            assert transport.sent == ["GET", "GET", "GET"]
    finally:
        await gateway.aclose()


async def test_a_post_is_not_retried(data_app: FastAPI, clean: None) -> None:
    transport = FlakyTransport(data_app)
    settings = business_settings(redis_url=None)
    gateway = DataGateway(client=build_data_client(settings, transport=transport), retry_attempts=3)
    try:
        transport.failures = 1
        body = UserCreate.from_dict(user_body("sam"))
        with pytest.raises(ServiceUnavailable):
            await gateway.create_user(body=body)
        assert transport.sent == ["POST"]
    finally:
        await gateway.aclose()
