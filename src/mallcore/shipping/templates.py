"""Freight templates (运费模板): what one template charges for its lines.

A template charges by piece (按件), weight (按重量, kg) or volume (按体积, m³):

- a :class:`Rate` is the first ``first`` units for ``first_fee`` (首件/首重),
  then ``step_fee`` for each further ``step`` units or part of one
  (续件/续重, rounded up per step): first 1 kg = 12, +1 kg = 5 charges
  2.3 kg as 12 + 2 x 5 = 22;
- ``min_chargeable``: fewer units count as that many (under 1 kg counts as 1 kg);
- ``default`` is the rate where no :class:`RegionRate` matches; region rates
  are indexed by code and looked up along the destination's lineage, so the
  most specific region wins (district over city over province over country)
  and a lookup costs one dictionary probe per ancestor, whatever the number
  of rules;
- ``undeliverable`` regions (不配送区域): lines on the template going there
  are refused with the reason, the rest of the cart still ships;
- ``free_conditions`` (包邮条件): when one that covers the destination is met
  by the template's lines, those lines ship free. Each states its thresholds
  (quantity, weight, volume, amount), whether all or any must be met
  (:class:`Match`) and the amount base (:class:`AmountBase`).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from decimal import ROUND_UP, Decimal
from typing import Final

import attrs

from mallcore._fields import (
    instance_of,
    members,
    non_negative_money,
    positive,
    positive_decimal,
    strings,
    to_frozenset,
    to_tuple,
)
from mallcore.errors import InvalidValue
from mallcore.money import Money
from mallcore.shipping._values import codes, measure, optional_measure
from mallcore.shipping.shipment import ShipmentLine

__all__ = [
    "AmountBase",
    "ChargeBy",
    "FreeCondition",
    "FreightTemplate",
    "Match",
    "Rate",
    "RegionRate",
]

_GRAM: Final = Decimal("0.001")


class ChargeBy(enum.Enum):
    """What a template counts."""

    PIECE = "piece"
    """Units (按件)."""
    WEIGHT = "weight"
    """Kilograms (按重量)."""
    VOLUME = "volume"
    """Cubic metres (按体积)."""


class Match(enum.Enum):
    """How a free-shipping condition combines its thresholds."""

    ALL = "all"
    """Every threshold given must be reached (AND)."""
    ANY = "any"
    """One threshold reached is enough (OR)."""


class AmountBase(enum.Enum):
    """The amount a free-shipping threshold is measured on."""

    AFTER_DISCOUNTS = "after_discounts"
    """What the shopper pays for the goods (the default)."""
    BEFORE_DISCOUNTS = "before_discounts"
    """The goods at their unit prices, before promotions and coupons."""


def _steps(units: Decimal, step: Decimal) -> int:
    """How many ``step`` s cover ``units`` (a part of a step counts as one)."""
    whole, rest = divmod(units, step)
    return int(whole) + (1 if rest else 0)


@attrs.frozen(kw_only=True)
class Rate:
    """First ``first`` units for ``first_fee``, then ``step_fee`` per ``step`` or part of one.

    >>> rate = Rate(first=1, first_fee=Money("12", "CNY"), step=1, step_fee=Money("5", "CNY"))
    >>> rate.charge(Decimal("2.3"))
    Money('22.00', 'CNY')
    """

    first: Decimal = attrs.field(converter=measure, validator=positive_decimal)
    first_fee: Money = attrs.field(validator=non_negative_money)
    step: Decimal = attrs.field(converter=measure, validator=positive_decimal)
    step_fee: Money = attrs.field(validator=non_negative_money)

    def __attrs_post_init__(self) -> None:
        if self.step_fee.currency != self.first_fee.currency:
            raise InvalidValue("step_fee", self.step_fee, "must be in the first fee's currency")

    def charge(self, units: Decimal) -> Money:
        """The fee for ``units`` alone: the first fee, then the steps beyond ``first``."""
        return Money.from_minor(self.charge_minor(units), self.first_fee.currency)

    def charge_minor(self, units: Decimal) -> int:
        """:meth:`charge` in minor units (the calculator's per-line weights need no Money)."""
        beyond = units - self.first
        steps = _steps(beyond, self.step) if beyond > 0 else 0
        return self.first_fee.minor_units + self.step_fee.minor_units * steps

    def additional(self, units: Decimal) -> Money:
        """The fee for ``units`` all at the additional rate (no first fee)."""
        return self.step_fee * _steps(units, self.step)


@attrs.frozen(kw_only=True)
class RegionRate:
    """A template's rate for some regions (each a code of any level)."""

    regions: frozenset[str] = attrs.field(converter=codes, validator=strings)
    rate: Rate

    def __attrs_post_init__(self) -> None:
        if not self.regions:
            raise InvalidValue("regions", self.regions, "a region rate needs at least one region")


@attrs.frozen(kw_only=True)
class FreeCondition:
    """包邮条件: free shipping for a template's lines reaching these thresholds.

    ``regions`` limits it to destinations within those codes (empty: all).
    ``match`` says whether all thresholds given (AND) or any (OR) must be
    reached; ``amount_base`` what ``min_amount`` is measured on. Thresholds
    are inclusive: 99.00 reaches "from 99.00".
    """

    regions: frozenset[str] = attrs.field(factory=frozenset, converter=codes, validator=strings)
    min_quantity: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(positive)
    )
    min_weight: Decimal | None = attrs.field(default=None, converter=optional_measure)
    min_volume: Decimal | None = attrs.field(default=None, converter=optional_measure)
    min_amount: Money | None = attrs.field(
        default=None, validator=attrs.validators.optional(non_negative_money)
    )
    match: Match = Match.ALL
    amount_base: AmountBase = AmountBase.AFTER_DISCOUNTS

    def __attrs_post_init__(self) -> None:
        thresholds = (self.min_quantity, self.min_weight, self.min_volume, self.min_amount)
        if all(threshold is None for threshold in thresholds):
            raise InvalidValue("free_condition", self, "needs at least one threshold")

    def covers(self, destination: Sequence[str]) -> bool:
        """True when the condition applies to ``destination`` (a code and its ancestors)."""
        return not self.regions or not self.regions.isdisjoint(destination)

    def check(self, lines: Sequence[ShipmentLine]) -> tuple[bool, str]:
        """Whether ``lines`` meet the condition, and what was measured against what."""
        results: list[tuple[bool, str]] = []
        if self.min_quantity is not None:
            quantity = sum(line.quantity for line in lines)
            results.append(
                (quantity >= self.min_quantity, f"{quantity} of {self.min_quantity} items")
            )
        if self.min_weight is not None:
            weight = sum((line.weight * line.quantity for line in lines), Decimal(0))
            results.append((weight >= self.min_weight, f"{weight} of {self.min_weight} kg"))
        if self.min_volume is not None:
            volume = sum((line.volume * line.quantity for line in lines), Decimal(0))
            results.append((volume >= self.min_volume, f"{volume} of {self.min_volume} m³"))
        if self.min_amount is not None:
            before = self.amount_base is AmountBase.BEFORE_DISCOUNTS
            amount = sum(
                (line.undiscounted if before else line.amount for line in lines),
                start=Money.zero(self.min_amount.currency),
            )
            results.append(
                (amount >= self.min_amount, f"{amount.amount} of {self.min_amount.amount} spent")
            )
        met = [ok for ok, _ in results]
        joiner = " and " if self.match is Match.ALL else " or "
        return (all(met) if self.match is Match.ALL else any(met)), joiner.join(
            text for _, text in results
        )


@attrs.frozen(kw_only=True)
class FreightTemplate:
    """运费模板: a default rate, region rates, undeliverable regions and free conditions.

    A region code may appear in one region rate only. Every fee is in one
    currency. A weight template with a ``volumetric_divisor`` (体积重, cm³ per
    kg: 6000 is common, 5000 for air) counts the larger of the actual and the
    volumetric weight of its lines.
    """

    id: str
    name: str = ""
    charge_by: ChargeBy
    default: Rate = attrs.field(validator=instance_of(Rate, "Rate"))
    region_rates: tuple[RegionRate, ...] = attrs.field(
        default=(), converter=to_tuple, validator=members(RegionRate, "RegionRate")
    )
    undeliverable: frozenset[str] = attrs.field(
        factory=frozenset, converter=to_frozenset, validator=strings
    )
    free_conditions: tuple[FreeCondition, ...] = attrs.field(
        default=(), converter=to_tuple, validator=members(FreeCondition, "FreeCondition")
    )
    min_chargeable: Decimal | None = attrs.field(default=None, converter=optional_measure)
    volumetric_divisor: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(positive)
    )
    _index: dict[str, Rate] = attrs.field(init=False, repr=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        if self.volumetric_divisor is not None and self.charge_by is not ChargeBy.WEIGHT:
            raise InvalidValue(
                "volumetric_divisor", self.volumetric_divisor, "needs a template charged by weight"
            )
        index: dict[str, Rate] = {}
        currency = self.default.first_fee.currency
        for region_rate in self.region_rates:
            if region_rate.rate.first_fee.currency != currency:
                raise InvalidValue("region_rates", region_rate.rate, f"must be in {currency}")
            for code in region_rate.regions:
                if code in index:
                    raise InvalidValue("region_rates", code, "appears in two region rates")
                index[code] = region_rate.rate
        for condition in self.free_conditions:
            if condition.min_amount is not None and condition.min_amount.currency != currency:
                raise InvalidValue("min_amount", condition.min_amount, f"must be in {currency}")
        object.__setattr__(self, "_index", index)

    @property
    def currency(self) -> str:
        """The currency of the template's fees."""
        return self.default.first_fee.currency

    def rate_for(self, destination: Sequence[str]) -> tuple[Rate, str | None]:
        """The rate for ``destination`` and the region code that chose it (None: the default)."""
        for code in destination:
            rate = self._index.get(code)
            if rate is not None:
                return rate, code
        return self.default, None

    def refuses(self, destination: Sequence[str]) -> str | None:
        """The code of ``destination`` the template does not deliver to, or None."""
        if self.undeliverable:
            for code in destination:
                if code in self.undeliverable:
                    return code
        return None

    def units(self, lines: Sequence[ShipmentLine]) -> Decimal:
        """What the template counts on ``lines`` (pieces, kg or m³), at least ``min_chargeable``.

        With a ``volumetric_divisor``, the weight counted is the larger of the
        actual and the volumetric weight of all the lines together (as one
        parcel), the volumetric one rounded up to the gram.
        """
        if self.charge_by is ChargeBy.PIECE:
            counted = Decimal(sum(line.quantity for line in lines))
        elif self.charge_by is ChargeBy.WEIGHT:
            counted = sum((line.weight * line.quantity for line in lines), Decimal(0))
            if self.volumetric_divisor is not None:
                cubic_cm = sum((line.volume * line.quantity for line in lines), Decimal(0)) * 10**6
                volumetric = (cubic_cm / self.volumetric_divisor).quantize(_GRAM, ROUND_UP)
                counted = max(counted, volumetric)
        else:
            counted = sum((line.volume * line.quantity for line in lines), Decimal(0))
        if self.min_chargeable is not None:
            return max(counted, self.min_chargeable)
        return counted
