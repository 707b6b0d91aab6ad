"""Whether one schema refuses a value another accepts, judged one keyword at a time.

Every check takes `(strict, loose)` and answers: does `strict` refuse some value that
`loose` allows, because of this keyword alone? Which version of the contract plays which
role depends on who reads the value (see readers.py). The text of a change always reads
from the base version to the head version.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

Schema = Mapping[str, Any]
Number = int | float


def _number(value: object) -> Number | None:
    # YAML's true is a bool, and a bool is an int to Python; neither is a limit.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _shown(value: object) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, str) else str(value)


@dataclass(frozen=True)
class Keyword:
    """One comparison: `refuses_more(strict, loose)` and how a change of it reads."""

    name: str
    refuses_more: Callable[[Schema, Schema], bool]
    describe: Callable[[Schema, Schema], str]


def _plain(name: str, refuses_more: Callable[[Schema, Schema], bool]) -> Keyword:
    return Keyword(
        name, refuses_more, lambda base, head: f"{name} {_shown(base.get(name))} -> {_shown(head.get(name))}"
    )


def _at_most(name: str) -> Keyword:
    """maxLength, maxItems, maxProperties: a lower limit, or a new one, refuses more."""

    def refuses_more(strict: Schema, loose: Schema) -> bool:
        limit, other = _number(strict.get(name)), _number(loose.get(name))
        return limit is not None and (other is None or limit < other)

    return _plain(name, refuses_more)


def _at_least(name: str) -> Keyword:
    """minLength, minItems, minProperties: absent is 0, and a higher limit refuses more."""

    def refuses_more(strict: Schema, loose: Schema) -> bool:
        return (_number(strict.get(name)) or 0) > (_number(loose.get(name)) or 0)

    return _plain(name, refuses_more)


@dataclass(frozen=True)
class _Bound:
    value: Number
    exclusive: bool


def _bounds(schema: Schema, inclusive: str, exclusive: str) -> list[_Bound]:
    found = []
    limit, flag = _number(schema.get(inclusive)), schema.get(exclusive)
    if limit is not None:
        # OpenAPI 3.0 writes an exclusive limit as `maximum: 5` with `exclusiveMaximum: true`.
        found.append(_Bound(limit, exclusive=flag is True))
    if (value := _number(flag)) is not None:
        found.append(_Bound(value, exclusive=True))
    return found


def _upper(schema: Schema) -> _Bound | None:
    # The tightest upper bound: the smallest value, and exclusive before inclusive at a tie.
    return min(
        _bounds(schema, "maximum", "exclusiveMaximum"), key=lambda b: (b.value, not b.exclusive), default=None
    )


def _lower(schema: Schema) -> _Bound | None:
    return max(
        _bounds(schema, "minimum", "exclusiveMinimum"), key=lambda b: (b.value, b.exclusive), default=None
    )


def _bound_keyword(
    name: str, exclusive_name: str, bound: Callable[[Schema], _Bound | None], sign: int
) -> Keyword:
    """maximum/exclusiveMaximum (sign 1) or minimum/exclusiveMinimum (sign -1), taken together,
    so that `maximum: 100` -> `exclusiveMaximum: 100` is one narrowing and not a removal."""

    def refuses_more(strict: Schema, loose: Schema) -> bool:
        mine, other = bound(strict), bound(loose)
        if mine is None:
            return False
        if other is None:
            return True
        if mine.value != other.value:
            return sign * mine.value < sign * other.value
        return mine.exclusive and not other.exclusive

    def describe(base: Schema, head: Schema) -> str:
        before, after = bound(base), bound(head)
        both_exclusive = all(b is not None and b.exclusive for b in (before, after))
        label = exclusive_name if both_exclusive else name

        def shown(b: _Bound | None) -> str:
            if b is None:
                return "(none)"
            return f"{b.value}" if both_exclusive or not b.exclusive else f"{b.value} (exclusive)"

        return f"{label} {shown(before)} -> {shown(after)}"

    return Keyword(name, refuses_more, describe)


def _multiple_of(strict: Schema, loose: Schema) -> bool:
    step, other = _number(strict.get("multipleOf")), _number(loose.get("multipleOf"))
    if step is None:
        return False
    if other is None:
        return True
    # Every multiple of `other` is a multiple of `step` only when `other` itself is one.
    # Fractions of the written decimals, so that 0.1 and 0.3 compare as a person reads them.
    return (Fraction(str(other)) / Fraction(str(step))).denominator != 1


def _pattern(strict: Schema, loose: Schema) -> bool:
    # Whether one regular expression matches less than another is undecidable in general:
    # any new or different pattern counts as refusing more.
    return "pattern" in strict and strict.get("pattern") != loose.get("pattern")


def format_keyword(enforced: frozenset[str] | None) -> Keyword:
    """`format`, for a reader that enforces the formats in `enforced` (every format: None)."""

    def refuses_more(strict: Schema, loose: Schema) -> bool:
        fmt = strict.get("format")
        return fmt is not None and (enforced is None or fmt in enforced) and loose.get("format") != fmt

    return _plain("format", refuses_more)


def _closed(strict: Schema, loose: Schema) -> bool:
    return strict.get("additionalProperties") is False and loose.get("additionalProperties") is not False


def _unique(strict: Schema, loose: Schema) -> bool:
    return strict.get("uniqueItems") is True and loose.get("uniqueItems") is not True


def _properties(schema: Schema) -> set[str]:
    found = schema.get("properties")
    return set(found) if isinstance(found, Mapping) else set()


def _unlisted_property(strict: Schema, loose: Schema) -> bool:
    """A closed object refuses every property it does not list; one the other version lists
    (a property added to an event payload, or removed from a request body) is refused."""
    return strict.get("additionalProperties") is False and bool(_properties(loose) - _properties(strict))


def _describe_properties(base: Schema, head: Schema) -> str:
    added = [f"+{name}" for name in sorted(_properties(head) - _properties(base))]
    removed = [f"-{name}" for name in sorted(_properties(base) - _properties(head))]
    return f"properties {' '.join(added + removed)} under additionalProperties: false"


def _values(schema: Schema) -> list[Any] | None:
    """The values `enum` or `const` allows; None when any value of the type is allowed."""
    if isinstance(schema.get("enum"), list):
        return list(schema["enum"])
    if "const" in schema:
        return [schema["const"]]
    return None


def _enum(strict: Schema, loose: Schema) -> bool:
    allowed, other = _values(strict), _values(loose)
    return allowed is not None and (other is None or any(value not in allowed for value in other))


def _describe_enum(base: Schema, head: Schema) -> str:
    before, after = _values(base), _values(head)
    if before is None or after is None:
        return f"enum {_shown(before)} -> {_shown(after)}"
    added = [f"+{_shown(value)}" for value in after if value not in before]
    removed = [f"-{_shown(value)}" for value in before if value not in after]
    return f"enum {' '.join(added + removed)}"


# Optic's enum rules judge the enum of a property or a parameter, but not of an array's
# items, a map's values or a body's root; places.py says which place is which.
ENUM = Keyword("enum", _enum, _describe_enum)

CONSTRAINTS: tuple[Keyword, ...] = (
    _at_most("maxLength"),
    _at_least("minLength"),
    _at_most("maxItems"),
    _at_least("minItems"),
    _at_most("maxProperties"),
    _at_least("minProperties"),
    _bound_keyword("maximum", "exclusiveMaximum", _upper, sign=1),
    _bound_keyword("minimum", "exclusiveMinimum", _lower, sign=-1),
    _plain("multipleOf", _multiple_of),
    _plain("pattern", _pattern),
    _plain("additionalProperties", _closed),
    Keyword("properties", _unlisted_property, _describe_properties),
)
UNIQUE_ITEMS = _plain("uniqueItems", _unique)
