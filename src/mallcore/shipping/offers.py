"""Offers on freight: free shipping over an amount, tier benefits, surcharges, coupons.

They apply to the chosen delivery option in this order (docs/shipping.md):

1. :class:`FreeShippingOver` (满额包邮): the goods amount reaches the
   threshold: the freight so far is waived;
2. :class:`FreightBenefit`: the customer's tier benefit on what is left
   (waive it, waive it over an amount, or a percentage off);
3. :class:`RemoteSurcharge` (偏远地区加价): added for a remote destination;
   no free-shipping offer waives it (that is what makes it a surcharge);
4. :class:`FreightVoucher` (运费券, handed on by pricing): the one saving
   most takes its amount off everything above, surcharge included.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from decimal import Decimal

import attrs

from mallcore._fields import decimal_number, non_negative_money, positive_money, strings
from mallcore.errors import InvalidValue
from mallcore.money import Money, Rounding
from mallcore.shipping._values import codes
from mallcore.shipping.templates import AmountBase

__all__ = [
    "BenefitKind",
    "FreeShippingOver",
    "FreightBenefit",
    "FreightVoucher",
    "RemoteSurcharge",
]


def _optional_decimal(value: Decimal | int | str | None) -> Decimal | None:
    return None if value is None else decimal_number("percent_off", value)


def _within(regions: frozenset[str], destination: Sequence[str]) -> bool:
    return not regions.isdisjoint(destination)


@attrs.frozen(kw_only=True)
class FreeShippingOver:
    """满额包邮: goods of at least ``threshold`` ship free (the surcharge aside).

    ``regions`` limits it to destinations within them (empty: everywhere);
    ``excluded_regions`` keeps it from some (偏远地区不包邮). The amount is
    measured on ``amount_base`` over the deliverable lines.
    """

    id: str
    name: str = ""
    threshold: Money = attrs.field(validator=non_negative_money)
    regions: frozenset[str] = attrs.field(factory=frozenset, converter=codes, validator=strings)
    excluded_regions: frozenset[str] = attrs.field(
        factory=frozenset, converter=codes, validator=strings
    )
    amount_base: AmountBase = AmountBase.AFTER_DISCOUNTS

    def covers(self, destination: Sequence[str]) -> bool:
        """True when the offer applies to ``destination`` (a code and its ancestors)."""
        if _within(self.excluded_regions, destination):
            return False
        return not self.regions or _within(self.regions, destination)


class BenefitKind(enum.Enum):
    """What a member tier's freight benefit does."""

    WAIVE = "waive"
    """Freight is free."""
    FREE_OVER = "free_over"
    """Freight is free when the goods reach ``threshold``."""
    PERCENT_OFF = "percent_off"
    """``percent_off`` per cent off the freight."""


@attrs.frozen(kw_only=True)
class FreightBenefit:
    """A member tier's freight benefit, as a plain value (shipping does not read loyalty).

    The goods amount for ``FREE_OVER`` is after discounts. A percentage
    rounds with ``rounding`` (half-up by default).

    >>> FreightBenefit(id="gold", kind=BenefitKind.PERCENT_OFF, percent_off=50).apply(
    ...     Money("9.99", "CNY"), Money("10", "CNY"))
    (Money('5.00', 'CNY'), '50% off')
    """

    id: str
    name: str = ""
    kind: BenefitKind
    threshold: Money | None = attrs.field(
        default=None, validator=attrs.validators.optional(positive_money)
    )
    percent_off: Decimal | None = attrs.field(default=None, converter=_optional_decimal)
    rounding: Rounding = Rounding.HALF_UP

    def __attrs_post_init__(self) -> None:
        if (self.kind is BenefitKind.FREE_OVER) != (self.threshold is not None):
            raise InvalidValue(
                "threshold", self.threshold, "is needed by free_over, and only by it"
            )
        if (self.kind is BenefitKind.PERCENT_OFF) != (self.percent_off is not None):
            raise InvalidValue(
                "percent_off", self.percent_off, "is needed by percent_off, and only by it"
            )
        if self.percent_off is not None and not Decimal(0) < self.percent_off <= Decimal(100):
            raise InvalidValue("percent_off", self.percent_off, "must be a percentage in (0, 100]")

    def apply(self, freight: Money, goods: Money) -> tuple[Money, str]:
        """What the benefit takes off ``freight`` for ``goods``, and why."""
        zero = Money.zero(freight.currency)
        if self.kind is BenefitKind.WAIVE:
            return freight, "freight waived"
        if self.kind is BenefitKind.FREE_OVER:
            assert self.threshold is not None  # checked in __attrs_post_init__
            if goods >= self.threshold:
                return freight, f"goods {goods.amount} reach {self.threshold.amount}"
            return zero, f"goods {goods.amount} short of {self.threshold.amount}"
        assert self.percent_off is not None  # checked in __attrs_post_init__
        off = freight.percentage(self.percent_off, rounding=self.rounding)
        return off, f"{self.percent_off}% off"


@attrs.frozen(kw_only=True)
class RemoteSurcharge:
    """偏远地区加价: ``amount`` added to freight for destinations within ``regions``.

    Of several surcharges matching, the one for the most specific region applies.
    """

    id: str
    name: str = ""
    regions: frozenset[str] = attrs.field(converter=codes, validator=strings)
    amount: Money = attrs.field(validator=positive_money)

    def __attrs_post_init__(self) -> None:
        if not self.regions:
            raise InvalidValue("regions", self.regions, "a surcharge needs at least one region")


@attrs.frozen(kw_only=True)
class FreightVoucher:
    """运费券 as freight sees it: ``amount_off`` the freight, or all of it when None."""

    id: str
    amount_off: Money | None = attrs.field(
        default=None, validator=attrs.validators.optional(positive_money)
    )

    def saving(self, freight: Money) -> Money:
        """What this voucher takes off ``freight`` (never more than it)."""
        if self.amount_off is None or self.amount_off > freight:
            return freight
        return self.amount_off
