"""The one home of field validators: the rules every edge checks in the same words.

The id rule (orders, SKUs, products, customers, coupons, templates, ...):
an id is a ``str`` of 1 to :data:`ID_MAX_LENGTH` characters, with no control
character (NUL included) and no leading or trailing whitespace. Anything
else is refused with :class:`~mallcore.errors.WrongType` (not a string) or
:class:`~mallcore.errors.InvalidValue` (a string that breaks the rule), the
field named.

>>> identifier("order_id", "O-2026-0001")
'O-2026-0001'
>>> identifier("order_id", " O-1")
Traceback (most recent call last):
...
mallcore.errors.InvalidValue: order_id: must not start or end with whitespace (got ' O-1')
"""

from __future__ import annotations

import unicodedata
from typing import Any, Final

import attrs

from mallcore.errors import InvalidValue, WrongType

__all__ = ["ID_MAX_LENGTH", "id_field", "identifier", "is_identifier"]

ID_MAX_LENGTH: Final = 64
"""The longest id mallcore accepts, in characters."""


def _broken_rule(value: str) -> str | None:
    """What is wrong with the string ``value`` as an id, or None when it is a valid id."""
    if not value:
        return "must not be empty"
    if len(value) > ID_MAX_LENGTH:
        return f"must be at most {ID_MAX_LENGTH} characters"
    if value != value.strip():
        return "must not start or end with whitespace"
    if any(unicodedata.category(char) == "Cc" for char in value):
        return "must not contain control characters"
    return None


def is_identifier(value: object) -> bool:
    """Whether ``value`` follows the id rule."""
    return isinstance(value, str) and _broken_rule(value) is None


def identifier(field: str, value: object) -> str:
    """``value`` if it follows the id rule; WrongType or InvalidValue naming ``field`` if not."""
    if not isinstance(value, str):
        raise WrongType(field, value, "str")
    broken = _broken_rule(value)
    if broken is not None:
        raise InvalidValue(field, value, broken)
    return value


def id_field(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: the field follows the id rule (None passes, for optional ids)."""
    if value is not None:
        identifier(attribute.name, value)
