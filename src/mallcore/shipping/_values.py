"""The converters and validators shipping's values share (one copy, not one per module)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

import attrs

from mallcore.errors import InvalidValue
from mallcore.money import Money

__all__ = [
    "as_mapping",
    "as_tuple",
    "codes",
    "measure",
    "non_empty",
    "not_negative",
    "optional_measure",
    "positive",
    "positive_int",
]


def measure(value: Decimal | int | str) -> Decimal:
    """A weight, volume or count as a finite, non-negative Decimal (floats refused).

    >>> measure("2.3")
    Decimal('2.3')
    """
    if isinstance(value, float | bool) or not isinstance(value, Decimal | int | str):
        raise TypeError(f"a measure must be a Decimal, int or str, not {value!r}")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise InvalidValue("measure", value, "is not a decimal number") from None
    if not number.is_finite() or number < 0:
        raise InvalidValue("measure", value, "must be a finite number, not negative")
    return number


def optional_measure(value: Decimal | int | str | None) -> Decimal | None:
    """:func:`measure`, or None."""
    return None if value is None else measure(value)


def codes(values: Any) -> frozenset[str]:
    """Region codes (or ids) as a frozenset."""
    return frozenset(values)


def as_tuple(values: Any) -> tuple[Any, ...]:
    """Any iterable as a tuple."""
    return tuple(values)


def as_mapping(values: Any) -> Mapping[str, Any]:
    """Any mapping (or pairs) as a read-only copy, safe inside a frozen value."""
    return MappingProxyType(dict(values))


def positive_int(instance: object, attribute: attrs.Attribute[Any], value: int) -> None:
    """Refuse anything but a whole number of at least 1."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidValue(attribute.name, value, "must be a whole number of at least 1")


def not_negative(instance: object, attribute: attrs.Attribute[Any], value: Money | None) -> None:
    """Refuse an amount below zero (None passes)."""
    if value is not None and value.is_negative():
        raise InvalidValue(attribute.name, value, "must not be negative")


def positive(
    instance: object, attribute: attrs.Attribute[Any], value: Money | Decimal | None
) -> None:
    """Refuse an amount or measure of zero or less (None passes)."""
    if value is None:
        return
    number = value.amount if isinstance(value, Money) else value
    if number <= 0:
        raise InvalidValue(attribute.name, value, "must be positive")


def non_empty(instance: object, attribute: attrs.Attribute[Any], value: frozenset[str]) -> None:
    """Refuse an empty set."""
    if not value:
        raise InvalidValue(attribute.name, value, "must not be empty")
