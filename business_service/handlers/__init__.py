"""The business contract's operations, implemented: one class per tag of `openapi/business.yaml`.

Each class implements the interface `make generate` made of its tag
(`contract_servers.business`), with the signed-in caller as a `UserPublic`; mypy holds it
to the contract. `build_api` puts them together once, in the lifespan.
"""

from __future__ import annotations

from contract_models.business import UserPublic
from contract_servers.business import BusinessApi

from business_service.authentication import UserAuthenticator
from business_service.handlers.auth import AuthHandlers
from business_service.handlers.events import EventHandlers
from business_service.handlers.health import HealthHandlers, OperationsHandlers
from business_service.handlers.me import MeHandlers
from business_service.handlers.users import UserHandlers
from business_service.state import Resources


def build_api(resources: Resources) -> BusinessApi[UserPublic]:
    return BusinessApi(
        auth=AuthHandlers(resources),
        me=MeHandlers(resources),
        users=UserHandlers(resources),
        events=EventHandlers(resources),
        health=HealthHandlers(resources),
        operations=OperationsHandlers(resources),
        oauth2_password=UserAuthenticator(resources),
    )
