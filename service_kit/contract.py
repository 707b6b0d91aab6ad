"""The hand-written contracts in openapi/, as data."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

CONTRACTS = Path(__file__).resolve().parent.parent / "openapi"
HTTP_METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"})


@cache
def load_contract(name: str) -> dict[str, Any]:
    """The contract `openapi/<name>.yaml` as data."""
    loaded: dict[str, Any] = yaml.safe_load((CONTRACTS / f"{name}.yaml").read_text())
    return loaded
