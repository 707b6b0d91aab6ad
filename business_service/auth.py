"""Registration, login, bearer-token authentication and the first admin."""

from __future__ import annotations

import re

import structlog
from contract_models.business import RegisterRequest, Token, UserPublic
from data_api_client.models import UserCreate

from business_service.cache import Cache
from business_service.gateway import DataGateway
from business_service.near_cache import NearCache
from business_service.ratelimit import ensure_login_allowed, record_login_failure
from business_service.security import TokenVerifier, burn_verify, hash_password, issue_token, verify_password
from business_service.settings import BusinessSettings
from business_service.users import Account, load_account, to_public
from service_kit.errors import Conflict, NotFound, Unauthorized

log = structlog.get_logger(__name__)
# The data contract's Username: anything else cannot name a user, so it is not even looked up.
_USERNAME = re.compile(r"^[A-Za-z0-9._-]{3,32}$")
_INVALID_CREDENTIALS = "Incorrect username or password."


async def register(*, gateway: DataGateway, request: RegisterRequest) -> UserPublic:
    fields = request.model_dump(exclude_unset=True, exclude={"password"})
    body = UserCreate.from_dict(
        {**fields, "hashed_password": await hash_password(request.password), "role": "user"}
    )
    user = to_public(await gateway.create_user(body=body))
    log.info("user registered", user_id=user.id)
    return user


async def login(
    *,
    gateway: DataGateway,
    cache: Cache,
    settings: BusinessSettings,
    username: str,
    password: str,
    address: str,
) -> Token:
    """A token for valid credentials of an active user; one identical 401 for every refusal."""
    await ensure_login_allowed(
        cache=cache, username=username, address=address, max_failures=settings.login_max_failures
    )
    credentials = None
    if _USERNAME.match(username):
        try:
            credentials = await gateway.get_credentials_by_username(username=username)
        except NotFound:
            credentials = None
    if credentials is None:
        await burn_verify(password)
    valid = credentials is not None and await verify_password(password, credentials.hashed_password)
    if credentials is None or not valid or not credentials.is_active:
        await record_login_failure(
            cache=cache, username=username, address=address, window_seconds=settings.login_window_seconds
        )
        log.info("login refused")
        raise Unauthorized(_INVALID_CREDENTIALS)
    issued = issue_token(
        user_id=credentials.id,
        role=credentials.role,
        secret=settings.jwt_secret,
        algorithm=settings.jwt_algorithm,
        ttl_seconds=settings.jwt_ttl_seconds,
    )
    log.info("login", user_id=credentials.id)
    return Token(access_token=issued.access_token, token_type="bearer", expires_in=issued.expires_in)  # noqa: S106


async def authenticate(
    *,
    gateway: DataGateway,
    cache: Cache,
    settings: BusinessSettings,
    tokens: TokenVerifier,
    token: str | None,
    near: NearCache[Account] | None = None,
) -> UserPublic:
    """The active user a bearer token names; Unauthorized otherwise."""
    if not token:
        raise Unauthorized("Log in and send the token as `Authorization: Bearer <token>`.")
    claims = tokens.verify(token)
    try:
        account = await load_account(
            gateway=gateway,
            cache=cache,
            user_id=claims.user_id,
            ttl_seconds=settings.cache_ttl_seconds,
            near=near,
        )
    except NotFound as exc:
        raise Unauthorized("The token's user no longer exists.") from exc
    if claims.issued_at < account.tokens_valid_after:
        raise Unauthorized(
            "The token was revoked (a password change, a logout or a change of the account); log in again."
        )
    if not account.user.is_active:
        raise Unauthorized("The token's user is inactive.")
    return account.user


async def ensure_first_admin(*, gateway: DataGateway, settings: BusinessSettings) -> None:
    """Create the configured admin if no user has that username (idempotent)."""
    bootstrap = settings.admin_bootstrap
    if bootstrap is None:
        return
    username, email, password = bootstrap
    try:
        existing = await gateway.get_user_by_username(username=username)
    except NotFound:
        existing = None
    if existing is not None:
        if existing.role != "admin":
            log.warning("the configured admin username belongs to a non-admin user", user_id=existing.id)
        return
    body = UserCreate.from_dict(
        {
            "email": email,
            "username": username,
            "hashed_password": await hash_password(password),
            "role": "admin",
            "full_name": "",
        }
    )
    try:
        user = await gateway.create_user(body=body)
    except Conflict:
        log.info("first admin already created elsewhere")
        return
    log.info("first admin created", user_id=user.id)
