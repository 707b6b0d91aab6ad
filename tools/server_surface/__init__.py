"""Emit the server surface of an OpenAPI contract: interfaces, their FastAPI binding, security.

`tools/generate.py` calls `emit(name, contract, models)` once per HTTP contract and writes the
result to `generated/contract_servers/<name>.py`. The module it makes holds, in this order:

- `TITLE` and `VERSION`, from the contract's `info`;
- one `Annotated` alias per parameter, carrying the contract's constraints as FastAPI's
  `Path`/`Query`/`Header` (the interfaces' argument types);
- a response dataclass for each operation whose success declares headers (`Location`);
- one abstract class per tag, `<Tag>Api`, with one abstract `async` method per operation,
  named after the `operationId` in snake case, taking the parameters, `body` and (for a
  user-identifying security scheme) `caller` as keyword-only arguments;
- the API as a frozen dataclass (`DataApi`, `BusinessApi`) with one field per tag and one
  per security scheme: what the service builds once in its lifespan and hands to
  `implement(app, api)`;
- a reader of each parameter (`PathParameter`, `QueryParameter`, `HeaderParameter` of its
  alias) and a parser of each body, built once;
- one endpoint per operation, taking only the request: it runs the security requirement
  (401/403), reads every parameter (one 422 with all their errors, as FastAPI words them),
  parses the body (415, 422), then calls the handler's method. FastAPI's dependency solver,
  which re-inspects each dependant on every request, is left with nothing to do;
- `create_router(app.router)`: every operation bound to FastAPI with its method, path, operation id,
  success status and model, `Location` and declared problem statuses, literal paths before
  templated ones.

The services subclass the interfaces; mypy then proves that every operation is implemented
with the contract's arguments and return type. Anything in a contract that this emitter
does not implement is refused with the operation and the feature named (`SurfaceError`),
rather than dropped: extend the emitter, or change the contract.

Security: an operation's effective `security` (its own, else the document's) must be `[]`
(anyone) or one requirement of one scheme. An `oauth2` scheme identifies a user: the
operation's method gets the authenticated `caller` (the API is generic in its type, which the
service chooses). An `http` `bearer` scheme identifies a client, such as a service token: it is
checked and nothing is passed. The required scopes (`[admin]`) go to the scheme's
authenticator, which refuses a caller without them (403).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

from tools.server_surface.model import SurfaceError
from tools.server_surface.reader import Reader
from tools.server_surface.writer import Writer

__all__ = ["SurfaceError", "emit", "iter_model_names"]


def emit(name: str, contract: dict[str, Any], *, models_module: str, models: set[str]) -> str:
    """The Python source of `contract_servers.<name>` (before formatting)."""
    surface = Reader(name, contract, models).read()
    source = Writer(surface, models_module).source()
    ast.parse(source)  # a bug of the emitter fails here, not in the service
    return source


def iter_model_names(models_source: str) -> Iterator[str]:
    """The classes a generated models module defines."""
    for node in ast.parse(models_source).body:
        if isinstance(node, ast.ClassDef):
            yield node.name
