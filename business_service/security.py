"""Password hashing (Argon2, stated parameters) and access tokens (JWT, one pinned algorithm)."""

from __future__ import annotations

import asyncio
import secrets
import uuid
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
        "iat": now,
        "exp": now + timedelta(seconds=ttl_seconds),
        "jti": uuid.uuid4().hex,
    }
    return IssuedToken(jwt.encode(claims, secret, algorithm=algorithm), ttl_seconds)


def token_subject(*, token: str, secret: str, algorithm: str) -> int:
    """The user id a valid token names; Unauthorized for anything else."""
    try:
        claims = jwt.decode(token, secret, algorithms=[algorithm], options={"require": ["exp", "iat", "sub"]})
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("The token has expired.") from exc
    except jwt.InvalidTokenError as exc:
        raise Unauthorized("The token is not valid.") from exc
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject.isdigit() or int(subject) < 1:
        raise Unauthorized("The token is not valid.")
    return int(subject)
