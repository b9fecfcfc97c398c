"""The documented limits on what a shopper, a merchant or a file can send: :class:`InputLimits`.

Every limit bounds work that grows with the input (units priced one by one,
lines, rules tried together, JSON parsed) or keeps a value inside the range
Python's ``datetime`` and ``Decimal`` can represent exactly. Each is checked
at the edge, before any work proportional to it, and exceeding one raises
:class:`~mallcore.errors.LimitExceeded` naming the limit and its value.

Three limits are fixed, checked whenever a value is built:
:data:`DECIMAL_DIGITS`, :data:`DECIMAL_EXPONENT` and :data:`SPAN_DAYS`. The
others are fields of :class:`InputLimits`, given per call. A host may lower
one (``InputLimits(units_per_line=99)``) but never raise one past its hard
ceiling (:data:`CEILINGS`): the defaults apply when no
limits are passed, so a library user calling ``quote()`` directly is bounded
too. docs/reliability.md lists them with their defaults.

>>> InputLimits().units_per_line
10000
>>> InputLimits(units_per_line=10**9)
Traceback (most recent call last):
...
mallcore.errors.LimitExceeded: units_per_line: exceeds the limit ceiling of 1000000 (got 1000000000)
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final

import attrs

from mallcore.errors import InvalidValue, LimitExceeded, WrongType

__all__ = [
    "CEILINGS",
    "DECIMAL_DIGITS",
    "DECIMAL_EXPONENT",
    "DEFAULT_LIMITS",
    "InputLimits",
    "SPAN_DAYS",
]

DECIMAL_DIGITS: Final = 28
"""The most significant digits of a Decimal input: the precision of Python's default context."""

DECIMAL_EXPONENT: Final = 18
"""The largest power of ten a Decimal input reaches either way: 1E-18 up to 9.99...E+18."""

SPAN_DAYS: Final = 36_600
"""The longest time span in days (about a hundred years): validity, holds, payment windows."""

CEILINGS: Final[Mapping[str, int]] = MappingProxyType(
    {
        "units_per_line": 1_000_000,
        "units_per_cart": 1_000_000,
        "lines_per_cart": 10_000,
        "rules_per_quote": 10_000,
        "coupons_per_quote": 1_000,
        "document_bytes": 16 * 1024 * 1024,
        "json_depth": 64,
    }
)
"""The hard ceiling of each limit: no :class:`InputLimits` goes past these."""


def _limit(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise WrongType(attribute.name, value, "int")
    if value < 1:
        raise InvalidValue(attribute.name, value, "must be 1 or more")
    if value > CEILINGS[attribute.name]:
        raise LimitExceeded(attribute.name, value, "ceiling", CEILINGS[attribute.name])


@attrs.frozen(kw_only=True)
class InputLimits:
    """How much one input may hold; each field is a whole number of at least 1, up to its ceiling.

    - ``units_per_line`` (10,000) and ``units_per_cart`` (100,000): units in
      one cart line and in the whole cart, checked before any unit is priced.
    - ``lines_per_cart`` (500): lines in one cart.
    - ``rules_per_quote`` (1,000): promotions and coupons given to one quote.
    - ``coupons_per_quote`` (200): wallet coupons given to one quote.
    - ``document_bytes`` (1 MiB) and ``json_depth`` (64): the size of a JSON
      document in UTF-8 bytes and how deep its arrays and objects nest, both
      checked before it is parsed.
    """

    units_per_line: int = attrs.field(default=10_000, validator=_limit)
    units_per_cart: int = attrs.field(default=100_000, validator=_limit)
    lines_per_cart: int = attrs.field(default=500, validator=_limit)
    rules_per_quote: int = attrs.field(default=1_000, validator=_limit)
    coupons_per_quote: int = attrs.field(default=200, validator=_limit)
    document_bytes: int = attrs.field(default=1024 * 1024, validator=_limit)
    json_depth: int = attrs.field(default=64, validator=_limit)

    def check(self, limit: str, field: str, value: int) -> None:
        """Raise LimitExceeded naming ``field`` when ``value`` passes the limit ``limit``.

        >>> InputLimits().check("lines_per_cart", "cart.lines", 501)
        Traceback (most recent call last):
        ...
        mallcore.errors.LimitExceeded: cart.lines: exceeds the limit lines_per_cart of 500 (got 501)
        """
        maximum: int = getattr(self, limit)
        if value > maximum:
            raise LimitExceeded(field, value, limit, maximum)


DEFAULT_LIMITS: Final = InputLimits()
"""The limits that apply when none are passed."""
