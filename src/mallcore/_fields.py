"""The one home of field validators: the rules every edge checks in the same words.

Each rule comes as a function naming its field (``identifier(field, value)``)
and as an attrs validator (``id_field``) that names the attribute. A wrong
Python type raises :class:`~mallcore.errors.WrongType`, a wrong value
:class:`~mallcore.errors.InvalidValue`, a value past a documented limit
:class:`~mallcore.errors.LimitExceeded` (:mod:`mallcore.limits`). Converters
(``to_decimal``, ``to_tuple``, ``to_frozenset``) only normalise: what they
cannot convert they pass on unchanged, for the field's validator to refuse
by name. Validators refuse None (WrongType); an optional field wraps its
validator in ``attrs.validators.optional``. (The id rule's ``id_field`` lets
None pass, for optional ids.)

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

import math
import re
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, Final, TypeVar

import attrs

from mallcore.errors import InvalidValue, LimitExceeded, WrongType
from mallcore.limits import DECIMAL_DIGITS, DECIMAL_EXPONENT, SPAN_DAYS
from mallcore.money import Money

__all__ = [
    "CONTROL_CHARACTERS",
    "ID_MAX_LENGTH",
    "ZONE_MAX_LENGTH",
    "aware",
    "aware_field",
    "decimal_field",
    "decimal_number",
    "flag",
    "id_field",
    "identifier",
    "instance_of",
    "is_identifier",
    "members",
    "money",
    "non_negative",
    "non_negative_decimal",
    "non_negative_money",
    "percent",
    "positive",
    "positive_decimal",
    "positive_money",
    "span",
    "span_days",
    "string",
    "strings",
    "text",
    "time_zone",
    "time_zone_field",
    "to_decimal",
    "to_frozenset",
    "to_tuple",
    "typed",
    "unit_counts",
    "whole_number",
]

T = TypeVar("T")

ID_MAX_LENGTH: Final = 64
"""The longest id mallcore accepts, in characters."""

CONTROL_CHARACTERS: Final = re.compile("[\x00-\x1f\x7f-\x9f]")
"""Unicode's control characters (category Cc, fixed by the standard: C0, DEL and C1)."""


def _broken_rule(value: str) -> str | None:
    """What is wrong with the string ``value`` as an id, or None when it is a valid id."""
    if not value:
        return "must not be empty"
    if len(value) > ID_MAX_LENGTH:
        return f"must be at most {ID_MAX_LENGTH} characters"
    if value != value.strip():
        return "must not start or end with whitespace"
    if CONTROL_CHARACTERS.search(value):
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


# whole numbers -------------------------------------------------------------------


def typed(field: str, value: T, kind: type | tuple[type, ...], name: str) -> T:
    """``value`` if it is a ``kind`` (``name``), else WrongType naming ``field``."""
    if not isinstance(value, kind):
        raise WrongType(field, value, name)
    return value


UNITS_MAX: Final = 1_000_000
"""The most units of one line any command takes (InputLimits' hard ceiling)."""


def unit_counts(field: str, value: object) -> dict[str, int]:
    """A mapping of ids to unit counts (1 to :data:`UNITS_MAX`), else WrongType or InvalidValue."""
    if not isinstance(value, Mapping):
        raise WrongType(field, value, "mapping of id to units")
    checked: dict[str, int] = {}
    for key, count in value.items():
        identifier(f"{field} key", key)
        whole_number(f"{field}[{key!r}]", count, 1)
        if count > UNITS_MAX:
            raise InvalidValue(f"{field}[{key!r}]", count, f"must be at most {UNITS_MAX}")
        checked[key] = count
    return checked


def whole_number(field: str, value: object, minimum: int) -> int:
    """``value`` if an int (not a bool) of at least ``minimum``, else WrongType or InvalidValue.

    >>> whole_number("quantity", 0, 1)
    Traceback (most recent call last):
    ...
    mallcore.errors.InvalidValue: quantity: must be 1 or more (got 0)
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise WrongType(field, value, "int")
    if value < minimum:
        raise InvalidValue(field, value, f"must be {minimum} or more")
    return value


def seconds(field: str, value: object, *, zero: bool = False) -> float:
    """``value`` if a finite number of seconds above 0 (or 0 too, with ``zero``).

    Else WrongType (not an int or float, or a bool) or InvalidValue. For
    timeouts and intervals a host configures.

    >>> seconds("timeout", -1)
    Traceback (most recent call last):
    ...
    mallcore.errors.InvalidValue: timeout: must be a number of seconds above 0 (got -1)
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise WrongType(field, value, "int or float")
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero):
        least = "0 or more" if zero else "above 0"
        raise InvalidValue(field, value, f"must be a number of seconds {least}")
    return float(value)


def non_negative(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: a whole number, 0 or more."""
    whole_number(attribute.name, value, 0)


def positive(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: a whole number, 1 or more."""
    whole_number(attribute.name, value, 1)


def span_days(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: a number of days, 1 up to :data:`~mallcore.limits.SPAN_DAYS`."""
    if whole_number(attribute.name, value, 1) > SPAN_DAYS:
        raise LimitExceeded(attribute.name, value, "span_days", SPAN_DAYS)


def span(field: str, value: object) -> timedelta:
    """``value`` if it is a positive timedelta of at most :data:`~mallcore.limits.SPAN_DAYS` days.

    >>> span("hold", timedelta(days=10**6)).days
    Traceback (most recent call last):
    ...
    mallcore.errors.LimitExceeded: hold: exceeds the limit span_days of 36600 (got ...)
    """
    if not isinstance(value, timedelta):
        raise WrongType(field, value, "timedelta")
    if value <= timedelta(0):
        raise InvalidValue(field, value, "must be positive")
    if value > timedelta(days=SPAN_DAYS):
        raise LimitExceeded(field, value, "span_days", SPAN_DAYS)
    return value


# decimals ------------------------------------------------------------------------


def decimal_number(field: str, value: object) -> Decimal:
    """``value`` (a Decimal, an int or a numeric str) as a finite Decimal within the limits.

    Floats are refused (they cannot hold 0.1 exactly), so are NaN and the
    infinities, and numbers with more significant digits or a larger power of
    ten than :data:`~mallcore.limits.DECIMAL_DIGITS` and
    :data:`~mallcore.limits.DECIMAL_EXPONENT` allow.

    >>> decimal_number("weight", "2.5")
    Decimal('2.5')
    >>> decimal_number("w", "1E-99")
    Traceback (most recent call last):
    ...
    mallcore.errors.LimitExceeded: w: exceeds the limit decimal_exponent of 18 (got '1E-99')
    """
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | str) and not isinstance(value, bool):
        try:
            number = Decimal(value)
        except (InvalidOperation, ValueError):
            raise InvalidValue(field, value, "is not a decimal number") from None
    else:
        raise WrongType(field, value, "Decimal, int or str")
    if not number.is_finite():
        raise InvalidValue(field, value, "must be a finite number")
    if number:
        if len(number.as_tuple().digits) > DECIMAL_DIGITS:
            raise LimitExceeded(field, value, "decimal_digits", DECIMAL_DIGITS)
        if abs(number.adjusted()) > DECIMAL_EXPONENT:
            raise LimitExceeded(field, value, "decimal_exponent", DECIMAL_EXPONENT)
    return number


def to_decimal(value: Decimal | int | str) -> Any:
    """A converter: an int or numeric str as a Decimal; anything else passed on unchanged.

    The field's validator (:func:`decimal_field` and the ones built on it)
    refuses what is left by name.
    """
    if isinstance(value, int | str) and not isinstance(value, bool):
        try:
            return Decimal(value)
        except (InvalidOperation, ValueError):
            return value
    return value


def decimal_field(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: a finite Decimal within the limits (see :func:`decimal_number`)."""
    decimal_number(attribute.name, value)


def non_negative_decimal(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: a finite Decimal, 0 or more."""
    if decimal_number(attribute.name, value) < 0:
        raise InvalidValue(attribute.name, value, "must not be negative")


def percent(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: a percentage above 0, at most 100."""
    if not 0 < decimal_number(attribute.name, value) <= 100:
        raise InvalidValue(attribute.name, value, "must be a percentage in (0, 100]")


# money ---------------------------------------------------------------------------


def money(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: a :class:`~mallcore.money.Money`."""
    if not isinstance(value, Money):
        raise WrongType(attribute.name, value, "Money")


def non_negative_money(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: an amount of zero or more."""
    if not isinstance(value, Money):
        raise WrongType(attribute.name, value, "Money")
    if value.minor_units < 0:
        raise InvalidValue(attribute.name, value, "must not be negative")


def positive_money(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: an amount above zero."""
    if not isinstance(value, Money):
        raise WrongType(attribute.name, value, "Money")
    if value.minor_units <= 0:
        raise InvalidValue(attribute.name, value, "must be positive")


def positive_decimal(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: a finite Decimal above zero."""
    if decimal_number(attribute.name, value) <= 0:
        raise InvalidValue(attribute.name, value, "must be positive")


# text, moments and zones ---------------------------------------------------------


def string(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: a ``str``."""
    if not isinstance(value, str):
        raise WrongType(attribute.name, value, "str")


def flag(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: a ``bool``."""
    if not isinstance(value, bool):
        raise WrongType(attribute.name, value, "bool")


def text(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: a string that is not blank."""
    if not isinstance(value, str):
        raise WrongType(attribute.name, value, "str")
    if not value.strip():
        raise InvalidValue(attribute.name, value, "must not be blank")


def aware(field: str, moment: object) -> datetime:
    """``moment`` if it is a timezone-aware datetime, else WrongType or InvalidValue (``field``)."""
    if not isinstance(moment, datetime):
        raise WrongType(field, moment, "datetime")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidValue(field, moment, "must be timezone-aware")
    return moment


def aware_field(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: a timezone-aware datetime."""
    aware(attribute.name, value)


ZONE_MAX_LENGTH: Final = 64
"""The longest time zone name looked up (the longest IANA name has 32 characters)."""


@cache
def _iana_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def time_zone(field: str, value: object) -> str:
    """``value`` if it is an IANA time zone name ("Asia/Shanghai"); never a path nor "".

    >>> time_zone("zone", "/etc/localtime")
    Traceback (most recent call last):
    ...
    mallcore.errors.InvalidValue: zone: must be an IANA time zone name (got '/etc/localtime')
    """
    if not isinstance(value, str):
        raise WrongType(field, value, "str")
    if len(value) > ZONE_MAX_LENGTH or value not in _iana_names():
        raise InvalidValue(field, value, "must be an IANA time zone name")
    return value


def time_zone_field(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: an IANA time zone name."""
    time_zone(attribute.name, value)


# collections ---------------------------------------------------------------------


def _is_collection(values: object) -> bool:
    return isinstance(values, Iterable) and not isinstance(values, str | bytes | Mapping)


def to_tuple(values: Iterable[Any]) -> Any:
    """A converter: any iterable but a string, bytes or mapping as a tuple; else unchanged."""
    return tuple(values) if _is_collection(values) else values


def to_frozenset(values: Iterable[Any]) -> Any:
    """A converter: any iterable but a string, bytes or mapping as a frozenset; else unchanged."""
    if not _is_collection(values):
        return values
    try:
        return frozenset(values)
    except TypeError:  # an unhashable member: the field's validator names it
        return tuple(values)


def instance_of(kind: type, name: str) -> Callable[[Any, Any, Any], None]:
    """An attrs validator: a ``kind`` (``name``), else WrongType (attrs' raises a TypeError)."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, kind):
            raise WrongType(attribute.name, value, name)

    return check


def members(kind: type | tuple[type, ...], name: str) -> Callable[[object, Any, object], None]:
    """An attrs validator: a tuple or frozenset whose every member is a ``kind`` (``name``)."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, tuple | frozenset):
            raise WrongType(attribute.name, value, f"collection of {name}")
        for member in value:
            if not isinstance(member, kind):
                raise WrongType(f"{attribute.name}[]", member, name)

    return check


strings: Final = members(str, "str")
"""An attrs validator: a tuple or frozenset of strings."""
