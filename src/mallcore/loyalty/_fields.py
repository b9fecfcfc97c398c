"""The validators and converters loyalty's values share.

Each validator lets None pass, so that one serves a required field (where
the type already rules None out) and its optional twin.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from mallcore.catalog.listing import require_aware
from mallcore.errors import InvalidValue

__all__ = [
    "aware",
    "non_negative",
    "positive",
    "text",
    "to_decimal",
    "to_frozenset",
    "to_optional_decimal",
    "to_tuple",
]


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def non_negative(instance: object, attribute: attrs.Attribute[Any], value: int | None) -> None:
    """A whole number, zero or more."""
    if value is not None and (not _is_whole(value) or value < 0):
        raise InvalidValue(attribute.name, value, "must be a whole number, not negative")


def positive(instance: object, attribute: attrs.Attribute[Any], value: int | None) -> None:
    """A whole number, at least 1."""
    if value is not None and (not _is_whole(value) or value < 1):
        raise InvalidValue(attribute.name, value, "must be a whole number of at least 1")


def text(instance: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    """A string that is not blank."""
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise InvalidValue(attribute.name, value, "must be a non-empty string")


def aware(instance: object, attribute: attrs.Attribute[Any], value: datetime | None) -> None:
    """A timezone-aware datetime."""
    if value is not None:
        require_aware(attribute.name, value)


def to_decimal(value: Decimal | int | str) -> Decimal:
    """A rate or percentage as a Decimal; floats are refused (TypeError)."""
    if isinstance(value, float | bool):
        raise TypeError(f"a rate must be a Decimal, int or str, not {value!r}")
    return Decimal(value)


def to_optional_decimal(value: Decimal | int | str | None) -> Decimal | None:
    """:func:`to_decimal`, None kept."""
    return None if value is None else to_decimal(value)


def to_tuple(values: Iterable[Any]) -> tuple[Any, ...]:
    """Any iterable as a tuple."""
    return tuple(values)


def to_frozenset(values: Iterable[str]) -> frozenset[str]:
    """Any iterable of ids as a frozenset."""
    return frozenset(values)
