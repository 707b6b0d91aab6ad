"""Reads of users by id, gathered: the reads asked for in one turn of the event loop go to the
data service as one call.

Under load the business serves many requests at once, and on a cache miss each of them reads
its user from the data service: one HTTP exchange, one data service request and one query
each, which cost the business more CPU than the data service spends answering (make bench).
Here a read only registers what it waits for; the first one of a turn schedules a flush for
the next turn (`loop.call_soon`), by when every request the loop was running has asked too.
The flush reads the ids in one `POST /users/lookup` (up to 100 a call), or, for a lone id,
with the same `GET /users/{user_id}` as without gathering, so a quiet service calls the data
service as it always did. Two requests for the same user wait on one read.

What each caller gets is what its own read would have given: its user, `NotFound` when the
id names none, or the error of the call (retried, breaker and all, by the gateway) when the
call failed. A caller that goes away (its request cancelled) does not cancel the read of the
others. The call runs in the context of the request that opened the turn, so the data service
logs it under that request's id, and a trace shows it under that request's span.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

import structlog
from data_api_client.models import User

from business_service.metrics import DATA_USER_READS_PER_CALL
from service_kit.errors import NotFound

log = structlog.get_logger(__name__)
# The contract's `UserLookup.ids` maxItems.
MOST_PER_CALL = 100


class UserReads:
    """One per process (the gateway's), used only from its event loop."""

    def __init__(
        self,
        *,
        read_one: Callable[[int], Awaitable[User]],
        read_many: Callable[[Sequence[int]], Awaitable[list[User]]],
    ) -> None:
        self._read_one = read_one
        self._read_many = read_many
        self._waiting: dict[int, list[asyncio.Future[User]]] = {}
        self._running: set[asyncio.Task[None]] = set()

    async def get(self, user_id: int) -> User:
        loop = asyncio.get_running_loop()
        if not self._waiting:
            loop.call_soon(self._flush)
        future: asyncio.Future[User] = loop.create_future()
        self._waiting.setdefault(user_id, []).append(future)
        return await future

    def _flush(self) -> None:
        waiting, self._waiting = self._waiting, {}
        ids = list(waiting)
        for start in range(0, len(ids), MOST_PER_CALL):
            part = {user_id: waiting[user_id] for user_id in ids[start : start + MOST_PER_CALL]}
            task = asyncio.create_task(self._read(part))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _read(self, waiting: dict[int, list[asyncio.Future[User]]]) -> None:
        DATA_USER_READS_PER_CALL.observe(len(waiting))
        try:
            found = await self._found(list(waiting))
        except BaseException as exc:
            _tell_all(waiting, exc)
            if not isinstance(exc, Exception):
                raise  # cancelled (shutdown): the waiters were told, the task ends cancelled
            return
        for user_id, futures in waiting.items():
            user = found.get(user_id)
            for future in futures:
                if future.done():  # its caller went away
                    continue
                if user is None:
                    future.set_exception(NotFound(f"User {user_id} does not exist."))
                else:
                    future.set_result(user)

    async def _found(self, ids: list[int]) -> dict[int, User]:
        if len(ids) > 1:
            return {user.id: user for user in await self._read_many(ids)}
        try:
            return {ids[0]: await self._read_one(ids[0])}
        except NotFound:
            return {}  # answered like a missing one of many

    async def aclose(self) -> None:
        """Cancel the reads still running (at shutdown, after the server drained its requests)."""
        for task in list(self._running):
            task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)


def _tell_all(waiting: dict[int, list[asyncio.Future[User]]], exc: BaseException) -> None:
    for futures in waiting.values():
        for future in futures:
            if future.done():
                continue
            if isinstance(exc, asyncio.CancelledError):
                future.cancel()
            else:
                future.set_exception(exc)
