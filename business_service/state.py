"""What the lifespan builds once per process, kept on `app.state.resources`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from business_service.cache import Cache
from business_service.caller_limits import CallerLimits
from business_service.gateway import DataGateway
from business_service.invalidations import InvalidationListener
from business_service.near_cache import NearCache
from business_service.publisher import EventPublisher
from business_service.relay import OutboxRelay
from business_service.security import TokenVerifier
from business_service.settings import BusinessSettings
from business_service.users import Account


@dataclass(slots=True)
class Resources:
    settings: BusinessSettings
    gateway: DataGateway
    cache: Cache
    tokens: TokenVerifier
    near: NearCache[Account] | None = None  # None: off (NEAR_CACHE, REDIS_URL unset, or no user cache)
    invalidations: InvalidationListener | None = None
    limits: CallerLimits | None = None  # None: RATE_LIMIT_PER_MINUTE=0
    publisher: EventPublisher | None = None
    relay: OutboxRelay | None = None
    relay_task: asyncio.Task[None] | None = None
