"""Read a contract into a `Surface`, refusing what the emitter does not implement."""

from __future__ import annotations

import keyword
import re
from typing import Any

from tools.server_surface.model import Operation, Parameter, Security, Surface, SurfaceError, pascal, snake

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
_SUPPORTED_OPERATION_KEYS = {
    "operationId",
    "summary",
    "description",
    "tags",
    "parameters",
    "requestBody",
    "responses",
    "security",
    "deprecated",
    "externalDocs",
}
_CONSTRAINTS = {
    "minimum": "ge",
    "maximum": "le",
    "exclusiveMinimum": "gt",
    "exclusiveMaximum": "lt",
    "minLength": "min_length",
    "maxLength": "max_length",
    "pattern": "pattern",
    "multipleOf": "multiple_of",
}
_SCALARS = {"integer": "int", "number": "float", "string": "str", "boolean": "bool"}
# Formats that only say how large a number is; any other format would need a check FastAPI
# does not make, so it is refused rather than silently not enforced.
_NUMBER_FORMATS = {"int32", "int64", "float", "double"}
_SCHEMA_DOCS = {"description", "examples", "example", "title", "deprecated", "default", "format"}
_JSON = "application/json"
_FORM = "application/x-www-form-urlencoded"
_TEXT = "text/plain"
_RESERVED_ARGUMENTS = {"body", "caller", "request", "response", "self"}


class Reader:
    """Reads one contract into a `Surface`, refusing what the emitter does not implement."""

    def __init__(self, name: str, contract: dict[str, Any], models: set[str]) -> None:
        self.name = name
        self.contract = contract
        self.known_models = models
        info = contract.get("info", {})
        self.surface = Surface(
            name=name,
            api_class=pascal(name) + "Api",
            title=str(info.get("title", "")),
            version=str(info.get("version", "")),
        )
        for tag in contract.get("tags", []):
            self.surface.tags[tag["name"]] = tag.get("description", "")

    def resolve(self, node: Any, where: str) -> Any:
        seen: list[str] = []
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#/"):
                raise SurfaceError(f"{where}: only local references are supported, not {ref!r}")
            if ref in seen:
                raise SurfaceError(f"{where}: the reference {ref} refers to itself")
            seen.append(ref)
            target: Any = self.contract
            for escaped in ref[2:].split("/"):
                part = escaped.replace("~1", "/").replace("~0", "~")
                if not isinstance(target, dict) or part not in target:
                    raise SurfaceError(f"{where}: {ref} does not exist")
                target = target[part]
            node = target
        return node

    def read(self) -> Surface:
        seen_ids: set[str] = set()
        for path, raw_item in self.contract.get("paths", {}).items():
            item = self.resolve(raw_item, path)
            unsupported = set(item) - {*HTTP_METHODS, "parameters", "summary", "description"}
            if unsupported:
                raise SurfaceError(
                    f"{self.name}: {path}: path-item keys not supported: {sorted(unsupported)}"
                )
            for method in HTTP_METHODS:
                if method in item:
                    operation = self.operation(path, method, item, item[method])
                    if operation.method_name in seen_ids:
                        raise SurfaceError(
                            f"{self.name}: operation {operation.operation_id}: its method name "
                            f"{operation.method_name} is taken by another operation"
                        )
                    seen_ids.add(operation.method_name)
                    self.surface.operations.append(operation)
        return self.surface

    def operation(self, path: str, method: str, item: dict[str, Any], raw: dict[str, Any]) -> Operation:
        operation_id = raw.get("operationId")
        where = f"{self.name}: {method.upper()} {path}"
        if not operation_id:
            raise SurfaceError(f"{where}: no operationId to name its method after")
        where = f"{self.name}: operation {operation_id} ({method.upper()} {path})"
        unsupported = sorted(set(raw) - _SUPPORTED_OPERATION_KEYS)
        if unsupported:
            raise SurfaceError(f"{where}: not supported: {', '.join(unsupported)}")
        tags = raw.get("tags") or []
        if len(tags) != 1:
            raise SurfaceError(f"{where}: needs exactly one tag (one interface per tag), has {tags}")
        tag = tags[0]
        self.surface.tags.setdefault(tag, "")
        parameters = self.parameters(where, path, operation_id, item.get("parameters", []), raw)
        body_model, body_form = self.request_body(where, raw.get("requestBody"))
        status, model, text, headers, problems = self.responses(where, raw.get("responses", {}))
        security = self.security(where, raw)
        # The binding answers these itself; the contract must declare them, or its clients
        # cannot parse the answer (and the strict problem handler refuses it).
        owed = {
            401: ("its security", security.scheme is not None),
            403: ("its required scopes", bool(security.scopes)),
            415: ("its request body", body_model is not None),
            422: ("its parameters or body", body_model is not None or bool(parameters)),
        }
        for code, (why, needed) in owed.items():
            if needed and code not in problems:
                raise SurfaceError(f"{where}: the binding answers {code} for {why}; declare that response")
        return Operation(
            operation_id=operation_id,
            method=method.upper(),
            path=path,
            tag=tag,
            summary=raw.get("summary", ""),
            deprecated=bool(raw.get("deprecated", False)),
            parameters=parameters,
            body_model=body_model,
            body_form=body_form,
            status=status,
            response_model=model,
            response_text=text,
            response_headers=headers,
            problems=problems,
            security=security,
        )

    def parameters(
        self, where: str, path: str, operation_id: str, shared: list[Any], own: dict[str, Any]
    ) -> list[Parameter]:
        merged: dict[tuple[str, str], tuple[str | None, dict[str, Any]]] = {}
        for raw in [*shared, *own.get("parameters", [])]:
            component = raw["$ref"].rsplit("/", 1)[-1] if isinstance(raw, dict) and "$ref" in raw else None
            parameter = self.resolve(raw, where)
            merged[(parameter["name"], parameter["in"])] = (component, parameter)
        templated = set(re.findall(r"\{([^}]+)\}", path))
        result: list[Parameter] = []
        for component, parameter in merged.values():
            result.append(self.parameter(where, operation_id, component, parameter))
        declared_path = {p.name for p in result if p.location == "path"}
        if declared_path != templated:
            raise SurfaceError(f"{where}: path parameters {sorted(declared_path)} do not match {path}")
        # Required ones first: they have no default, and Python wants those before the others.
        return sorted(result, key=lambda p: (not p.required, p.default is not None))

    def parameter(
        self, where: str, operation_id: str, component: str | None, parameter: dict[str, Any]
    ) -> Parameter:
        name, location = parameter["name"], parameter["in"]
        here = f"{where}: parameter {name!r} in {location}"
        if location not in {"path", "query", "header"}:
            raise SurfaceError(f"{here}: parameters in {location} are not supported")
        unsupported = sorted(
            set(parameter)
            - {"name", "in", "required", "description", "schema", "deprecated", "example", "examples"}
        )
        if unsupported:
            raise SurfaceError(f"{here}: not supported: {', '.join(unsupported)}")
        if "schema" not in parameter:
            raise SurfaceError(f"{here}: needs a schema")
        argument = snake(name)
        if not argument.isidentifier() or keyword.iskeyword(argument) or argument in _RESERVED_ARGUMENTS:
            raise SurfaceError(f"{here}: the name {name!r} cannot be a Python argument")
        required = bool(parameter.get("required", False))
        if location == "path" and not required:
            raise SurfaceError(f"{here}: a path parameter must be required")
        schema = self.resolve(parameter["schema"], here)
        python_type = self.scalar_type(here, schema)
        default = schema.get("default")
        if not required and default is None:
            python_type += " | None"
        options = []
        if parameter.get("description"):
            options.append(f"description={' '.join(str(parameter['description']).split())!r}")
        if argument != name:
            options.append(f"alias={name!r}")
        options.extend(
            f"{keyword_}={schema[key]!r}" for key, keyword_ in _CONSTRAINTS.items() if key in schema
        )
        if parameter.get("deprecated"):
            options.append("deprecated=True")
        factory = {"path": "Path", "query": "Query", "header": "Header"}[location]
        definition = f"Annotated[{python_type}, {factory}({', '.join(options)})]"
        # A shared parameter keeps its component's name; one of the same name and meaning
        # elsewhere shares its alias; a clash is told apart by its operation.
        alias = pascal(component) if component else pascal(name)
        known = self.surface.aliases.get(alias)
        if known is not None and known != definition:
            alias = pascal(operation_id) + pascal(name)
        self.surface.aliases[alias] = definition
        return Parameter(
            name=name,
            argument=argument,
            location=location,
            alias=alias,
            python_type=python_type,
            required=required,
            default=None if required else repr(default),
        )

    def scalar_type(self, where: str, schema: dict[str, Any]) -> str:
        keys = set(schema) - _SCHEMA_DOCS - set(_CONSTRAINTS)
        if "enum" in schema:
            values = schema["enum"]
            if not values or not all(isinstance(v, str) for v in values) or keys - {"enum", "type"}:
                raise SurfaceError(f"{where}: only enums of strings are supported")
            return "Literal[" + ", ".join(repr(v) for v in values) + "]"
        if keys != {"type"} or schema["type"] not in _SCALARS:
            raise SurfaceError(
                f"{where}: only a plain integer, number, string or boolean schema (or a string "
                f"enum) is supported, not { {k: schema[k] for k in sorted(keys)} }"
            )
        kind = schema["type"]
        form = schema.get("format")
        if form is not None and (kind not in {"integer", "number"} or form not in _NUMBER_FORMATS):
            raise SurfaceError(f"{where}: format {form!r} is not supported here (nothing would enforce it)")
        allowed = {"integer": {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}}
        allowed["number"] = allowed["integer"]
        allowed["string"] = {"minLength", "maxLength", "pattern"}
        allowed["boolean"] = set()
        misplaced = sorted(set(schema) & set(_CONSTRAINTS) - allowed[kind])
        if misplaced:
            raise SurfaceError(f"{where}: {', '.join(misplaced)} does not apply to a {kind}")
        return _SCALARS[kind]

    def model(self, where: str, schema: Any) -> str:
        if not isinstance(schema, dict) or set(schema) != {"$ref"}:
            raise SurfaceError(f"{where}: the schema must be a $ref to a named schema of components.schemas")
        ref = str(schema["$ref"])
        prefix = "#/components/schemas/"
        if not ref.startswith(prefix):
            raise SurfaceError(f"{where}: {ref} is not in components.schemas")
        name = ref[len(prefix) :]
        target = self.resolve(schema, where)
        if not isinstance(target, dict) or target.get("type") != "object" or name not in self.known_models:
            raise SurfaceError(f"{where}: {ref} must be an object schema with a generated model")
        self.surface.models.add(name)
        return name

    def request_body(self, where: str, raw: Any) -> tuple[str | None, bool]:
        if raw is None:
            return None, False
        body = self.resolve(raw, where)
        here = f"{where}: request body"
        if not body.get("required", False):
            raise SurfaceError(f"{here}: an optional request body is not supported")
        content = body.get("content", {})
        if len(content) != 1:
            raise SurfaceError(f"{here}: exactly one media type is supported, not {sorted(content)}")
        media_type, media = next(iter(content.items()))
        if media_type not in {_JSON, _FORM}:
            raise SurfaceError(f"{here}: media type {media_type} is not supported ({_JSON} or {_FORM})")
        if set(media) - {"schema", "example", "examples"}:
            raise SurfaceError(
                f"{here}: {sorted(set(media) - {'schema', 'example', 'examples'})} not supported"
            )
        return self.model(here, media.get("schema")), media_type == _FORM

    def responses(
        self, where: str, responses: dict[str, Any]
    ) -> tuple[int, str | None, bool, list[tuple[str, str, bool]], list[int]]:
        successes = [status for status in responses if str(status).startswith("2")]
        if len(successes) != 1:
            raise SurfaceError(f"{where}: exactly one 2xx response is supported, not {successes}")
        others = [s for s in responses if not str(s).startswith(("2", "4", "5"))]
        if others:
            raise SurfaceError(f"{where}: responses {others} are not supported (2xx, 4xx and 5xx only)")
        status = int(successes[0])
        success = self.resolve(responses[successes[0]], where)
        here = f"{where}: response {status}"
        if set(success) - {"description", "content", "headers", "links"}:
            raise SurfaceError(
                f"{here}: {sorted(set(success) - {'description', 'content', 'headers', 'links'})} not supported"
            )
        model, text = self.response_body(here, status, success.get("content", {}))
        headers = [self.response_header(here, name, raw) for name, raw in success.get("headers", {}).items()]
        if headers and model is None:
            raise SurfaceError(f"{here}: response headers are supported with a {_JSON} body only")
        problems = sorted(int(s) for s in responses if str(s).startswith(("4", "5")))
        return status, model, text, sorted(headers, key=lambda h: not h[2]), problems

    def response_body(self, here: str, status: int, content: dict[str, Any]) -> tuple[str | None, bool]:
        """(the JSON body's model, whether the body is text) of the success response."""
        if status == 204 and content:
            raise SurfaceError(f"{here}: a 204 has no body")
        if len(content) > 1:
            raise SurfaceError(f"{here}: exactly one media type is supported, not {sorted(content)}")
        if not content:
            return None, False
        media_type, media = next(iter(content.items()))
        if media_type == _JSON:
            return self.model(here, media.get("schema")), False
        if media_type != _TEXT:
            raise SurfaceError(f"{here}: media type {media_type} is not supported ({_JSON} or {_TEXT})")
        if self.resolve(media.get("schema", {}), here).get("type") != "string":
            raise SurfaceError(f"{here}: a {_TEXT} body must have a string schema")
        return None, True

    def response_header(self, here: str, name: str, raw: Any) -> tuple[str, str, bool]:
        where = f"{here}: header {name}"
        declared = self.resolve(raw, where)
        argument = snake(name)
        if not argument.isidentifier() or keyword.iskeyword(argument) or argument == "body":
            raise SurfaceError(f"{where}: cannot be a Python field")
        python_type = self.scalar_type(where, self.resolve(declared.get("schema", {}), where))
        return name, python_type, bool(declared.get("required", False))

    def security(self, where: str, raw: dict[str, Any]) -> Security:
        requirements = raw.get("security", self.contract.get("security", []))
        if requirements == []:
            return Security(scheme=None, field=None, scopes=(), passes_caller=False)
        if len(requirements) != 1 or len(requirements[0]) != 1:
            raise SurfaceError(
                f"{where}: security must be [] or one requirement of one scheme; "
                f"alternatives and combined schemes are not supported: {requirements}"
            )
        scheme, scopes = next(iter(requirements[0].items()))
        declared = self.contract.get("components", {}).get("securitySchemes", {}).get(scheme)
        if declared is None:
            raise SurfaceError(f"{where}: security scheme {scheme} is not declared")
        declared = self.resolve(declared, where)
        kind = declared.get("type")
        if kind == "oauth2":
            flows = declared.get("flows", {})
            known = {scope for flow in flows.values() for scope in flow.get("scopes", {})}
            unknown = sorted(set(scopes) - known)
            if unknown:
                raise SurfaceError(f"{where}: scopes {unknown} are not declared by the flows of {scheme}")
            passes_caller = True
        elif kind == "http" and str(declared.get("scheme", "")).lower() == "bearer":
            passes_caller = False
        else:
            raise SurfaceError(
                f"{where}: security scheme {scheme} of type {kind} is not supported (oauth2, http bearer)"
            )
        self.surface.schemes[scheme] = (snake(scheme), passes_caller)
        return Security(scheme=scheme, field=snake(scheme), scopes=tuple(scopes), passes_caller=passes_caller)
