"""Each service implements exactly its contract: no undocumented route, no missing operation.

The app's own view of its routes (FastAPI's derived schema, from the routes' declared
statuses) is compared with the hand-written contract in both directions; the schema the
app serves at /openapi.json (and so in Swagger UI) must be the contract itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from business_service.app import create_app as create_business_app
from data_service.app import create_app as create_data_app
from service_kit.contract import derived_openapi, load_contract
from tools.generate import iter_operations

Operation = tuple[str, str, str]
APPS: dict[str, Callable[[], FastAPI]] = {"data": create_data_app, "business": create_business_app}


def operations(schema: dict[str, Any]) -> set[Operation]:
    return {
        (method, path, str(status))
        for method, path, operation in iter_operations(schema)
        for status in operation.get("responses", {})
    }


@pytest.mark.parametrize("name", sorted(APPS))
def test_routes_match_the_contract(name: str) -> None:
    app = APPS[name]()
    implemented = operations(derived_openapi(app))
    declared = operations(load_contract(name))
    assert sorted(implemented - declared) == [], "implemented but not in the contract"
    assert sorted(declared - implemented) == [], "in the contract but not implemented"


@pytest.mark.parametrize("name", sorted(APPS))
def test_operation_ids_match_the_contract(name: str) -> None:
    app = APPS[name]()
    derived = {(m, p): op.get("operationId") for m, p, op in iter_operations(derived_openapi(app))}
    declared = {(m, p): op["operationId"] for m, p, op in iter_operations(load_contract(name))}
    # FastAPI names operations after the Python functions; they must be the contract's names.
    assert derived == declared


@pytest.mark.parametrize("name", sorted(APPS))
async def test_the_served_schema_is_the_contract(name: str) -> None:
    app = APPS[name]()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        served = await client.get("/openapi.json")
        docs = await client.get("/docs")
    assert served.status_code == 200
    assert served.json() == load_contract(name)
    assert docs.status_code == 200
    assert "/openapi.json" in docs.text
