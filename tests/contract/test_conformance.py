"""What each service serves as its contract at /openapi.json (and so in Swagger UI) is the
hand-written contract itself, and the app reports the contract's title and version.

That the routes are the contract's operations is no longer a test's business: they are
generated from it (`contract_servers`), and mypy holds the handlers to them.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI

from business_service.app import create_app as create_business_app
from data_service.app import create_app as create_data_app
from service_kit.contract import load_contract

APPS: dict[str, Callable[[], FastAPI]] = {"data": create_data_app, "business": create_business_app}


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
    info = load_contract(name)["info"]
    assert (app.title, app.version) == (info["title"], info["version"])
