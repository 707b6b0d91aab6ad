"""The shared secrets' development defaults, and what production refuses of them.

HS256 needs a key of at least 256 bits (RFC 7518, section 3.2), and a service token is a
password that nobody types: both are refused in production when shorter than 32 bytes,
or left at these defaults, which are public.
"""

from __future__ import annotations

from collections.abc import Iterable

MIN_SECRET_BYTES = 32
# One constant for both services, so that `make run` works with neither set.
DEV_SERVICE_TOKEN = "dev-service-token-do-not-use-in-production"  # noqa: S105 - refused in production
DEV_JWT_SECRET = "dev-jwt-secret-change-me-do-not-use-in-production"  # noqa: S105 - refused in production


def production_refusals(secrets: Iterable[tuple[str, str, str]]) -> list[str]:
    """Why each of (setting name, value, development default) is unfit for production."""
    refusals = []
    for name, value, default in secrets:
        if value == default:
            refusals.append(f"{name} is the public development default; set it to a secret")
        elif len(value.encode()) < MIN_SECRET_BYTES:
            refusals.append(
                f"{name} has {len(value.encode())} bytes, fewer than the {MIN_SECRET_BYTES} "
                "a secret needs (RFC 7518 asks 256 bits for HS256); use e.g. `openssl rand -hex 32`"
            )
    return refusals


def refuse_in_production(secrets: Iterable[tuple[str, str, str]]) -> None:
    """ValueError (pydantic's validation error in a settings validator) naming every unfit secret."""
    refusals = production_refusals(secrets)
    if refusals:
        raise ValueError("ENVIRONMENT=production: " + "; ".join(refusals) + ".")
