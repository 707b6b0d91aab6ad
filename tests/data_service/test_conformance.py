"""The app's routes answer exactly the (method, path, status) set the contract lists."""

from __future__ import annotations

from fastapi import FastAPI

from service_kit.contract import derived_openapi, load_contract

METHODS = {"get", "post", "put", "patch", "delete"}


def _statuses(schema: dict[str, object]) -> set[tuple[str, str, str]]:
    paths = schema["paths"]
    assert isinstance(paths, dict)
    return {
        (method.upper(), path, str(status))
        for path, item in paths.items()
        for method, operation in item.items()
        if method in METHODS
        for status in operation["responses"]
    }


def test_routes_match_the_contract(data_app: FastAPI) -> None:
    assert _statuses(derived_openapi(data_app)) == _statuses(load_contract("data"))


def test_operation_ids_match_the_contract(data_app: FastAPI) -> None:
    def ids(schema: dict[str, object]) -> set[tuple[str, str, str]]:
        paths = schema["paths"]
        assert isinstance(paths, dict)
        return {
            (method.upper(), path, operation["operationId"])
            for path, item in paths.items()
            for method, operation in item.items()
            if method in METHODS
        }

    assert ids(derived_openapi(data_app)) == ids(load_contract("data"))
