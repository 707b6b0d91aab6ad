from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.outbox_history_page import OutboxHistoryPage
from ...models.outbox_history_query import OutboxHistoryQuery
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    *,
    body: OutboxHistoryQuery,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/outbox/history",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> OutboxHistoryPage | Problem | None:
    if response.status_code == 200:
        response_200 = OutboxHistoryPage.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 410:
        response_410 = Problem.from_dict(response.json())

        return response_410

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
) -> Response[OutboxHistoryPage | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: OutboxHistoryQuery,
) -> Response[OutboxHistoryPage | Problem]:
    """Read published events, page by page

     One page of published events, oldest first in publishing order (`sequence`), which
    keeps each user's order; events still pending are not history yet (the relay sends
    them). Keyset pagination: pass the last event's id as `after_event_id` for the next
    page while `has_more` is true. `since` (inclusive) and `until` (exclusive) bound
    `occurred_at`; `user_id` keeps one user's events.

    Published events are pruned once they occurred more than `EVENT_RETENTION_DAYS` ago:
    a `since` before that horizon, or an `until` at or before it, answers 410 naming
    the horizon; without `since` the page starts at the horizon. An `after_event_id`
    that is not stored (never was, or pruned) answers 404.

    A read, sent as a POST so that the body's `date-time` and `uuid` formats are
    checked by the contract's model.

    Args:
        body (OutboxHistoryQuery):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[OutboxHistoryPage | Problem]
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
    body: OutboxHistoryQuery,
) -> OutboxHistoryPage | Problem | None:
    """Read published events, page by page

     One page of published events, oldest first in publishing order (`sequence`), which
    keeps each user's order; events still pending are not history yet (the relay sends
    them). Keyset pagination: pass the last event's id as `after_event_id` for the next
    page while `has_more` is true. `since` (inclusive) and `until` (exclusive) bound
    `occurred_at`; `user_id` keeps one user's events.

    Published events are pruned once they occurred more than `EVENT_RETENTION_DAYS` ago:
    a `since` before that horizon, or an `until` at or before it, answers 410 naming
    the horizon; without `since` the page starts at the horizon. An `after_event_id`
    that is not stored (never was, or pruned) answers 404.

    A read, sent as a POST so that the body's `date-time` and `uuid` formats are
    checked by the contract's model.

    Args:
        body (OutboxHistoryQuery):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        OutboxHistoryPage | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: OutboxHistoryQuery,
) -> Response[OutboxHistoryPage | Problem]:
    """Read published events, page by page

     One page of published events, oldest first in publishing order (`sequence`), which
    keeps each user's order; events still pending are not history yet (the relay sends
    them). Keyset pagination: pass the last event's id as `after_event_id` for the next
    page while `has_more` is true. `since` (inclusive) and `until` (exclusive) bound
    `occurred_at`; `user_id` keeps one user's events.

    Published events are pruned once they occurred more than `EVENT_RETENTION_DAYS` ago:
    a `since` before that horizon, or an `until` at or before it, answers 410 naming
    the horizon; without `since` the page starts at the horizon. An `after_event_id`
    that is not stored (never was, or pruned) answers 404.

    A read, sent as a POST so that the body's `date-time` and `uuid` formats are
    checked by the contract's model.

    Args:
        body (OutboxHistoryQuery):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[OutboxHistoryPage | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: OutboxHistoryQuery,
) -> OutboxHistoryPage | Problem | None:
    """Read published events, page by page

     One page of published events, oldest first in publishing order (`sequence`), which
    keeps each user's order; events still pending are not history yet (the relay sends
    them). Keyset pagination: pass the last event's id as `after_event_id` for the next
    page while `has_more` is true. `since` (inclusive) and `until` (exclusive) bound
    `occurred_at`; `user_id` keeps one user's events.

    Published events are pruned once they occurred more than `EVENT_RETENTION_DAYS` ago:
    a `since` before that horizon, or an `until` at or before it, answers 410 naming
    the horizon; without `since` the page starts at the horizon. An `after_event_id`
    that is not stored (never was, or pruned) answers 404.

    A read, sent as a POST so that the body's `date-time` and `uuid` formats are
    checked by the contract's model.

    Args:
        body (OutboxHistoryQuery):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        OutboxHistoryPage | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
