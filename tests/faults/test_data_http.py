"""The business's client to the data service on the network (`DirectDataClient`, aiohttp
under the generated client), against a data service under uvicorn: what httpx would have
sent, and httpx's errors where the gateway's retries and breaker read them."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from data_api_client import AuthenticatedClient
from data_api_client.api.users import create_user, get_user_by_username, list_users
from data_api_client.models import User as DataUser
from data_api_client.models import UserCreate, UserPage

from business_service.data_http import DirectDataClient
from business_service.gateway import DataGateway, build_data_client
from business_service.settings import BusinessSettings
from service_kit import request_context
from service_kit.errors import NotFound
from tests.faults.conftest import SERVICE_TOKEN
from tests.infra import HASH
from tests.live import LiveService


def _settings(url: str, **overrides: Any) -> BusinessSettings:
    return BusinessSettings(data_service_url=url, service_token=SERVICE_TOKEN, **overrides)


@pytest.fixture
async def data_client(live_data: LiveService, database: str) -> AsyncIterator[AuthenticatedClient]:
    """`database` empties the tables `live_data` serves."""
    client = build_data_client(_settings(live_data.url))
    assert isinstance(client.get_async_httpx_client(), DirectDataClient)
    try:
        yield client
    finally:
        await client.get_async_httpx_client().aclose()


async def _create(client: AuthenticatedClient, username: str, **fields: Any) -> DataUser:
    body = UserCreate(email=f"{username}@example.com", username=username, hashed_password=HASH, **fields)
    created = await create_user.asyncio(client=client, body=body)
    assert isinstance(created, DataUser), created
    return created


async def test_bodies_paths_and_queries_as_httpx_would_send_them(data_client: AuthenticatedClient) -> None:
    # A JSON body with text outside ASCII, read back as it was sent.
    ada = await _create(data_client, "ada.l", full_name="Ada Lovelace-Ñúñez 数学")
    await _create(data_client, "bob_50pct", is_active=False)
    found = await get_user_by_username.asyncio(client=data_client, username="ada.l")
    assert isinstance(found, DataUser)
    assert (found.id, found.full_name) == (ada.id, "Ada Lovelace-Ñúñez 数学")
    # A boolean query parameter (httpx sends "false"), and a search with characters a URL
    # must encode: one encoding, not two.
    inactive = await list_users.asyncio(client=data_client, is_active=False, limit=10)
    assert isinstance(inactive, UserPage)
    assert [user.username for user in inactive.items] == ["bob_50pct"]
    searched = await list_users.asyncio(client=data_client, q="b_50pct", limit=10)
    assert isinstance(searched, UserPage)
    assert [user.username for user in searched.items] == ["bob_50pct"]
    none = await list_users.asyncio(client=data_client, q="50% &x=1", limit=10)
    assert isinstance(none, UserPage)
    assert none.total == 0


async def test_the_request_being_served_gives_its_id(data_client: AuthenticatedClient) -> None:
    token = request_context._current.set("served-request-42")
    try:
        answer = await get_user_by_username.asyncio_detailed(client=data_client, username="nobody")
    finally:
        request_context._current.reset(token)
    assert answer.status_code == 404
    # The data service echoes the id it was given.
    assert answer.headers["x-request-id"] == "served-request-42"


async def test_refused_and_slow_data_services_raise_httpx_errors() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        # Bound, not listening: a connection is refused. httpx-aiohttp's mapping, which this
        # client shares with the traced one, calls it a ConnectTimeout; the gateway reads any
        # httpx.TransportError as "unreachable".
        refused = build_data_client(_settings(f"http://127.0.0.1:{port}"))
        try:
            with pytest.raises(httpx.TransportError):
                await get_user_by_username.asyncio_detailed(client=refused, username="ada")
        finally:
            await refused.get_async_httpx_client().aclose()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        await asyncio.sleep(5)  # accepted, read, never answered
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    slow = build_data_client(_settings(f"http://127.0.0.1:{port}", data_read_timeout=0.3))
    try:
        with pytest.raises(httpx.TimeoutException):
            await get_user_by_username.asyncio_detailed(client=slow, username="ada")
    finally:
        await slow.get_async_httpx_client().aclose()
        server.close()


async def test_what_it_does_not_send_itself_goes_the_whole_httpx_way(
    data_client: AuthenticatedClient,
) -> None:
    """A keyword the generated client does not use (here `follow_redirects`) goes through
    httpx, on the same aiohttp session, and still carries the service token."""
    http = data_client.get_async_httpx_client()
    direct = await http.request("GET", "/users/by-username/nobody")
    whole = await http.request("GET", "/users/by-username/nobody", follow_redirects=False)
    assert (direct.status_code, whole.status_code) == (404, 404)
    assert whole.request.url.path == "/users/by-username/nobody"  # only httpx's answer has one
    assert whole.headers["content-type"] == direct.headers["content-type"]


async def test_its_answer_reads_as_an_httpx_answer_of_the_same_body(data_client: AuthenticatedClient) -> None:
    """The answer is built from the body already read, not run through httpx's stream again:
    every way of reading it gives the same bytes as httpx's own answer."""
    ada = await _create(data_client, "ada.read", full_name="Ada Ñ 数学")
    http = data_client.get_async_httpx_client()
    direct = await http.request("GET", f"/users/{ada.id}")
    whole = await http.request("GET", f"/users/{ada.id}", follow_redirects=False)
    assert direct.status_code == whole.status_code == 200
    assert direct.content == whole.content
    assert direct.text == whole.text
    assert direct.json() == whole.json()
    assert direct.read() == await direct.aread() == whole.content
    assert b"".join([chunk async for chunk in direct.aiter_bytes()]) == whole.content
    assert direct.headers["content-type"] == whole.headers["content-type"] == "application/json"
    assert direct.headers["content-length"] == str(len(whole.content))


async def test_gathered_reads_on_the_network(live_data: LiveService, database: str) -> None:
    """The reads a business gathers (`POST /users/lookup` with a JSON body) on the direct
    client, against the data service under uvicorn: each read gets its own user, or 404."""
    gateway = DataGateway(
        client=build_data_client(_settings(live_data.url)), retry_attempts=1, gather_reads=True
    )
    try:
        users = [await _create(gateway.client, f"net{number}") for number in range(5)]
        asked = [user.id for user in users] + [users[-1].id + 50]
        answers = await asyncio.gather(*(gateway.get_user(user_id=i) for i in asked), return_exceptions=True)
        assert answers[:-1] == users
        assert isinstance(answers[-1], NotFound)
    finally:
        await gateway.aclose()
