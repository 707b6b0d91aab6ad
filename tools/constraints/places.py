"""Every place where both versions of an OpenAPI document put a schema, side by side.

A place is one value an operation carries, seen through both versions: a parameter, a
request body or a response body, and each property, item and branch inside them, with
`$ref`s followed. Each place knows whether a request or a response carries it, where
the operation uses it (`POST /auth/register body.username`) and where the head version
writes its schema (`components.schemas.Username`). Places only one version has are added
or removed operations, fields and statuses: Optic's breaking-change rules judge those.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Side = Literal["request", "response"]
Where = tuple[str, ...]
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
UNIONS = ("allOf", "anyOf", "oneOf")


class UnresolvableReference(Exception):
    """A `$ref` that does not point into the same document (or points at itself)."""


@dataclass(frozen=True)
class Place:
    side: Side
    usage: str
    origin: str
    base: Mapping[str, Any]
    head: Mapping[str, Any]
    enum_judged_by_optic: bool
    """Optic's enum rules judge an object's property or a parameter, but skip anything
    inside a oneOf or anyOf; everywhere else (items, map values, a body's root) they do not."""


def _pointer(ref: str) -> Where:
    return tuple(token.replace("~1", "/").replace("~0", "~") for token in ref[2:].split("/"))


def resolve(document: Mapping[str, Any], node: Any, where: Where) -> tuple[Any, Where]:
    """`node` with its `$ref`s followed, and where the result is written."""
    seen: set[str] = set()
    while isinstance(node, Mapping) and "$ref" in node:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/") or ref in seen:
            raise UnresolvableReference(f"cannot follow $ref {ref!r} at {'.'.join(where)}")
        seen.add(ref)
        target: Any = document
        for token in _pointer(ref):
            try:
                target = target[int(token)] if isinstance(target, list) else target[token]
            except (KeyError, IndexError, ValueError, TypeError):
                raise UnresolvableReference(f"$ref {ref!r} at {'.'.join(where)} points at nothing") from None
        # OpenAPI 3.1 lets keywords stand beside a $ref; they apply along with the target's.
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        node = {**target, **siblings} if siblings and isinstance(target, Mapping) else target
        where = _pointer(ref)
    return node, where


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


@dataclass(frozen=True)
class _Pair:
    """One node of each version, and where each version writes it."""

    base: Any
    base_where: Where
    head: Any
    head_where: Where


class _Walk:
    def __init__(self, base: Mapping[str, Any], head: Mapping[str, Any]) -> None:
        self.base = base
        self.head = head

    def _resolved(self, pair: _Pair) -> _Pair:
        base, base_where = resolve(self.base, pair.base, pair.base_where)
        head, head_where = resolve(self.head, pair.head, pair.head_where)
        return _Pair(base, base_where, head, head_where)

    def _children(self, pair: _Pair, key: str) -> Iterator[tuple[str, _Pair]]:
        """The entries of mapping `key` that both versions have, each as a pair."""
        base, head = _mapping(pair.base.get(key)), _mapping(pair.head.get(key))
        for name in head:
            if name in base:
                yield (
                    name,
                    _Pair(
                        base[name], (*pair.base_where, key, name), head[name], (*pair.head_where, key, name)
                    ),
                )

    def operations(self) -> Iterator[Place]:
        paths = _Pair(self.base, (), self.head, ())
        for path, written in self._children(paths, "paths"):
            item = self._resolved(written)
            for method in HTTP_METHODS:
                base_op, head_op = item.base.get(method), item.head.get(method)
                if not (isinstance(base_op, Mapping) and isinstance(head_op, Mapping)):
                    continue
                operation = _Pair(base_op, (*item.base_where, method), head_op, (*item.head_where, method))
                label = f"{method.upper()} {path}"
                yield from self._parameters(label, item, operation)
                yield from self._request(label, operation)
                yield from self._responses(label, operation)

    def _parameter_pairs(
        self, owner: _Pair, side: Literal["base", "head"]
    ) -> dict[tuple[str, str], tuple[Any, Where]]:
        node, where = (owner.base, owner.base_where) if side == "base" else (owner.head, owner.head_where)
        document = self.base if side == "base" else self.head
        found = {}
        for index, raw in enumerate(node.get("parameters") or []):
            parameter, at = resolve(document, raw, (*where, "parameters", str(index)))
            if isinstance(parameter, Mapping):
                found[(str(parameter.get("in")), str(parameter.get("name")))] = (parameter, at)
        return found

    def _parameters(self, label: str, item: _Pair, operation: _Pair) -> Iterator[Place]:
        def merged(side: Literal["base", "head"]) -> dict[tuple[str, str], tuple[Any, Where]]:
            # An operation's parameter replaces the path item's of the same name and location.
            return {**self._parameter_pairs(item, side), **self._parameter_pairs(operation, side)}

        base, head = merged("base"), merged("head")
        for key, (head_parameter, head_where) in head.items():
            if key not in base:
                continue
            base_parameter, base_where = base[key]
            parameter = _Pair(base_parameter, base_where, head_parameter, head_where)
            usage = f"{label} {key[0]}.{key[1]}"
            if "schema" in head_parameter and "schema" in base_parameter:
                schema = _Pair(
                    base_parameter["schema"],
                    (*base_where, "schema"),
                    head_parameter["schema"],
                    (*head_where, "schema"),
                )
                yield from self._schema("request", usage, schema, named=True)
            for _, media in self._children(parameter, "content"):
                yield from self._media("request", usage, media)

    def _request(self, label: str, operation: _Pair) -> Iterator[Place]:
        if "requestBody" not in operation.base or "requestBody" not in operation.head:
            return
        body = self._resolved(
            _Pair(
                operation.base["requestBody"],
                (*operation.base_where, "requestBody"),
                operation.head["requestBody"],
                (*operation.head_where, "requestBody"),
            )
        )
        for _, media in self._children(body, "content"):
            yield from self._media("request", f"{label} body", media)

    def _responses(self, label: str, operation: _Pair) -> Iterator[Place]:
        for status, written in self._children(operation, "responses"):
            response = self._resolved(written)
            for _, media in self._children(response, "content"):
                yield from self._media("response", f"{label} {status} body", media)

    def _media(self, side: Side, usage: str, media: _Pair) -> Iterator[Place]:
        media = self._resolved(media)
        if "schema" in media.base and "schema" in media.head:
            schema = _Pair(
                media.base["schema"],
                (*media.base_where, "schema"),
                media.head["schema"],
                (*media.head_where, "schema"),
            )
            yield from self._schema(side, usage, schema, named=False)

    def _schema(
        self,
        side: Side,
        usage: str,
        pair: _Pair,
        *,
        named: bool,
        in_union: bool = False,
        visiting: frozenset[tuple[Where, Where]] = frozenset(),
    ) -> Iterator[Place]:
        pair = self._resolved(pair)
        if not (isinstance(pair.base, Mapping) and isinstance(pair.head, Mapping)):
            return  # boolean schemas: nothing to compare keyword by keyword
        key = (pair.base_where, pair.head_where)
        if key in visiting:
            return  # a recursive schema, already being compared at this place
        visiting = visiting | {key}
        is_union = any(
            keyword in schema for keyword in ("oneOf", "anyOf") for schema in (pair.base, pair.head)
        )
        judged = named and not in_union and not is_union
        yield Place(side, usage, ".".join(pair.head_where), pair.base, pair.head, judged)
        for name, child in self._children(pair, "properties"):
            yield from self._schema(
                side, f"{usage}.{name}", child, named=True, in_union=in_union, visiting=visiting
            )
        for keyword, suffix in (("items", "[]"), ("additionalProperties", ".*")):
            if isinstance(pair.base.get(keyword), Mapping) and isinstance(pair.head.get(keyword), Mapping):
                child = _Pair(
                    pair.base[keyword],
                    (*pair.base_where, keyword),
                    pair.head[keyword],
                    (*pair.head_where, keyword),
                )
                yield from self._schema(
                    side, usage + suffix, child, named=False, in_union=in_union, visiting=visiting
                )
        # Positional lists: prefixItems by position, and union branches by position as Optic
        # pairs them (a reordered union is compared branch by branch as written).
        for keyword in ("prefixItems", *UNIONS):
            base_list, head_list = pair.base.get(keyword), pair.head.get(keyword)
            if not (isinstance(base_list, list) and isinstance(head_list, list)):
                continue
            for index, (base_branch, head_branch) in enumerate(zip(base_list, head_list, strict=False)):
                child = _Pair(
                    base_branch,
                    (*pair.base_where, keyword, str(index)),
                    head_branch,
                    (*pair.head_where, keyword, str(index)),
                )
                if keyword == "prefixItems":
                    yield from self._schema(
                        side, f"{usage}[{index}]", child, named=False, in_union=in_union, visiting=visiting
                    )
                else:  # a branch is the same value as its union, so the same usage
                    yield from self._schema(
                        side,
                        usage,
                        child,
                        named=named,
                        in_union=in_union or keyword != "allOf",
                        visiting=visiting,
                    )


def places(base: Mapping[str, Any], head: Mapping[str, Any]) -> Iterator[Place]:
    """Every schema both versions of an OpenAPI document give the same place."""
    return _Walk(base, head).operations()
