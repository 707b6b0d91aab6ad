"""Who validates each value a contract describes, with which version, and which keywords.

A change breaks a reader when the version the reader validates with refuses a value that
the version its writer follows allows. The service reads requests with the new contract
while deployed clients still write with the old one; clients and event consumers read
with the code generated from the old contract while the service writes with the new one.
So a request may not narrow, and a response or event may not widen, on a keyword its
reader enforces. docs/contract-check.md says the same for people.
"""

from __future__ import annotations

from dataclasses import dataclass

from tools.constraints.keywords import CONSTRAINTS, ENUM, UNIQUE_ITEMS, Keyword, format_keyword


@dataclass(frozen=True)
class Reader:
    keywords: tuple[Keyword, ...]
    reads_with_head: bool
    """True: the reader validates with the new version (the service reading requests)."""
    effect: str


# Requests: the service validates every keyword the contract states (FastAPI with the
# generated Pydantic models; a conforming server of any make may do the same).
SERVICE = Reader(
    keywords=(*CONSTRAINTS, UNIQUE_ITEMS, ENUM, format_keyword(None)),
    reads_with_head=True,
    effect="narrows what a request may carry",
)

# Responses: openapi-python-client's models validate no length, bound, pattern or closed
# object; they parse these formats (datetime.fromisoformat, date.fromisoformat, UUID(),
# File) and fail on a value that is not one, and they check enum and const values (a
# Literal and its check function), also inside arrays. Type changes and fields that are
# no longer required are Optic's breaking-change rules.
HTTP_CLIENT = Reader(
    keywords=(ENUM, format_keyword(frozenset({"date-time", "date", "uuid", "binary"}))),
    reads_with_head=False,
    effect="widens a response beyond what the generated clients parse",
)

# Event payloads: consumers validate with the Pydantic models datamodel-codegen makes of
# events.yaml (generated/contract_models/events.py; business_service/relay.py does), which
# enforce every length, bound, multipleOf, pattern and enum (a Literal), forbid unlisted
# fields where additionalProperties is false, and type these formats. uniqueItems is not
# enforced (the model is a plain list), and other formats stay plain strings.
PYDANTIC_FORMATS = frozenset(
    {
        "date-time",
        "date",
        "time",
        "duration",
        "uuid",
        "uuid1",
        "uuid2",
        "uuid3",
        "uuid4",
        "uuid5",
        "email",
        "idn-email",
        "uri",
        "hostname",
        "ipv4",
        "ipv6",
        "ipv4-network",
        "ipv6-network",
        "byte",
        "decimal",
        "ulid",
    }
)
EVENT_CONSUMER = Reader(
    keywords=(*CONSTRAINTS, ENUM, format_keyword(PYDANTIC_FORMATS)),
    reads_with_head=False,
    effect="widens an event payload beyond what consumers' generated models accept",
)
