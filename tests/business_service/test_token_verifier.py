"""The token verifier remembers tokens that passed, and nothing else: a remembered token is
still refused once it expires, and a changed byte is a different token, checked in full."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from business_service.security import TokenVerifier
from service_kit.errors import Unauthorized

SECRET = "verifier-test-secret-verifier-test"


def _token(user_id: int, *, lifetime: timedelta = timedelta(minutes=5), key: str = SECRET) -> str:
    now = datetime.now(UTC)
    claims = {"sub": str(user_id), "role": "user", "iat": now, "exp": now + lifetime}
    return jwt.encode(claims, key, algorithm="HS256")


@pytest.fixture
def full_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tokens PyJWT was asked to decode, in order."""
    decoded: list[str] = []
    decode: Callable[..., Any] = jwt.decode

    def counting_decode(token: str, *args: Any, **kwargs: Any) -> Any:
        decoded.append(token)
        return decode(token, *args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting_decode)
    return decoded


def test_a_valid_token_is_checked_in_full_once(full_checks: list[str]) -> None:
    verifier = TokenVerifier(secret=SECRET, algorithm="HS256")
    token = _token(7)
    assert [verifier.subject(token) for _ in range(3)] == [7, 7, 7]
    assert full_checks == [token]


def test_a_remembered_token_is_refused_once_it_expires() -> None:
    verifier = TokenVerifier(secret=SECRET, algorithm="HS256")
    token = _token(7, lifetime=timedelta(seconds=1))
    assert verifier.subject(token) == 7
    expires = jwt.decode(token, options={"verify_signature": False})["exp"]
    time.sleep(max(0.0, expires - time.time()) + 0.05)  # PyJWT's clock too must see it expired
    with pytest.raises(Unauthorized, match="expired"):
        verifier.subject(token)


def test_a_changed_or_forged_token_is_refused_after_a_valid_one(full_checks: list[str]) -> None:
    verifier = TokenVerifier(secret=SECRET, algorithm="HS256")
    token = _token(7)
    assert verifier.subject(token) == 7
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    for refused in (tampered, _token(7, key="another-secret-another-secret-xx"), f"{token} "):
        with pytest.raises(Unauthorized, match="not valid"):
            verifier.subject(refused)
    # Refusals are not remembered: each is checked in full again.
    with pytest.raises(Unauthorized):
        verifier.subject(tampered)
    assert full_checks.count(tampered) == 2


def test_the_least_recently_used_token_is_forgotten_beyond_capacity(full_checks: list[str]) -> None:
    verifier = TokenVerifier(secret=SECRET, algorithm="HS256", capacity=2)
    first, second, third = _token(1), _token(2), _token(3)
    for token in (first, second, first, third):  # `second` is now the least recently used
        verifier.subject(token)
    verifier.subject(first)
    verifier.subject(second)
    assert full_checks == [first, second, third, second]
