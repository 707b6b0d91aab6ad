"""`events`: an admin's replay of published events (the contract's `admin` scope, checked
before this runs), over `business_service.replay`."""

from __future__ import annotations

from contract_models.business import ReplayRequest, ReplayResult, UserPublic
from contract_servers.business import EventsApi
from typing_extensions import override

from business_service import replay
from business_service.state import Resources


class EventHandlers(EventsApi[UserPublic]):
    def __init__(self, resources: Resources) -> None:
        self._resources = resources

    @override
    async def replay_events(self, *, body: ReplayRequest, caller: UserPublic) -> ReplayResult:
        return await replay.replay(
            gateway=self._resources.gateway, publisher=self._resources.publisher, request=body, admin=caller
        )
