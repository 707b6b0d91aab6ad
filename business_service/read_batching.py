"""Reads of users by id, gathered: the reads asked for in one turn of the event loop go to the
data service as one call.

Under load the business serves many requests at once, and on a cache miss each of them reads
its user from the data service: one HTTP exchange, one data service request and one query
each, which cost the business more CPU than the data service spent answering (make bench).
dloader's `DataLoader` (the DataLoader pattern) collects the ids asked for until the next turn
of the loop, by when every request the loop was running has asked too, and loads them in one
call: one `POST /users/lookup` (up to 100 ids a call), or, for a lone id, the same
`GET /users/{user_id}` as without gathering, so a quiet service calls the data service as it
always did. Two requests for the same user wait on one read. Its cache is off: a read is
never answered from an earlier one (the user cache, with its invalidation, is for that).

What each caller gets is what its own read would have given: its user, `NotFound` when the
id names none, or the error of the call (retried, breaker and all, by the gateway) when the
call failed. A caller that goes away (its request cancelled) does not cancel the read others
wait on. The call runs in the context of the request that opened the turn, so the data
service logs it under that request's id, and a trace shows it under that request's span.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from data_api_client.models import User
from dloader import DataLoader

from business_service.metrics import DATA_USER_READS_PER_CALL
from service_kit.errors import NotFound

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
        self._loader: DataLoader[int, User] = DataLoader(
            self._load, max_batch_size=MOST_PER_CALL, cache=False
        )

    async def get(self, user_id: int) -> User:
        # The loader hands every caller of one id the same future: shielded, so that a caller
        # cancelled does not cancel it for the others.
        return await asyncio.shield(self._loader.load(user_id))

    async def _load(self, ids: Sequence[int]) -> list[User | Exception]:
        DATA_USER_READS_PER_CALL.observe(len(ids))
        if len(ids) == 1:
            try:
                return [await self._read_one(ids[0])]
            except NotFound as missing:
                return [missing]
        found = {user.id: user for user in await self._read_many(ids)}
        return [found.get(user_id) or NotFound(f"User {user_id} does not exist.") for user_id in ids]

    async def aclose(self) -> None:
        """Cancel the reads still running (at shutdown, after the server drained its requests)."""
        await self._loader.shutdown()
