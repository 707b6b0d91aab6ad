"""Password hashing (Argon2, stated parameters) and access tokens (JWT, one pinned algorithm)."""

from __future__ import annotations

import asyncio
import secrets
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from service_kit.errors import Unauthorized

# OWASP's Argon2id baseline: 19 MiB, 2 passes, 1 lane.
_HASHER = PasswordHash((Argon2Hasher(time_cost=2, memory_cost=19456, parallelism=1),))


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_HASHER.hash, password)


async def verify_password(password: str, hashed: str) -> bool:
    return await asyncio.to_thread(_HASHER.verify, password, hashed)


@cache
def _dummy_hash() -> str:
    return _HASHER.hash(secrets.token_urlsafe(16))


async def burn_verify(password: str) -> None:
    """Verify against a throwaway hash, so a missing user costs what a wrong password does."""
    dummy = await asyncio.to_thread(_dummy_hash)
    await verify_password(password, dummy)


@dataclass(frozen=True, slots=True)
class IssuedToken:
    access_token: str
    expires_in: int


def issue_token(*, user_id: int, role: str, secret: str, algorithm: str, ttl_seconds: int) -> IssuedToken:
    now = datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "role": role,
        # In microseconds (RFC 7519's NumericDate may have a fraction): compared with the
        # user's token epoch, so a token taken in the same second as a logout, after it, works.
        "iat": now.timestamp(),
        "exp": now + timedelta(seconds=ttl_seconds),
        "jti": uuid.uuid4().hex,
    }
    return IssuedToken(jwt.encode(claims, secret, algorithm=algorithm), ttl_seconds)


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: int
    issued_at: float  # epoch seconds
    expires_at: float  # epoch seconds


class TokenVerifier:
    """Checks access tokens, and remembers the ones that passed until they expire.

    A client sends the same token with every request for the token's lifetime, and
    verifying it anew (PyJWT checks each character of each segment in Python) was a sixth
    of a cache hit's CPU. What is remembered is what a full check found of these exact
    bytes, signed with this process's one secret; the expiry is still checked every time.
    It grants nothing by itself: `auth.authenticate` compares the remembered `issued_at`
    with the user's token epoch, loaded on every request, so a revocation holds at once.
    """

    def __init__(self, *, secret: str, algorithm: str, capacity: int = 10_000) -> None:
        self._secret = secret
        self._algorithm = algorithm
        self._capacity = capacity
        # token -> its claims, least recently used first
        self._verified: OrderedDict[str, TokenClaims] = OrderedDict()

    def verify(self, token: str) -> TokenClaims:
        """What a valid token says; Unauthorized for anything else."""
        known = self._verified.get(token)
        if known is not None and time.time() < known.expires_at:
            self._verified.move_to_end(token)
            return known
        claims = self._verify(token)
        self._verified[token] = claims
        if len(self._verified) > self._capacity:
            self._verified.popitem(last=False)
        return claims

    def subject(self, token: str) -> int:
        """The user id a valid token names; Unauthorized for anything else."""
        return self.verify(token).user_id

    def _verify(self, token: str) -> TokenClaims:
        try:
            claims = jwt.decode(
                token, self._secret, algorithms=[self._algorithm], options={"require": ["exp", "iat", "sub"]}
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("The token has expired.") from exc
        except jwt.InvalidTokenError as exc:
            raise Unauthorized("The token is not valid.") from exc
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject.isdigit() or int(subject) < 1:
            raise Unauthorized("The token is not valid.")
        return TokenClaims(int(subject), float(claims["iat"]), float(claims["exp"]))
