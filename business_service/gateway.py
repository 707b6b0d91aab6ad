"""The one door to the data service: the generated client, retries, and status mapping.

Every call goes through a generated `asyncio_detailed` function on ONE pooled client.
Data statuses become domain errors here and nowhere else; an error never becomes None.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

import httpx
import structlog
from data_api_client import AuthenticatedClient
from data_api_client.api.health import get_readiness
from data_api_client.api.outbox import acknowledge_outbox_events, claim_outbox_events, read_outbox_history
from data_api_client.api.users import (
    create_user,
    delete_user,
    get_user,
    get_user_by_username,
    get_user_credentials,
    get_user_credentials_by_username,
    get_user_stats,
    list_users,
    lookup_users,
    update_user,
)
from data_api_client.errors import UnexpectedStatus
from data_api_client.models import (
    OutboxAck,
    OutboxBatch,
    OutboxClaim,
    OutboxHistoryPage,
    OutboxHistoryQuery,
    Problem,
    User,
    UserCreate,
    UserCredentials,
    UserList,
    UserLookup,
    UserPage,
    UserStats,
    UserUpdate,
)
from data_api_client.types import UNSET, Response, Unset
from httpx_aiohttp import AiohttpTransport
from opentelemetry.instrumentation.httpx import AsyncOpenTelemetryTransport
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import TracerProvider as AnyTracerProvider

from business_service.breaker import CircuitBreaker
from business_service.data_http import DirectDataClient
from business_service.metrics import DATA_RETRIES
from business_service.read_batching import UserReads
from business_service.settings import BusinessSettings
from business_service.tls import data_ssl_context, is_tls_failure
from service_kit.errors import Conflict, Gone, NotFound, PreconditionFailed, ServiceUnavailable
from service_kit.request_context import HEADER, current_request_id

log = structlog.get_logger(__name__)
T = TypeVar("T")


class DataServiceBusy(Exception):
    """The data service answered 503; retried like a transport error."""

    def __init__(self, response: Response[Any]) -> None:
        super().__init__("data service answered 503")
        self.response = response


class UnreadableAnswer(Exception):
    """The data service's answer is not one its contract describes (a proxy's HTML error
    page, say): retried like a transport error, then answered as 503."""


class DataContractError(Exception):
    """The data service refused a request this service built: a bug here, answered as 500."""


async def _add_request_id(request: httpx.Request) -> None:
    if (request_id := current_request_id()) is not None:
        request.headers[HEADER] = request_id


def build_data_client(
    settings: BusinessSettings,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    tracer_provider: TracerProvider | None = None,
) -> AuthenticatedClient:
    """The one generated client of the process, on one pooled HTTP client.

    Untraced and on the network (no `transport`: tests pass an in-process one), the client
    is `DirectDataClient`, which sends the generated client's requests on aiohttp directly.
    With tracing, it is httpx on httpx-aiohttp's transport, wrapped by the httpx
    instrumentation: a client span per call, and its `traceparent` sent, so the data
    service's spans are its children.
    """
    timeout = httpx.Timeout(
        settings.data_read_timeout, connect=settings.data_connect_timeout, pool=settings.data_connect_timeout
    )
    headers = {"Authorization": f"Bearer {settings.service_token}"}
    http: httpx.AsyncClient
    if transport is None and tracer_provider is None:
        http = DirectDataClient(
            base_url=settings.data_service_url,
            headers=headers,
            timeout=timeout,
            ssl_context=data_ssl_context(settings),
        )
    else:
        transport = transport if transport is not None else _transport(settings)
        if tracer_provider is not None:
            transport = AsyncOpenTelemetryTransport(transport, tracer_provider=tracer_provider)
        http = httpx.AsyncClient(
            base_url=settings.data_service_url,
            headers=headers,
            timeout=timeout,
            transport=transport,
            event_hooks={"request": [_add_request_id]},
        )
    client = AuthenticatedClient(
        base_url=settings.data_service_url,
        token=settings.service_token,
        timeout=timeout,
        raise_on_unexpected_status=True,
    )
    return client.set_async_httpx_client(http)


def _transport(settings: BusinessSettings) -> AiohttpTransport:
    context = data_ssl_context(settings)
    return AiohttpTransport() if context is None else AiohttpTransport(verify=context)


def _retry_after(response: Response[Any]) -> int:
    value = response.headers.get("Retry-After", "")
    return int(value) if value.isdigit() else 2


def _detail(response: Response[Any], fallback: str) -> str:
    parsed = response.parsed
    if isinstance(parsed, Problem) and isinstance(parsed.detail, str):
        return parsed.detail
    return fallback


def _backoff(attempt: int) -> float:
    """Seconds before retry number `attempt`: 50 ms doubling up to 1 s, plus up to 100 ms of
    jitter so that many callers do not retry in step."""
    return min(1.0, 0.05 * 2.0 ** (attempt - 1)) + random.uniform(0, 0.1)  # noqa: S311 - not a secret


def _is_retryable(exc: Exception) -> bool:
    if isinstance(exc, UnexpectedStatus):
        return exc.status_code in (502, 504)
    return isinstance(exc, httpx.TransportError | DataServiceBusy | UnreadableAnswer)


class DataGateway:
    """Typed operations on the data service, each raising domain errors on failure."""

    def __init__(
        self,
        *,
        client: AuthenticatedClient,
        retry_attempts: int,
        breaker: CircuitBreaker | None = None,
        gather_reads: bool = False,
        tracer_provider: AnyTracerProvider | None = None,
    ) -> None:
        """`gather_reads`: reads of users by id asked for at the same moment go to the data
        service as one call (`read_batching`; the service's `READ_GATHERING`), traced on
        `tracer_provider` when there is one."""
        self.client = client
        self._attempts = retry_attempts
        self.breaker = breaker or CircuitBreaker(failure_threshold=5, reset_seconds=5.0)
        self._reads = (
            UserReads(
                read_one=self._get_one_user,
                read_many=self.lookup_users,
                tracer=None if tracer_provider is None else tracer_provider.get_tracer(__name__),
            )
            if gather_reads
            else None
        )

    async def aclose(self) -> None:
        if self._reads is not None:
            await self._reads.aclose()
        await self.client.get_async_httpx_client().aclose()

    async def _send(
        self, operation: str, call: Callable[[], Awaitable[Response[T]]], *, idempotent: bool
    ) -> Response[T]:
        attempts = self._attempts if idempotent else 1
        # A plain loop rather than stamina's retry context, which cost 8% of a cache miss's
        # CPU even when the first attempt succeeds (make bench).
        try:
            for attempt in range(1, attempts + 1):
                if not self.breaker.allow():
                    raise self._circuit_open(operation)
                try:
                    response = await self._attempt(call)
                    break
                except Exception as exc:
                    if attempt == attempts or not _is_retryable(exc):
                        raise
                DATA_RETRIES.labels(operation).inc()
                await asyncio.sleep(_backoff(attempt))
        except DataServiceBusy as exc:
            log.warning("data service busy", operation=operation)
            raise ServiceUnavailable(
                "The data service is not available.", retry_after=_retry_after(exc.response)
            ) from exc
        except httpx.TransportError as exc:
            if is_tls_failure(exc):
                # A configuration error, not an outage: say which, loudly.
                log.error("TLS to the data service failed", operation=operation, error=str(exc))
                raise ServiceUnavailable(
                    "The TLS handshake with the data service failed: its certificate is not "
                    "trusted by DATA_CA_FILE, or it refused this service's certificate."
                ) from exc
            log.warning("data service unreachable", operation=operation, error=type(exc).__name__)
            raise ServiceUnavailable("The data service does not answer.") from exc
        except UnexpectedStatus as exc:
            log.error("data service failed", operation=operation, status=exc.status_code)
            raise ServiceUnavailable("The data service failed.") from exc
        except UnreadableAnswer as exc:
            log.error("data service answered outside its contract", operation=operation, error=str(exc))
            raise ServiceUnavailable("The data service gave an answer this service cannot read.") from exc
        return self._check(operation, response)

    async def _attempt(self, call: Callable[[], Awaitable[Response[T]]]) -> Response[T]:
        """One call, its verdict told to the breaker: a transport error, a 503 or an answer
        outside the contract is a failure; any answer else is a success (a 404 included)."""
        try:
            try:
                response = await call()
            except (ValueError, KeyError, TypeError) as exc:
                # `call` is a generated function: these come from its parser.
                raise UnreadableAnswer(str(exc)) from exc
            if response.status_code == 503:
                raise DataServiceBusy(response)
        except BaseException as exc:
            if isinstance(exc, Exception) and _is_retryable(exc):
                self.breaker.failed()
            else:
                self.breaker.released()
            raise
        self.breaker.succeeded()
        return response

    def _circuit_open(self, operation: str) -> ServiceUnavailable:
        log.warning("data service call refused: circuit open", operation=operation)
        return ServiceUnavailable(
            "The data service has been failing; calls to it are paused.", retry_after=self.breaker.retry_after
        )

    @staticmethod
    def _check(operation: str, response: Response[T]) -> Response[T]:
        status = response.status_code
        if status < 300:
            return response
        if status == 404:
            raise NotFound(_detail(response, "No such user."))
        if status == 409:
            raise Conflict(_detail(response, "The email or username is taken."))
        if status == 410:
            raise Gone(_detail(response, "The events asked for are past retention and pruned."))
        if status == 412:
            raise PreconditionFailed(_detail(response, "The version is not the current one."))
        if status == 401:
            log.error("the data service refused the service token", operation=operation)
            raise ServiceUnavailable("The data service refused this service's credentials.")
        log.error("the data service refused a request", operation=operation, status=status)
        raise DataContractError(f"{operation}: the data service answered {status}")

    @staticmethod
    def _parsed(response: Response[Any], kind: type[T]) -> T:
        parsed = response.parsed
        if not isinstance(parsed, kind):
            raise DataContractError(f"expected {kind.__name__}, got {type(parsed).__name__}")
        return parsed

    async def get_user(self, *, user_id: int) -> User:
        if self._reads is not None:
            return await self._reads.get(user_id)
        return await self._get_one_user(user_id)

    async def _get_one_user(self, user_id: int) -> User:
        response = await self._send(
            "get_user", lambda: get_user.asyncio_detailed(user_id, client=self.client), idempotent=True
        )
        return self._parsed(response, User)

    async def lookup_users(self, ids: Sequence[int]) -> list[User]:
        """The users of `ids` that exist (at most 100 ids), in the order asked for."""
        body = UserLookup(ids=list(ids))
        response = await self._send(
            "lookup_users",
            lambda: lookup_users.asyncio_detailed(client=self.client, body=body),
            idempotent=True,
        )
        return self._parsed(response, UserList).items

    async def get_user_by_username(self, *, username: str) -> User:
        response = await self._send(
            "get_user_by_username",
            lambda: get_user_by_username.asyncio_detailed(username, client=self.client),
            idempotent=True,
        )
        return self._parsed(response, User)

    async def get_credentials(self, *, user_id: int) -> UserCredentials:
        response = await self._send(
            "get_user_credentials",
            lambda: get_user_credentials.asyncio_detailed(user_id, client=self.client),
            idempotent=True,
        )
        return self._parsed(response, UserCredentials)

    async def get_credentials_by_username(self, *, username: str) -> UserCredentials:
        response = await self._send(
            "get_user_credentials_by_username",
            lambda: get_user_credentials_by_username.asyncio_detailed(username, client=self.client),
            idempotent=True,
        )
        return self._parsed(response, UserCredentials)

    async def create_user(self, *, body: UserCreate) -> User:
        response = await self._send(
            "create_user",
            lambda: create_user.asyncio_detailed(client=self.client, body=body),
            idempotent=False,
        )
        return self._parsed(response, User)

    async def update_user(self, *, user_id: int, body: UserUpdate) -> User:
        response = await self._send(
            "update_user",
            lambda: update_user.asyncio_detailed(user_id, client=self.client, body=body),
            idempotent=False,
        )
        return self._parsed(response, User)

    async def delete_user(self, *, user_id: int) -> None:
        await self._send(
            "delete_user", lambda: delete_user.asyncio_detailed(user_id, client=self.client), idempotent=False
        )

    async def list_users(
        self,
        *,
        limit: int,
        offset: int,
        role: str | None = None,
        is_active: bool | None = None,
        q: str | None = None,
    ) -> UserPage:
        role_arg: Any = UNSET if role is None else role
        active_arg: bool | Unset = UNSET if is_active is None else is_active
        q_arg: str | Unset = UNSET if q is None else q
        response = await self._send(
            "list_users",
            lambda: list_users.asyncio_detailed(
                client=self.client, limit=limit, offset=offset, role=role_arg, is_active=active_arg, q=q_arg
            ),
            idempotent=True,
        )
        return self._parsed(response, UserPage)

    async def get_user_stats(self) -> UserStats:
        response = await self._send(
            "get_user_stats", lambda: get_user_stats.asyncio_detailed(client=self.client), idempotent=True
        )
        return self._parsed(response, UserStats)

    async def claim_outbox(self, *, relay_id: str, limit: int, lease_seconds: int) -> OutboxBatch:
        body = OutboxClaim(relay_id=relay_id, limit=limit, lease_seconds=lease_seconds)
        response = await self._send(
            "claim_outbox_events",
            lambda: claim_outbox_events.asyncio_detailed(client=self.client, body=body),
            idempotent=True,
        )
        return self._parsed(response, OutboxBatch)

    async def acknowledge_outbox(self, *, relay_id: str, event_ids: list[UUID]) -> int:
        body = OutboxAck(relay_id=relay_id, event_ids=event_ids)
        response = await self._send(
            "acknowledge_outbox_events",
            lambda: acknowledge_outbox_events.asyncio_detailed(client=self.client, body=body),
            idempotent=True,
        )
        parsed = response.parsed
        acknowledged = getattr(parsed, "acknowledged", 0)
        return int(acknowledged)

    async def read_outbox_history(
        self,
        *,
        after_event_id: UUID | None,
        since: datetime | None,
        until: datetime | None,
        user_id: int | None,
        limit: int,
    ) -> OutboxHistoryPage:
        body = OutboxHistoryQuery(
            after_event_id=UNSET if after_event_id is None else after_event_id,
            since=UNSET if since is None else since,
            until=UNSET if until is None else until,
            user_id=UNSET if user_id is None else user_id,
            limit=limit,
        )
        response = await self._send(
            "read_outbox_history",
            lambda: read_outbox_history.asyncio_detailed(client=self.client, body=body),
            idempotent=True,
        )
        return self._parsed(response, OutboxHistoryPage)

    async def is_ready(self) -> bool:
        """Whether the data service's /ready answers 200 (one attempt, no exception).

        The probe goes even while the circuit is open, and its verdict counts: a readiness
        probe notices the data service's return before the pause ends, and closes the circuit.
        """
        try:
            response = await get_readiness.asyncio_detailed(client=self.client)
        except (httpx.TransportError, UnexpectedStatus):
            self.breaker.failed()
            return False
        except BaseException:
            self.breaker.released()
            raise
        if response.status_code == 200:
            self.breaker.succeeded()
            return True
        self.breaker.failed()
        return False
