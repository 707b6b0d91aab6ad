"""A TCP proxy the fault tests put between a service and the server it depends on.

`pause()` makes the server look gone and cuts every open connection; `resume()` brings it
back on the same port. The proxy runs its own asyncio loop on a thread, so it keeps
forwarding while a test blocks (a synchronous HTTP call, a subprocess starting up).

    with TcpProxy.to_url(REDIS_URL, default_port=6379) as proxy:
        url = proxy.url(REDIS_URL)            # the same URL, host and port of the proxy
        ...
        proxy.pause()                         # connections refused, open ones reset
        proxy.resume()

Pause modes: "refuse" closes the listening socket (connect: ECONNREFUSED), "reset" accepts
and resets each connection at once, "hang" accepts and never answers (a network partition).
"stall" is the partition that no one notices: open connections stay open, but nothing
crosses them any more, in either direction, until `resume()` resets them.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from collections.abc import Coroutine
from types import TracebackType
from typing import Any, Literal, Self, TypeVar
from urllib.parse import urlsplit

PauseMode = Literal["refuse", "reset", "hang", "stall"]
T = TypeVar("T")
_CHUNK = 65536


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST rather than FIN, as a dropped peer or a killed server looks."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, proxy: TcpProxy) -> None:
    with contextlib.suppress(OSError, asyncio.CancelledError):
        while data := await reader.read(_CHUNK):
            if proxy.mode == "stall":
                continue  # swallowed: the peer hears nothing, and is told nothing
            writer.write(data)
            await writer.drain()
    writer.close()


class TcpProxy:
    """Forwards 127.0.0.1:`port` to `target_host`:`target_port` until paused."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self.mode: PauseMode | None = None  # None: forwarding
        self.connections = 0  # connections forwarded so far
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="tcpproxy", daemon=True)

    @classmethod
    def to_url(cls, url: str, *, default_port: int) -> TcpProxy:
        parts = urlsplit(url)
        return cls(parts.hostname or "127.0.0.1", parts.port or default_port)

    def url(self, url: str) -> str:
        """`url` with its host and port replaced by the proxy's (user, password, path kept)."""
        parts = urlsplit(url)
        userinfo = parts.netloc.rpartition("@")[0]
        netloc = f"{userinfo}@127.0.0.1:{self.port}" if userinfo else f"127.0.0.1:{self.port}"
        return parts._replace(netloc=netloc).geturl()

    # The thread-safe interface.

    def start(self) -> Self:
        self._thread.start()
        self._run(self._listen())
        return self

    def pause(self, mode: PauseMode = "refuse") -> None:
        """From now on the target looks unreachable in `mode`; open connections are reset
        (except by "stall", which keeps them open and silent)."""
        self._run(self._pause(mode))

    def resume(self) -> None:
        """Forward again, on the same port; connections held by "hang" or "stall" are reset."""
        self._run(self._resume())

    def close(self) -> None:
        if not self._thread.is_alive():
            return
        self._run(self._shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    # On the proxy's loop.

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _unlisten(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def _cut(self) -> None:
        for writer in list(self._open):
            _reset(writer)
        self._open.clear()

    async def _pause(self, mode: PauseMode) -> None:
        self.mode = mode
        if mode == "refuse":
            await self._unlisten()
        elif self._server is None:
            await self._listen()
        if mode != "stall":
            self._cut()

    async def _resume(self) -> None:
        self.mode = None
        self._cut()
        if self._server is None:
            await self._listen()

    async def _shutdown(self) -> None:
        await self._unlisten()
        self._cut()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.mode in ("refuse", "reset"):
            _reset(writer)
            return
        if self.mode in ("hang", "stall"):
            self._open.add(writer)
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while await reader.read(_CHUNK):
                    pass  # swallowed, never answered
            self._open.discard(writer)
            writer.transport.abort()
            return
        try:
            upstream_reader, upstream = await asyncio.open_connection(*self.target)
        except OSError:
            _reset(writer)
            return
        if self.mode is not None:  # paused while connecting
            _reset(upstream)
            _reset(writer)
            return
        self.connections += 1
        self._open.update((writer, upstream))
        try:
            await asyncio.gather(_pipe(reader, upstream, self), _pipe(upstream_reader, writer, self))
        finally:
            self._open.difference_update((writer, upstream))
