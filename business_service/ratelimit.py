"""Login attempt limits: failed logins are counted per username and per client address."""

from __future__ import annotations

import hashlib

import structlog

from business_service.cache import Cache
from service_kit.errors import TooManyRequests

log = structlog.get_logger(__name__)
ADDRESS_FACTOR = 5  # an address may fail for several usernames (a shared NAT, an office)


def _keys(*, username: str, address: str) -> tuple[str, str]:
    # Hashed: usernames tried at login are untrusted input and may be someone's password.
    digest = hashlib.sha256(username.encode()).hexdigest()[:32]
    return f"login:fail:user:{digest}", f"login:fail:addr:{address}"


async def ensure_login_allowed(*, cache: Cache, username: str, address: str, max_failures: int) -> None:
    user_key, address_key = _keys(username=username, address=address)
    for key, limit in ((user_key, max_failures), (address_key, max_failures * ADDRESS_FACTOR)):
        if await cache.count(key) >= limit:
            retry_after = await cache.ttl(key)
            log.warning("login limited", by=key.split(":")[2])
            raise TooManyRequests("Too many failed logins; try again later.", retry_after=max(1, retry_after))


async def record_login_failure(*, cache: Cache, username: str, address: str, window_seconds: int) -> None:
    for key in _keys(username=username, address=address):
        await cache.incr(key, ttl_seconds=window_seconds)
