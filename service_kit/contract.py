"""Serve the hand-written contract, not FastAPI's derived one, at /openapi.json and /docs."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

CONTRACTS = Path(__file__).resolve().parent.parent / "openapi"


@cache
def load_contract(name: str) -> dict[str, Any]:
    """The contract `openapi/<name>.yaml` as data."""
    loaded: dict[str, Any] = yaml.safe_load((CONTRACTS / f"{name}.yaml").read_text())
    return loaded


def serve_contract(app: FastAPI, name: str) -> None:
    """Make `app.openapi()` (and so /openapi.json and Swagger UI) return the contract.

    FastAPI's own schema stays reachable as `derived_openapi(app)`; the conformance tests
    compare the routes it lists with the contract.
    """
    contract = load_contract(name)
    app.openapi = lambda: contract  # type: ignore[method-assign]


def derived_openapi(app: FastAPI) -> dict[str, Any]:
    """The schema FastAPI derives from the routes, ignoring the served contract."""
    return get_openapi(title=app.title, version=app.version, routes=app.routes)
