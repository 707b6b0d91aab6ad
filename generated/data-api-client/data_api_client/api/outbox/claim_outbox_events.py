from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.outbox_batch import OutboxBatch
from ...models.outbox_claim import OutboxClaim
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    *,
    body: OutboxClaim,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/outbox/claim",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> OutboxBatch | Problem | None:
    if response.status_code == 200:
        response_200 = OutboxBatch.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[OutboxBatch | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: OutboxClaim,
) -> Response[OutboxBatch | Problem]:
    """Claim pending events for publishing

     Leases up to `limit` pending events to `relay_id` for `lease_seconds`, oldest first.
    An event leased to one relay is not handed to another until its lease ends, and an
    event is handed out only when every earlier event of the same user is acknowledged
    or leased to the same relay in this call, so each user's events go out in order.
    Several relays may claim at once without receiving the same event.

    Args:
        body (OutboxClaim):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[OutboxBatch | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: OutboxClaim,
) -> OutboxBatch | Problem | None:
    """Claim pending events for publishing

     Leases up to `limit` pending events to `relay_id` for `lease_seconds`, oldest first.
    An event leased to one relay is not handed to another until its lease ends, and an
    event is handed out only when every earlier event of the same user is acknowledged
    or leased to the same relay in this call, so each user's events go out in order.
    Several relays may claim at once without receiving the same event.

    Args:
        body (OutboxClaim):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        OutboxBatch | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: OutboxClaim,
) -> Response[OutboxBatch | Problem]:
    """Claim pending events for publishing

     Leases up to `limit` pending events to `relay_id` for `lease_seconds`, oldest first.
    An event leased to one relay is not handed to another until its lease ends, and an
    event is handed out only when every earlier event of the same user is acknowledged
    or leased to the same relay in this call, so each user's events go out in order.
    Several relays may claim at once without receiving the same event.

    Args:
        body (OutboxClaim):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[OutboxBatch | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: OutboxClaim,
) -> OutboxBatch | Problem | None:
    """Claim pending events for publishing

     Leases up to `limit` pending events to `relay_id` for `lease_seconds`, oldest first.
    An event leased to one relay is not handed to another until its lease ends, and an
    event is handed out only when every earlier event of the same user is acknowledged
    or leased to the same relay in this call, so each user's events go out in order.
    Several relays may claim at once without receiving the same event.

    Args:
        body (OutboxClaim):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        OutboxBatch | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
