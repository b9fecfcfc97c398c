"""The converters and validators shipping's values share (one copy, not one per module)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import attrs

from mallcore._fields import decimal_number, strings, to_frozenset, to_tuple
from mallcore.errors import InvalidValue, WrongType

__all__ = [
    "as_mapping",
    "as_tuple",
    "codes",
    "measure",
    "non_empty",
    "optional_measure",
]


def measure(value: Decimal | int | str) -> Decimal:
    """A weight, volume or count as a finite, non-negative Decimal (floats refused).

    >>> measure("2.3")
    Decimal('2.3')
    """
    number = decimal_number("measure", value)
    if number < 0:
        raise InvalidValue("measure", value, "must be a finite number, not negative")
    return number


def optional_measure(value: Decimal | int | str | None) -> Decimal | None:
    """:func:`measure`, or None."""
    return None if value is None else measure(value)


def codes(values: Any) -> Any:
    """Region codes (or ids) as a frozenset; anything else unchanged, for ``strings`` to name."""
    return to_frozenset(values)


def as_tuple(values: Any) -> Any:
    """Any collection as a tuple; anything else unchanged, for the field's validator to name."""
    return to_tuple(values)


def as_mapping(values: Any) -> Mapping[str, Any]:
    """Any mapping (or pairs) as a read-only copy, safe inside a frozen value."""
    try:
        return MappingProxyType(dict(values))
    except (TypeError, ValueError):
        raise WrongType("mapping", values, "mapping or (key, value) pairs") from None


def non_empty(instance: object, attribute: attrs.Attribute[Any], value: frozenset[str]) -> None:
    """Refuse anything but a non-empty set of strings."""
    strings(instance, attribute, value)
    if not value:
        raise InvalidValue(attribute.name, value, "must not be empty")
