from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.user_list import UserList
from ...models.user_lookup import UserLookup
from ...types import Response


def _get_kwargs(
    *,
    body: UserLookup,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/users/lookup",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | UserList | None:
    if response.status_code == 200:
        response_200 = UserList.from_dict(response.json())

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Problem | UserList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: UserLookup,
) -> Response[Problem | UserList]:
    """Get several users by id

     The users of the given ids, in the order of the ids asked for, each once; an id
    that names no user is left out. It answers what as many `GET /users/{user_id}` would, in one
    request and one query: the business service gathers into it the reads by id of the
    requests it is serving at the same moment. A read, safe to repeat; POST only because
    the ids go in a body.

    Args:
        body (UserLookup):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | UserList]
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
    body: UserLookup,
) -> Problem | UserList | None:
    """Get several users by id

     The users of the given ids, in the order of the ids asked for, each once; an id
    that names no user is left out. It answers what as many `GET /users/{user_id}` would, in one
    request and one query: the business service gathers into it the reads by id of the
    requests it is serving at the same moment. A read, safe to repeat; POST only because
    the ids go in a body.

    Args:
        body (UserLookup):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | UserList
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: UserLookup,
) -> Response[Problem | UserList]:
    """Get several users by id

     The users of the given ids, in the order of the ids asked for, each once; an id
    that names no user is left out. It answers what as many `GET /users/{user_id}` would, in one
    request and one query: the business service gathers into it the reads by id of the
    requests it is serving at the same moment. A read, safe to repeat; POST only because
    the ids go in a body.

    Args:
        body (UserLookup):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | UserList]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: UserLookup,
) -> Problem | UserList | None:
    """Get several users by id

     The users of the given ids, in the order of the ids asked for, each once; an id
    that names no user is left out. It answers what as many `GET /users/{user_id}` would, in one
    request and one query: the business service gathers into it the reads by id of the
    requests it is serving at the same moment. A read, safe to repeat; POST only because
    the ids go in a body.

    Args:
        body (UserLookup):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | UserList
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
