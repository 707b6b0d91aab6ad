"""What the emitter knows of a contract: its operations, parameters, security, in Python terms."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


class SurfaceError(Exception):
    """The contract uses something the emitter does not implement; the message names it."""


def snake(name: str) -> str:
    """`getUserByUsername` -> `get_user_by_username`, `OAuth2Password` -> `oauth2_password`."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return re.sub(r"[^0-9a-zA-Z]+", "_", spaced).strip("_").lower()


def pascal(name: str) -> str:
    """`user_id` -> `UserId`, `by-username` -> `ByUsername`, `createUser` -> `CreateUser`."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9a-zA-Z]+", name) if part)


def docstring_text(value: Any) -> str:
    """One line of contract prose, safe inside a generated docstring."""
    line = " ".join(str(value or "").split())
    return line.replace("\\", "\\\\").replace('"""', "'''").rstrip('"')


@dataclass(frozen=True)
class Parameter:
    name: str  # as in the contract
    argument: str  # the Python name
    location: str  # path, query, header
    alias: str  # the Annotated alias of the module
    python_type: str  # the value's type, without FastAPI's metadata
    required: bool
    default: str | None  # a Python literal, or None when the parameter has none


@dataclass(frozen=True)
class Security:
    scheme: str | None  # None: anyone may call
    field: str | None  # the API dataclass's field holding the scheme's authenticator
    scopes: tuple[str, ...]
    passes_caller: bool

    @property
    def scopes_constant(self) -> str:
        """The generated module's frozenset of the scopes."""
        return "_SCOPES_" + "_".join(snake(s).upper() for s in self.scopes) if self.scopes else "_NO_SCOPES"

    @property
    def who(self) -> str:
        if self.scheme is None:
            return "Anyone may call it."
        scopes = f" with scope {', '.join(self.scopes)}" if self.scopes else ""
        kind = "signed-in caller" if self.passes_caller else "client"
        return f"Needs a {kind} of `{self.scheme}`{scopes}."


@dataclass
class Operation:
    operation_id: str
    method: str
    path: str
    tag: str
    summary: str
    deprecated: bool
    parameters: list[Parameter]
    body_model: str | None
    body_form: bool
    status: int
    response_model: str | None
    response_text: bool
    response_headers: list[tuple[str, str, bool]]  # (header name, Python type, required)
    problems: list[int]
    security: Security

    @property
    def method_name(self) -> str:
        return snake(self.operation_id)

    @property
    def response_class(self) -> str | None:
        return pascal(self.operation_id) + "Response" if self.response_headers else None

    @property
    def returns(self) -> str:
        if self.response_class:
            return self.response_class
        if self.response_model:
            return self.response_model
        return "str" if self.response_text else "None"


@dataclass
class Surface:
    name: str
    api_class: str
    title: str
    version: str
    operations: list[Operation] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)  # alias -> definition
    schemes: dict[str, tuple[str, bool]] = field(default_factory=dict)  # scheme -> (field, caller)
    tags: dict[str, str] = field(default_factory=dict)  # tag -> description
    models: set[str] = field(default_factory=set)

    @property
    def generic(self) -> bool:
        return any(passes_caller for _, passes_caller in self.schemes.values())
