"""The business contract's `OAuth2Password` scheme: a bearer token to the active user it names.

The generated binding asks `UserAuthenticator` for every operation that names the scheme,
with the scopes the operation requires (`security: [{OAuth2Password: [admin]}]`).
"""

from __future__ import annotations

from contract_models.business import UserPublic

from business_service.auth import authenticate
from business_service.state import Resources
from service_kit.errors import Forbidden

# What each role may do, in the contract's scopes. Read from the user as loaded now, not
# from the token, so a demotion takes effect on the next request.
SCOPES_OF_ROLE: dict[str, frozenset[str]] = {"user": frozenset(), "admin": frozenset({"admin"})}


class UserAuthenticator:
    def __init__(self, resources: Resources) -> None:
        self._resources = resources

    async def authenticate(self, token: str | None, *, scopes: frozenset[str]) -> UserPublic:
        resources = self._resources
        user = await authenticate(
            gateway=resources.gateway,
            cache=resources.cache,
            settings=resources.settings,
            tokens=resources.tokens,
            token=token,
            near=resources.near,
        )
        missing = scopes - SCOPES_OF_ROLE.get(user.role, frozenset())
        if missing:
            raise Forbidden(
                f"This needs the scope {', '.join(sorted(missing))}, which your role does not grant."
            )
        return user
