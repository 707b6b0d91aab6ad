"""The data contract's `serviceToken` scheme: only the business service, with its token, calls."""

from __future__ import annotations

import hmac

from service_kit.errors import Unauthorized


class ServiceTokenAuthenticator:
    """Checks `Authorization: Bearer <token>` against the configured service token, in
    constant time; the generated binding asks it for every operation that names the scheme."""

    def __init__(self, *, token: str) -> None:
        self._token = token.encode()

    async def authenticate(self, token: str | None, *, scopes: frozenset[str]) -> None:  # noqa: ARG002 - the scheme has no scopes
        if token is None or not hmac.compare_digest(token.encode(), self._token):
            raise Unauthorized("Send the service token as `Authorization: Bearer <token>`.")
