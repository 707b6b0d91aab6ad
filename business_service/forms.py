"""The OAuth2 password form, parsed from `application/x-www-form-urlencoded` into the contract model.

Parsed here (a few lines of the standard library) rather than with python-multipart, which
FastAPI's `Form()` needs and which the locked environment does not carry.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl

from contract_models.business import TokenRequest
from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError


async def token_form(request: Request) -> TokenRequest:
    raw = await request.body()
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError) as exc:
        raise RequestValidationError(
            [{"loc": ("body",), "msg": "The body is not a valid form.", "type": "form_invalid"}]
        ) from exc
    fields: dict[str, str] = {}
    for name, value in pairs:
        fields.setdefault(name, value)
    try:
        return TokenRequest.model_validate(fields)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in exc.errors(include_input=False)]
        ) from exc


TokenForm = Annotated[TokenRequest, Depends(token_form)]
