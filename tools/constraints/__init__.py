"""Constraint changes that break a contract's readers: what Optic's rules do not compare.

    findings = breaking_changes(base_document, head_document, responses=HTTP_CLIENT)

Both documents are OpenAPI (events.yaml after tools/contract_check.py's translation, read
by EVENT_CONSUMER). Each finding names where the head version writes the schema, the
keyword with both values, whom it breaks, and the operations that use it:

    components.schemas.Username maxLength 32 -> 20 narrows what a request may carry
    (PATCH /users/me body.username, POST /auth/register body.username)

A schema used by requests and responses is judged for both. docs/contract-check.md lists
the rules, which side each guards and why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tools.constraints.keywords import ENUM
from tools.constraints.places import UnresolvableReference, places
from tools.constraints.readers import EVENT_CONSUMER, HTTP_CLIENT, SERVICE, Reader

__all__ = ["EVENT_CONSUMER", "HTTP_CLIENT", "Finding", "Reader", "UnresolvableReference", "breaking_changes"]

SHOWN_USAGES = 4


@dataclass(frozen=True)
class Finding:
    origin: str
    change: str
    effect: str
    usages: tuple[str, ...]

    def __str__(self) -> str:
        shown = ", ".join(self.usages[:SHOWN_USAGES])
        if len(self.usages) > SHOWN_USAGES:
            shown += f", and {len(self.usages) - SHOWN_USAGES} more"
        return f"{self.origin} {self.change} {self.effect} ({shown})"


def breaking_changes(base: Mapping[str, Any], head: Mapping[str, Any], *, responses: Reader) -> list[Finding]:
    """The constraint changes from `base` to `head` that some reader refuses; requests are
    read by the service, responses by `responses`."""
    found: dict[tuple[str, str, str], list[str]] = {}
    for place in places(base, head):
        reader = SERVICE if place.side == "request" else responses
        strict, loose = (place.head, place.base) if reader.reads_with_head else (place.base, place.head)
        for keyword in reader.keywords:
            if keyword is ENUM and place.enum_judged_by_optic:
                continue  # said once, by Optic
            if keyword.refuses_more(strict, loose):
                usages = found.setdefault(
                    (place.origin, keyword.describe(place.base, place.head), reader.effect), []
                )
                if place.usage not in usages:
                    usages.append(place.usage)
    return [
        Finding(origin, change, effect, tuple(sorted(usages)))
        for (origin, change, effect), usages in sorted(found.items())
    ]
