from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.role import Role
from ...models.user_page import UserPage
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    limit: int | Unset = 20,
    offset: int | Unset = 0,
    role: Role | Unset = UNSET,
    is_active: bool | Unset = UNSET,
    q: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["limit"] = limit

    params["offset"] = offset

    json_role: str | Unset = UNSET
    if not isinstance(role, Unset):
        json_role = role

    params["role"] = json_role

    params["is_active"] = is_active

    params["q"] = q

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/users",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | UserPage | None:
    if response.status_code == 200:
        response_200 = UserPage.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Problem | UserPage]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    limit: int | Unset = 20,
    offset: int | Unset = 0,
    role: Role | Unset = UNSET,
    is_active: bool | Unset = UNSET,
    q: str | Unset = UNSET,
) -> Response[Problem | UserPage]:
    """List users (admin)

     One page of users ordered by id, optionally filtered.

    Args:
        limit (int | Unset):  Default: 20.
        offset (int | Unset):  Default: 0.
        role (Role | Unset): What the user may do.
        is_active (bool | Unset):
        q (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | UserPage]
    """

    kwargs = _get_kwargs(
        limit=limit,
        offset=offset,
        role=role,
        is_active=is_active,
        q=q,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    limit: int | Unset = 20,
    offset: int | Unset = 0,
    role: Role | Unset = UNSET,
    is_active: bool | Unset = UNSET,
    q: str | Unset = UNSET,
) -> Problem | UserPage | None:
    """List users (admin)

     One page of users ordered by id, optionally filtered.

    Args:
        limit (int | Unset):  Default: 20.
        offset (int | Unset):  Default: 0.
        role (Role | Unset): What the user may do.
        is_active (bool | Unset):
        q (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | UserPage
    """

    return sync_detailed(
        client=client,
        limit=limit,
        offset=offset,
        role=role,
        is_active=is_active,
        q=q,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    limit: int | Unset = 20,
    offset: int | Unset = 0,
    role: Role | Unset = UNSET,
    is_active: bool | Unset = UNSET,
    q: str | Unset = UNSET,
) -> Response[Problem | UserPage]:
    """List users (admin)

     One page of users ordered by id, optionally filtered.

    Args:
        limit (int | Unset):  Default: 20.
        offset (int | Unset):  Default: 0.
        role (Role | Unset): What the user may do.
        is_active (bool | Unset):
        q (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | UserPage]
    """

    kwargs = _get_kwargs(
        limit=limit,
        offset=offset,
        role=role,
        is_active=is_active,
        q=q,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    limit: int | Unset = 20,
    offset: int | Unset = 0,
    role: Role | Unset = UNSET,
    is_active: bool | Unset = UNSET,
    q: str | Unset = UNSET,
) -> Problem | UserPage | None:
    """List users (admin)

     One page of users ordered by id, optionally filtered.

    Args:
        limit (int | Unset):  Default: 20.
        offset (int | Unset):  Default: 0.
        role (Role | Unset): What the user may do.
        is_active (bool | Unset):
        q (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | UserPage
    """

    return (
        await asyncio_detailed(
            client=client,
            limit=limit,
            offset=offset,
            role=role,
            is_active=is_active,
            q=q,
        )
    ).parsed
