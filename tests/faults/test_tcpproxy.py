"""The proxy the fault tests rely on does what its pause modes say."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from tests.tcpproxy import TcpProxy


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await reader.read(1024):
            writer.write(data)
            await writer.drain()
    writer.close()


async def is_cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
    """Whether the connection ends (reset or closed) rather than answering within a second."""
    try:
        writer.write(b"anyone?")
        await writer.drain()
        return await asyncio.wait_for(reader.read(1024), 1) == b""
    except ConnectionError:
        return True
    finally:
        writer.close()


@pytest.fixture
async def echo_port() -> AsyncIterator[int]:
    server = await asyncio.start_server(_echo, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


async def roundtrip(port: int, payload: bytes = b"ping") -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(payload)
        await writer.drain()
        return await asyncio.wait_for(reader.read(1024), 1)
    finally:
        writer.close()


async def test_forwards_pauses_in_each_mode_and_resumes_on_the_same_port(echo_port: int) -> None:
    with TcpProxy("127.0.0.1", echo_port) as proxy:
        port = proxy.port
        assert await roundtrip(port) == b"ping"
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"open")
        assert await reader.read(1024) == b"open"

        proxy.pause("refuse")
        assert await is_cut(reader, writer)  # the open connection too
        with pytest.raises(ConnectionRefusedError):
            await asyncio.open_connection("127.0.0.1", port)

        proxy.pause("reset")
        try:
            connection = await asyncio.open_connection("127.0.0.1", port)
        except ConnectionResetError:
            pass  # reset before this side saw the handshake complete: cut as well
        else:
            assert await is_cut(*connection)

        proxy.pause("hang")
        with pytest.raises(TimeoutError):
            await roundtrip(port)

        proxy.resume()
        assert proxy.port == port
        assert await roundtrip(port, b"back") == b"back"
        assert proxy.connections == 3
