"""What an events contract (AsyncAPI) declares on the broker, compared between two versions.

The payload rules (the rest of this package, after contract_check's translation) see the
messages only. The channels and operations are the topology both sides declare: the
exchange, each consumer's queue with its arguments, the routing keys a queue is bound with.
Declaring an existing queue with other arguments fails on the broker, and a consumer whose
queue or routing key disappears silently stops receiving events, so here a removed channel
or operation, a changed address or AMQP binding, a changed action or channel of an
operation, and a message dropped from a receive operation are all breaking. New channels,
operations and messages of a receive operation are additive.
"""

from __future__ import annotations

from typing import Any


def _ref_name(node: Any) -> str:
    """The last part of a `$ref`, or the node itself as text."""
    if isinstance(node, dict) and "$ref" in node:
        return str(node["$ref"]).rsplit("/", 1)[-1]
    return repr(node)


def _differences(base: Any, head: Any, path: str) -> list[str]:
    """Every leaf that differs between two JSON values, as `path: base -> head`."""
    if isinstance(base, dict) and isinstance(head, dict):
        found: list[str] = []
        for key in sorted({*base, *head}, key=str):
            found += _differences(base.get(key, "<absent>"), head.get(key, "<absent>"), f"{path}.{key}")
        return found
    return [] if base == head else [f"{path} {base!r} -> {head!r}"]


def _channels(base: dict[str, Any], head: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for key, channel in base.items():
        where = f"channels.{key}"
        if key not in head:
            found.append(f"{where} removed: what declares or consumes it breaks")
            continue
        if channel.get("address") != head[key].get("address"):
            found.append(
                f"{where}.address {channel.get('address')!r} -> {head[key].get('address')!r} moves it"
            )
        found += [
            f"{line} changes what the broker declares (an existing queue or exchange refuses it)"
            for line in _differences(
                channel.get("bindings", {}), head[key].get("bindings", {}), f"{where}.bindings"
            )
        ]
    return found


def _operations(base: dict[str, Any], head: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for key, operation in base.items():
        where = f"operations.{key}"
        if key not in head:
            found.append(f"{where} removed: its consumers or publishers break")
            continue
        new = head[key]
        for field in ("action", "channel"):
            if _ref_name(operation.get(field)) != _ref_name(new.get(field)):
                found.append(
                    f"{where}.{field} {_ref_name(operation.get(field))} -> {_ref_name(new.get(field))} changes it"
                )
        if operation.get("action") == "receive":
            kept = {_ref_name(m) for m in new.get("messages", [])}
            for message in operation.get("messages", []):
                if _ref_name(message) not in kept:
                    found.append(f"{where}.messages -{_ref_name(message)}: its consumers stop receiving it")
        found += [
            f"{line} changes how it is sent or acknowledged"
            for line in _differences(
                operation.get("bindings", {}), new.get("bindings", {}), f"{where}.bindings"
            )
        ]
    return found


def breaking_topology_changes(base: dict[str, Any], head: dict[str, Any]) -> list[str]:
    """The breaking changes of `head` against `base`, two AsyncAPI documents."""
    return _channels(base.get("channels", {}), head.get("channels", {})) + _operations(
        base.get("operations", {}), head.get("operations", {})
    )
