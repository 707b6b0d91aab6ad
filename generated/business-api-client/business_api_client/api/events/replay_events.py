from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.replay_request import ReplayRequest
from ...models.replay_result import ReplayResult
from ...types import Response


def _get_kwargs(
    *,
    body: ReplayRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/events/replay",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | ReplayResult | None:
    if response.status_code == 200:
        response_200 = ReplayResult.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

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

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | ReplayResult]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: ReplayRequest,
) -> Response[Problem | ReplayResult]:
    """Replay published events to one queue (admin)

     Publishes again, to the one queue named `queue` and to no other, the stored events
    that were already published: those that occurred in [`since`, `until`), or those
    after `after_event_id`, optionally of one `user_id`. They go through the broker's
    default exchange (routing key: the queue's name), mandatory and with publisher
    confirms, oldest first in publishing order, so each user's events keep their order.
    Each message is the original one (its `message_id` is the `event_id`, so a consumer
    that has it drops the copy) with the header `replayed: true`.

    One call replays at most `limit` events and answers when the broker confirmed each.
    While `has_more` is true, call again with the same filters and `after_event_id` set to
    `last_event_id`. A failed call may have replayed part of its page: repeat it (the
    copies carry the same `message_id`). Events that occurred before the retention
    horizon (`EVENT_RETENTION_DAYS` of the data service) are pruned: a range reaching
    before it answers 410 naming the horizon.

    Args:
        body (ReplayRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ReplayResult]
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
    client: AuthenticatedClient,
    body: ReplayRequest,
) -> Problem | ReplayResult | None:
    """Replay published events to one queue (admin)

     Publishes again, to the one queue named `queue` and to no other, the stored events
    that were already published: those that occurred in [`since`, `until`), or those
    after `after_event_id`, optionally of one `user_id`. They go through the broker's
    default exchange (routing key: the queue's name), mandatory and with publisher
    confirms, oldest first in publishing order, so each user's events keep their order.
    Each message is the original one (its `message_id` is the `event_id`, so a consumer
    that has it drops the copy) with the header `replayed: true`.

    One call replays at most `limit` events and answers when the broker confirmed each.
    While `has_more` is true, call again with the same filters and `after_event_id` set to
    `last_event_id`. A failed call may have replayed part of its page: repeat it (the
    copies carry the same `message_id`). Events that occurred before the retention
    horizon (`EVENT_RETENTION_DAYS` of the data service) are pruned: a range reaching
    before it answers 410 naming the horizon.

    Args:
        body (ReplayRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ReplayResult
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: ReplayRequest,
) -> Response[Problem | ReplayResult]:
    """Replay published events to one queue (admin)

     Publishes again, to the one queue named `queue` and to no other, the stored events
    that were already published: those that occurred in [`since`, `until`), or those
    after `after_event_id`, optionally of one `user_id`. They go through the broker's
    default exchange (routing key: the queue's name), mandatory and with publisher
    confirms, oldest first in publishing order, so each user's events keep their order.
    Each message is the original one (its `message_id` is the `event_id`, so a consumer
    that has it drops the copy) with the header `replayed: true`.

    One call replays at most `limit` events and answers when the broker confirmed each.
    While `has_more` is true, call again with the same filters and `after_event_id` set to
    `last_event_id`. A failed call may have replayed part of its page: repeat it (the
    copies carry the same `message_id`). Events that occurred before the retention
    horizon (`EVENT_RETENTION_DAYS` of the data service) are pruned: a range reaching
    before it answers 410 naming the horizon.

    Args:
        body (ReplayRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ReplayResult]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: ReplayRequest,
) -> Problem | ReplayResult | None:
    """Replay published events to one queue (admin)

     Publishes again, to the one queue named `queue` and to no other, the stored events
    that were already published: those that occurred in [`since`, `until`), or those
    after `after_event_id`, optionally of one `user_id`. They go through the broker's
    default exchange (routing key: the queue's name), mandatory and with publisher
    confirms, oldest first in publishing order, so each user's events keep their order.
    Each message is the original one (its `message_id` is the `event_id`, so a consumer
    that has it drops the copy) with the header `replayed: true`.

    One call replays at most `limit` events and answers when the broker confirmed each.
    While `has_more` is true, call again with the same filters and `after_event_id` set to
    `last_event_id`. A failed call may have replayed part of its page: repeat it (the
    copies carry the same `message_id`). Events that occurred before the retention
    horizon (`EVENT_RETENTION_DAYS` of the data service) are pruned: a range reaching
    before it answers 410 naming the horizon.

    Args:
        body (ReplayRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ReplayResult
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
