"""User operations: reads through the cache, writes through the data service, then invalidation."""

from __future__ import annotations

from typing import Any

import structlog
from contract_models.business import (
    AdminUserUpdate,
    PasswordChange,
    ProfileUpdate,
    RoleCounts,
    UserPage,
    UserPublic,
    UserStats,
)
from data_api_client.models import User, UserUpdate
from pydantic import BaseModel

from business_service.cache import Cache, user_key
from business_service.gateway import DataGateway
from business_service.metrics import CACHE_HITS, CACHE_MISSES, NEAR_CACHE_HITS
from business_service.near_cache import NearCache
from business_service.security import hash_password, verify_password
from service_kit.errors import Conflict, Forbidden, PreconditionFailed

log = structlog.get_logger(__name__)
_UNVERSIONED_ATTEMPTS = 3


class Account(BaseModel):
    """A user as this service keeps it in the cache: the public profile, and the token epoch
    (in epoch seconds) before which its tokens are refused. Loaded on every request anyway,
    so checking the epoch costs no round trip."""

    user: UserPublic
    tokens_valid_after: float


def to_public(user: User) -> UserPublic:
    # Read from the generated model's attributes: its datetimes pass as they are, where
    # `to_dict()` would format them for the contract model to parse again (4.4 against
    # 1.9 µs a user). Attributes the public model lacks (the token epoch) are not read.
    return UserPublic.model_validate(user, from_attributes=True)


def to_account(user: User) -> Account:
    return Account(user=to_public(user), tokens_valid_after=user.tokens_valid_after.timestamp())


async def load_account(
    *,
    gateway: DataGateway,
    cache: Cache,
    user_id: int,
    ttl_seconds: int,
    near: NearCache[Account] | None = None,
) -> Account:
    """Cache-aside read of one user (no cache when `ttl_seconds` is 0); NotFound when there is none.

    The near cache first, when there is one (it misses whenever it is not serving), then Redis,
    then the data service.
    """
    if ttl_seconds == 0:
        return to_account(await gateway.get_user(user_id=user_id))
    key = user_key(user_id)
    generation = 0
    if near is not None:
        # Shared, never copied: nothing changes an Account after it is built.
        found = near.get(key)
        if found is not None:
            NEAR_CACHE_HITS.inc()
            return found
        generation = near.generation
    cached = await cache.get(key)
    if cached is not None:
        CACHE_HITS.inc()
        account = Account.model_validate_json(cached)
    else:
        CACHE_MISSES.inc()
        account = to_account(await gateway.get_user(user_id=user_id))
        # An invalidation heard since the read may be this user's: the value read may be the
        # old one, so it is not stored (Redis included), only answered.
        if near is None or near.generation == generation:
            await cache.set(key, account.model_dump_json(), ttl_seconds=ttl_seconds)
    if near is not None:
        near.put(key, account, generation=generation, ttl_seconds=ttl_seconds)
    return account


async def load_user(
    *,
    gateway: DataGateway,
    cache: Cache,
    user_id: int,
    ttl_seconds: int,
    near: NearCache[Account] | None = None,
) -> UserPublic:
    account = await load_account(
        gateway=gateway, cache=cache, user_id=user_id, ttl_seconds=ttl_seconds, near=near
    )
    return account.user


async def forget_user(*, cache: Cache, near: NearCache[Account] | None, user_id: int) -> None:
    """After a change: drop the user here, in Redis, and (by the channel) in every process.

    Dropped here before Redis and again after: a read of this process that found the old
    value in Redis between the two would otherwise keep it until this process hears its own
    invalidation, possibly after the writer has answered.
    """
    key = user_key(user_id)
    if near is not None:
        near.drop(key)
    await cache.delete(key)
    if near is not None:
        near.drop(key)


async def cache_user(*, cache: Cache, user: User, ttl_seconds: int) -> None:
    """Keep `user` where `load_account` looks first (the bench also fills the cache with it)."""
    await cache.set(user_key(user.id), to_account(user).model_dump_json(), ttl_seconds=ttl_seconds)


def _epoch_now() -> dict[str, Any]:
    """The change that revokes every token issued until now (they carry a microsecond `iat`):
    the data service moves the token epoch to its now."""
    return {"revoke_tokens": True}


async def _apply(
    *,
    gateway: DataGateway,
    cache: Cache,
    near: NearCache[Account] | None,
    user_id: int,
    version: int | None,
    changes: dict[str, Any],
    known_version: int | None = None,
) -> UserPublic:
    """PATCH the user at `version`; without one, at the current version (retried if it moves).

    Unversioned, `known_version` (the signed-in caller's, as loaded for this request) is
    tried first: the user is read from the data service only when it turns out stale (412).
    """
    current = version if version is not None else known_version
    try:
        for attempt in range(_UNVERSIONED_ATTEMPTS):
            if current is None:
                current = (await gateway.get_user(user_id=user_id)).version
            body = UserUpdate.from_dict({"version": current, **changes})
            try:
                return to_public(await gateway.update_user(user_id=user_id, body=body))
            except PreconditionFailed:
                if version is not None or attempt == _UNVERSIONED_ATTEMPTS - 1:
                    raise
                current = None
        raise AssertionError("unreachable")
    finally:
        await forget_user(cache=cache, near=near, user_id=user_id)


async def update_profile(
    *,
    gateway: DataGateway,
    cache: Cache,
    near: NearCache[Account] | None = None,
    user: UserPublic,
    update: ProfileUpdate,
) -> UserPublic:
    changes = update.model_dump(exclude_unset=True, exclude={"version"})
    version = update.model_dump(exclude_unset=True).get("version")
    return await _apply(
        gateway=gateway,
        cache=cache,
        near=near,
        user_id=user.id,
        version=version,
        changes=changes,
        known_version=user.version,
    )


async def change_password(
    *,
    gateway: DataGateway,
    cache: Cache,
    near: NearCache[Account] | None = None,
    user: UserPublic,
    change: PasswordChange,
) -> None:
    credentials = await gateway.get_credentials(user_id=user.id)
    if not await verify_password(change.current_password, credentials.hashed_password):
        raise Forbidden("The current password is wrong.")
    hashed = await hash_password(change.new_password)
    await _apply(
        gateway=gateway,
        cache=cache,
        near=near,
        user_id=user.id,
        version=credentials.version,
        changes={"hashed_password": hashed, **_epoch_now()},
    )
    log.info("password changed; earlier tokens revoked", user_id=user.id)


async def revoke_sessions(
    *, gateway: DataGateway, cache: Cache, near: NearCache[Account] | None = None, user: UserPublic
) -> None:
    """Log the user out everywhere: every token issued until now is refused from now on."""
    await _apply(
        gateway=gateway,
        cache=cache,
        near=near,
        user_id=user.id,
        version=None,
        changes=_epoch_now(),
        known_version=user.version,
    )
    log.info("logged out everywhere", user_id=user.id)


async def admin_update(
    *,
    gateway: DataGateway,
    cache: Cache,
    near: NearCache[Account] | None = None,
    admin: UserPublic,
    user_id: int,
    update: AdminUserUpdate,
) -> UserPublic:
    fields = update.model_dump(exclude_unset=True)
    version = fields.pop("version", None)
    if user_id == admin.id and (fields.get("role") == "user" or fields.get("is_active") is False):
        raise Conflict("An admin cannot demote or deactivate themselves.")
    changes = dict(fields)
    if await _ends_sessions(gateway=gateway, user_id=user_id, fields=fields):
        changes.update(_epoch_now())
    user = await _apply(
        gateway=gateway, cache=cache, near=near, user_id=user_id, version=version, changes=changes
    )
    log.info("user changed by admin", target_user_id=user_id, fields=sorted(fields))
    return user


async def _ends_sessions(*, gateway: DataGateway, user_id: int, fields: dict[str, Any]) -> bool:
    """Whether an admin's change ends the user's sessions: a deactivation, or a new role (read
    first, so that an admin setting a role again, their own say, does not log anyone out).
    A token taken afterwards works; an activation revokes nothing."""
    if fields.get("is_active") is False:
        return True
    if "role" not in fields:
        return False
    return bool((await gateway.get_user(user_id=user_id)).role != fields["role"])


async def delete_user(
    *,
    gateway: DataGateway,
    cache: Cache,
    near: NearCache[Account] | None = None,
    admin: UserPublic,
    user_id: int,
) -> None:
    if user_id == admin.id:
        raise Conflict("An admin cannot delete themselves.")
    try:
        await gateway.delete_user(user_id=user_id)
    finally:
        await forget_user(cache=cache, near=near, user_id=user_id)
    log.info("user deleted by admin", target_user_id=user_id)


async def list_users(
    *,
    gateway: DataGateway,
    limit: int,
    offset: int,
    role: str | None,
    is_active: bool | None,
    q: str | None,
) -> UserPage:
    page = await gateway.list_users(limit=limit, offset=offset, role=role, is_active=is_active, q=q)
    return UserPage(
        items=[to_public(user) for user in page.items], total=page.total, limit=page.limit, offset=page.offset
    )


async def user_stats(*, gateway: DataGateway) -> UserStats:
    stats = await gateway.get_user_stats()
    return UserStats(
        total=stats.total,
        active=stats.active,
        inactive=stats.inactive,
        by_role=RoleCounts(user=stats.by_role.user, admin=stats.by_role.admin),
    )
