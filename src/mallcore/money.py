"""Money: an exact amount in one currency's own minor units.

Rules (docs/money.md says more):

- An amount is a :class:`~decimal.Decimal` holding a whole number of the
  currency's minor units, as babel knows them: CNY and USD have 2 decimal
  places, JPY 0, BHD 3. ``Money("1.234", "CNY")`` is refused; ``Money("1.5",
  "CNY")`` is normalised to ``1.50``.
- Floats are refused (:class:`~mallcore.errors.WrongType`, also a
  :class:`TypeError`): they cannot hold 0.10 exactly. NaN and the
  infinities are refused too, as factors and percentages as well as amounts.
- Adding, subtracting and comparing work within one currency; a mix raises
  :class:`~mallcore.errors.CurrencyMismatch`. Multiplying by a whole quantity
  is exact; anything that can make a fraction of a minor unit
  (:meth:`Money.multiply`, :meth:`Money.percentage`, :meth:`Money.round_to`)
  takes a named :class:`Rounding`, half-up by default.
- :meth:`Money.allocate` splits an amount over weights by largest remainder:
  the parts add up to the amount exactly, each part is within one minor unit
  of its exact proportional share, and ties go to the earlier weight.
  :meth:`Money.split` splits into equal parts with the leftover minor units on
  the last parts.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import cache
from typing import Final

import attrs
import babel
import babel.numbers

from mallcore.errors import CurrencyMismatch, InvalidValue, LimitExceeded, WrongType

__all__ = [
    "MAX_PARTS",
    "Money",
    "Rounding",
    "allocate_minor",
    "currency_exponent",
    "total",
]


class Rounding(enum.Enum):
    """How a fraction of a minor unit is resolved."""

    HALF_UP = "half_up"
    """Half a minor unit or more rounds away from zero (the usual shop rule)."""
    HALF_EVEN = "half_even"
    """Exact halves round to the even neighbour (banker's rounding)."""
    DOWN = "down"
    """Truncate toward zero: 抹零, the customer never pays the fraction."""
    UP = "up"
    """Any fraction rounds away from zero."""


def currency_exponent(currency: str) -> int:
    """The number of decimal places of ``currency``'s minor unit (CNY 2, JPY 0, BHD 3).

    >>> currency_exponent("JPY")
    0
    """
    try:
        return _exponent(currency)
    except TypeError:  # not hashable, or not a string: cheaper to find out here than to ask first
        raise WrongType("currency", currency, "str") from None


@cache
def _exponent(currency: str) -> int:
    if not isinstance(currency, str):
        raise TypeError
    if len(currency) != 3 or not currency.isupper():
        raise InvalidValue("currency", currency, "must be a three-letter ISO 4217 code")
    if currency not in _KNOWN_CURRENCIES:
        raise InvalidValue("currency", currency, "is not an ISO 4217 currency babel knows")
    return int(babel.numbers.get_currency_precision(currency))


_KNOWN_CURRENCIES: Final = frozenset(babel.numbers.list_currencies())


@cache
def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-currency_exponent(currency))


MAX_PARTS: Final = 10_000
"""The most parts :meth:`Money.split` and :meth:`Money.allocate` make."""


def _to_decimal(value: Decimal | int | str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise WrongType("Money.amount", value, "Decimal, int or str")
    try:
        amount = Decimal(value)
    except (InvalidOperation, ValueError):
        raise InvalidValue("Money.amount", value, "is not a decimal number") from None
    if not amount.is_finite():
        raise InvalidValue("Money.amount", value, "must be finite")
    return amount


def _check_currency(_: object, __: object, value: str) -> None:
    currency_exponent(value)


def _round_fraction(value: Fraction, rounding: Rounding) -> int:
    """Round an exact number of minor units to a whole one."""
    magnitude = abs(value)
    if rounding is Rounding.HALF_EVEN:
        return round(value)
    if rounding is Rounding.HALF_UP:
        whole = int(magnitude + Fraction(1, 2))
    elif rounding is Rounding.DOWN:
        whole = int(magnitude)
    else:
        whole = -(-magnitude.numerator // magnitude.denominator)
    return whole if value >= 0 else -whole


def _to_fraction(factor: int | Decimal | Fraction | str, what: str) -> Fraction:
    if isinstance(factor, bool) or not isinstance(factor, int | Decimal | Fraction | str):
        raise WrongType(what, factor, "int, Decimal, Fraction or str")
    if isinstance(factor, str):
        if len(factor) > _MAX_NUMBER_LENGTH:
            raise InvalidValue(what, factor, f"must be at most {_MAX_NUMBER_LENGTH} characters")
        if "/" not in factor:
            # read as a Decimal first: Fraction("1e999999999") would build a huge integer
            try:
                factor = Decimal(factor)
            except InvalidOperation:
                raise InvalidValue(what, factor, "is not a finite number") from None
    if isinstance(factor, Decimal) and (
        not factor.is_finite() or abs(factor.adjusted()) > _MAX_EXPONENT
    ):
        raise InvalidValue(what, factor, "must be finite, between 1E-100 and 1E+100")
    try:
        number = Fraction(factor)
    except (ValueError, ZeroDivisionError, InvalidOperation, OverflowError):
        raise InvalidValue(what, factor, "is not a finite number") from None
    if (
        abs(number.numerator).bit_length() > _MAX_BITS
        or number.denominator.bit_length() > _MAX_BITS
    ):
        raise InvalidValue(what, factor, "has more digits than money needs")
    return number


_MAX_NUMBER_LENGTH: Final = 100
"""The longest numeric string a factor may be (``Fraction("1e999999999")`` is huge)."""

_MAX_EXPONENT: Final = 100
"""The largest power of ten a Decimal factor reaches either way."""

_MAX_BITS: Final = 512
"""The most bits of a factor's numerator or denominator (about 154 decimal digits)."""


def _check_rounding(rounding: object) -> None:
    if not isinstance(rounding, Rounding):
        raise WrongType("rounding", rounding, "Rounding")


def allocate_minor(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` minor units over whole-number ``weights`` by largest remainder.

    The parts add up to ``total`` exactly; each is within one unit of
    ``total * weight / sum(weights)``; a zero weight gets zero; leftover units
    go to the largest remainders, ties to the earlier weight.

    >>> allocate_minor(299, [4300, 1400, 2300])
    [161, 52, 86]
    """
    if not weights:
        raise InvalidValue("weights", weights, "must not be empty")
    if min(weights) < 0:
        raise InvalidValue("weights", weights, "must not be negative")
    whole = sum(weights)
    if whole == 0:
        raise InvalidValue("weights", weights, "must have at least one positive weight")
    if total < 0:
        return [-part for part in allocate_minor(-total, weights)]
    exact = [total * weight for weight in weights]
    parts = [share // whole for share in exact]
    leftover = total - sum(parts)
    if leftover:
        remainders = [share % whole for share in exact]
        # a stable sort keeps equal remainders in weight order, even reversed: ties go earlier
        ranked = sorted(range(len(weights)), key=remainders.__getitem__, reverse=True)
        for index in ranked[:leftover]:
            parts[index] += 1
    return parts


def _integer_weights(weights: Sequence[int | Decimal | Money]) -> list[int]:
    """Scale weights to whole numbers with the same ratios."""
    whole_numbers = [weight for weight in weights if type(weight) is int]
    if len(whole_numbers) == len(weights):
        return whole_numbers
    exact = [
        Fraction(weight.minor_units)
        if isinstance(weight, Money)
        else _to_fraction(weight, "weight")
        for weight in weights
    ]
    scale = 1
    for value in exact:
        scale = scale * value.denominator // _gcd(scale, value.denominator)
    return [int(value * scale) for value in exact]


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


@attrs.frozen(order=False, repr=False)
class Money:
    """An exact amount of one currency.

    >>> Money("12.5", "CNY") + Money("0.30", "CNY")
    Money('12.80', 'CNY')
    >>> Money("10.00", "CNY").allocate([1, 1, 1])
    (Money('3.34', 'CNY'), Money('3.33', 'CNY'), Money('3.33', 'CNY'))
    """

    amount: Decimal = attrs.field(converter=_to_decimal)
    currency: str = attrs.field(validator=_check_currency)
    # the amount in minor units, kept beside it: the pricing engine reads it on every rule
    _minor: int = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        quantum = _quantum(self.currency)
        try:
            normalised = self.amount.quantize(quantum)
        except InvalidOperation:
            raise InvalidValue("Money.amount", self.amount, "is too large") from None
        if normalised != self.amount:
            places = currency_exponent(self.currency)
            raise InvalidValue(
                "Money.amount",
                self.amount,
                f"must be a whole number of {self.currency} minor units ({places} decimal places)",
            )
        object.__setattr__(self, "amount", normalised)
        object.__setattr__(self, "_minor", int(normalised.scaleb(currency_exponent(self.currency))))

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Nothing, in ``currency``."""
        return cls(0, currency)

    @classmethod
    def from_minor(cls, minor_units: int, currency: str) -> Money:
        """The amount of ``minor_units`` (fen, cents, fils ...) of ``currency``.

        >>> Money.from_minor(1234, "CNY")
        Money('12.34', 'CNY')
        """
        if isinstance(minor_units, bool) or not isinstance(minor_units, int):
            raise WrongType("minor_units", minor_units, "int")
        if not minor_units:
            return _trusted(_quantum(currency) * 0, currency, 0)
        amount = Decimal(minor_units).scaleb(-currency_exponent(currency))
        return _trusted(amount, currency, minor_units)

    @property
    def minor_units(self) -> int:
        """The amount as a whole number of minor units: 12.34 CNY is 1234."""
        return self._minor

    def is_zero(self) -> bool:
        """True for an amount of nothing."""
        return not self.amount

    def is_negative(self) -> bool:
        """True below zero."""
        return self.amount < 0

    # arithmetic -----------------------------------------------------------

    def _same_currency(self, other: Money, operation: str) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(operation, self.currency, other.currency)

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other, "add")
        return _trusted(self.amount + other.amount, self.currency, self._minor + other._minor)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other, "subtract")
        return _trusted(self.amount - other.amount, self.currency, self._minor - other._minor)

    def __neg__(self) -> Money:
        return _trusted(-self.amount, self.currency, -self._minor)

    def __abs__(self) -> Money:
        return _trusted(abs(self.amount), self.currency, abs(self._minor))

    def __mul__(self, quantity: int) -> Money:
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            if isinstance(quantity, float | Decimal | Fraction):
                # a rate needs a rounding: Money.multiply(factor, rounding=...)
                raise WrongType("quantity", quantity, "whole-number int (use Money.multiply)")
            return NotImplemented
        return _trusted(self.amount * quantity, self.currency, self._minor * quantity)

    __rmul__ = __mul__

    def multiply(
        self, factor: int | Decimal | Fraction | str, *, rounding: Rounding = Rounding.HALF_UP
    ) -> Money:
        """This amount times ``factor``, rounded to a minor unit.

        >>> Money("19.99", "CNY").multiply("0.75")
        Money('14.99', 'CNY')
        """
        _check_rounding(rounding)
        exact = Fraction(self.minor_units) * _to_fraction(factor, "factor")
        return Money.from_minor(_round_fraction(exact, rounding), self.currency)

    def percentage(
        self, percent: int | Decimal | Fraction | str, *, rounding: Rounding = Rounding.HALF_UP
    ) -> Money:
        """``percent`` per cent of this amount, rounded to a minor unit.

        >>> Money("19.99", "CNY").percentage(25)
        Money('5.00', 'CNY')
        """
        return self.multiply(_to_fraction(percent, "percent") / 100, rounding=rounding)

    def round_to(self, increment: Money, *, rounding: Rounding = Rounding.DOWN) -> Money:
        """Round to a multiple of ``increment``: 抹分 to 0.10, 抹角 to 1.00.

        >>> Money("12.37", "CNY").round_to(Money("0.10", "CNY"))
        Money('12.30', 'CNY')
        """
        if not isinstance(increment, Money):
            raise WrongType("increment", increment, "Money")
        _check_rounding(rounding)
        self._same_currency(increment, "round")
        if increment.minor_units <= 0:
            raise InvalidValue("increment", increment, "must be positive")
        steps = _round_fraction(Fraction(self.minor_units, increment.minor_units), rounding)
        return Money.from_minor(steps * increment.minor_units, self.currency)

    def allocate(self, weights: Sequence[int | Decimal | Money]) -> tuple[Money, ...]:
        """Split this amount over ``weights`` by largest remainder (see :func:`allocate_minor`).

        >>> Money("49.00", "USD").allocate([Money("4.00", "USD"), Money("45.00", "USD")])
        (Money('4.00', 'USD'), Money('45.00', 'USD'))
        """
        if not isinstance(weights, Sequence) or isinstance(weights, str):
            raise WrongType("weights", weights, "sequence of int, Decimal or Money")
        if len(weights) > MAX_PARTS:
            raise LimitExceeded("weights", len(weights), "MAX_PARTS", MAX_PARTS)
        parts = allocate_minor(self.minor_units, _integer_weights(weights))
        return tuple(Money.from_minor(part, self.currency) for part in parts)

    def split(self, parts: int) -> tuple[Money, ...]:
        """Equal parts, the leftover minor units on the last parts.

        >>> Money("4.00", "GBP").split(3)
        (Money('1.33', 'GBP'), Money('1.33', 'GBP'), Money('1.34', 'GBP'))
        """
        if isinstance(parts, bool) or not isinstance(parts, int):
            raise WrongType("parts", parts, "int")
        if parts < 1:
            raise InvalidValue("parts", parts, "must be a whole number of at least 1")
        if parts > MAX_PARTS:
            raise LimitExceeded("parts", parts, "MAX_PARTS", MAX_PARTS)
        sign = -1 if self.amount < 0 else 1
        share, leftover = divmod(abs(self.minor_units), parts)
        return tuple(
            Money.from_minor(sign * (share + (index >= parts - leftover)), self.currency)
            for index in range(parts)
        )

    # comparison -----------------------------------------------------------

    def _compare(self, other: object, operation: str) -> Decimal | None:
        if not isinstance(other, Money):
            return None
        self._same_currency(other, operation)
        return self.amount - other.amount

    def __lt__(self, other: Money) -> bool:
        difference = self._compare(other, "compare")
        return NotImplemented if difference is None else difference < 0

    def __le__(self, other: Money) -> bool:
        difference = self._compare(other, "compare")
        return NotImplemented if difference is None else difference <= 0

    def __gt__(self, other: Money) -> bool:
        difference = self._compare(other, "compare")
        return NotImplemented if difference is None else difference > 0

    def __ge__(self, other: Money) -> bool:
        difference = self._compare(other, "compare")
        return NotImplemented if difference is None else difference >= 0

    # display --------------------------------------------------------------

    def format(self, locale: str = "zh_CN") -> str:
        """The amount as a shopper in ``locale`` reads it.

        >>> Money("1234.5", "CNY").format("zh_CN")
        '¥1,234.50'
        """
        if not isinstance(locale, str):
            raise WrongType("locale", locale, "str")
        try:
            known = babel.Locale.parse(locale)
        except (ValueError, TypeError, babel.UnknownLocaleError):
            raise InvalidValue("locale", locale, "is not a locale babel knows") from None
        return str(babel.numbers.format_currency(self.amount, self.currency, locale=known))

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def __repr__(self) -> str:
        return f"Money('{self.amount}', '{self.currency}')"


def _trusted(amount: Decimal, currency: str, minor: int) -> Money:
    """Build a Money from an amount already known to be exact in ``currency`` (``minor`` units)."""
    money = object.__new__(Money)
    object.__setattr__(money, "amount", amount)
    object.__setattr__(money, "currency", currency)
    object.__setattr__(money, "_minor", minor)
    return money


def total(amounts: Iterable[Money], currency: str) -> Money:
    """The sum of ``amounts`` (all in ``currency``); zero when there are none."""
    return sum(amounts, start=Money.zero(currency))
