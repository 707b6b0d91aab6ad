"""Pydantic v2 models generated from the contracts in openapi/ by `make generate`.

Do not edit: change the contract and regenerate.
"""
