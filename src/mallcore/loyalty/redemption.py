"""Redemption (积分抵扣): how many points an order may use, and the money they take off.

:func:`redeem` is the pricing engine's points stage, kept pure so that the
engine only apportions its ``amount`` over the lines like any discount:

1. what points may cover: the goods payable after coupons, plus the freight
   when ``covers_freight``; nothing when coupons were used and the policy
   does not combine with them;
2. the cap: the smallest of that amount, ``max_share`` per cent of it
   (rounded down to a minor unit) and ``max_amount``;
3. the points: those asked for (all available if None), at most the
   available, in multiples of ``step`` and of what makes a whole minor unit
   (at 1,000 points a yuan, 10 points are one fen); over the cap they are
   clipped to it (``CLIP``) or refused (``REJECT``); under ``min_points``
   they are refused.

The answer always says why: ``status`` and ``reason``.

>>> from mallcore.money import Money
>>> policy = RedemptionPolicy(points_per_unit=100, max_share=50)
>>> used = redeem(policy, available=5000, goods=Money("30.00", "CNY"))
>>> used.points, used.amount, used.reason
(1500, Money('15.00', 'CNY'), 'at most 50% of the payable 30.00 CNY')
"""

from __future__ import annotations

import enum
import math
from decimal import Decimal
from typing import Any

import attrs

from mallcore._fields import decimal_number, non_negative, positive, positive_money, to_decimal
from mallcore.errors import InvalidValue
from mallcore.money import Money, Rounding, currency_exponent

__all__ = ["OverCap", "Redemption", "RedemptionPolicy", "RedemptionStatus", "redeem"]


def _optional_percent(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not 0 < decimal_number(attribute.name, value) <= 100:
        raise InvalidValue(attribute.name, value, "must be a percentage in (0, 100]")


class OverCap(enum.Enum):
    """What happens to points asked for beyond the cap."""

    CLIP = "clip"
    """Use as many as the cap allows."""
    REJECT = "reject"
    """Use none, and say why."""


class RedemptionStatus(enum.Enum):
    """The outcome of a redemption."""

    APPLIED = "applied"
    """The points asked for are used."""
    CLIPPED = "clipped"
    """Fewer points than asked for are used (a cap, the available points or the step)."""
    REFUSED = "refused"
    """No points are used."""


@attrs.frozen(kw_only=True)
class RedemptionPolicy:
    """The rules of 积分抵扣: the rate, minimum, step, caps and what points combine with."""

    points_per_unit: int = attrs.field(default=100, validator=positive)
    """Points worth one major currency unit (100 points = 1 yuan)."""
    min_points: int = attrs.field(default=0, validator=non_negative)
    step: int = attrs.field(default=1, validator=positive)
    max_share: Decimal | None = attrs.field(
        default=None, converter=attrs.converters.optional(to_decimal), validator=_optional_percent
    )
    """The largest percentage of the coverable amount points may pay (None: all of it)."""
    max_amount: Money | None = attrs.field(
        default=None, validator=attrs.validators.optional(positive_money)
    )
    over_cap: OverCap = OverCap.CLIP
    covers_freight: bool = False
    with_coupons: bool = True

    def unit_points(self, currency: str) -> int:
        """The smallest usable number of points: a multiple of ``step`` worth whole minor units."""
        minor_per_unit: int = 10 ** currency_exponent(currency)
        whole = self.points_per_unit // math.gcd(self.points_per_unit, minor_per_unit)
        return math.lcm(self.step, whole)

    def value_of(self, points: int, currency: str) -> Money:
        """What ``points`` are worth, rounded down to a minor unit."""
        minor_per_unit: int = 10 ** currency_exponent(currency)
        return Money.from_minor(points * minor_per_unit // self.points_per_unit, currency)

    def points_for(self, amount: Money) -> int:
        """The most points (in usable multiples) worth no more than ``amount``."""
        minor_per_unit: int = 10 ** currency_exponent(amount.currency)
        most = amount.minor_units * self.points_per_unit // minor_per_unit
        unit = self.unit_points(amount.currency)
        return most // unit * unit


@attrs.frozen
class Redemption:
    """Points used on an order, the ``amount`` they take off, and why not more."""

    points: int
    amount: Money
    status: RedemptionStatus
    reason: str = ""


def redeem(
    policy: RedemptionPolicy,
    *,
    available: int,
    goods: Money,
    freight: Money | None = None,
    requested: int | None = None,
    coupons_used: bool = False,
) -> Redemption:
    """The points an order uses under ``policy``, and the money they take off.

    ``goods`` is the goods payable after coupons, ``freight`` the freight
    payable; ``requested`` None asks for as many as allowed.
    """
    for field, value in (("available", available), ("requested", requested)):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 0
        ):
            raise InvalidValue(field, value, "must be a whole number of points, not negative")
    for field, amount in (("goods", goods), ("freight", freight)):
        if amount is not None and amount.is_negative():
            raise InvalidValue(field, amount, "must not be negative")
    currency = goods.currency
    nothing = Money.zero(currency)

    def refused(reason: str) -> Redemption:
        return Redemption(0, nothing, RedemptionStatus.REFUSED, reason)

    if coupons_used and not policy.with_coupons:
        return refused("points do not combine with coupons")
    coverable = goods + (freight if freight is not None and policy.covers_freight else nothing)
    caps = [(coverable, f"at most the payable {coverable}")]
    if policy.max_share is not None:
        share = coverable.percentage(policy.max_share, rounding=Rounding.DOWN)
        caps.append((share, f"at most {policy.max_share}% of the payable {coverable}"))
    if policy.max_amount is not None:
        caps.append((policy.max_amount, f"at most {policy.max_amount}"))
    cap, cap_reason = min(caps, key=lambda pair: pair[0])
    asked = available if requested is None else requested
    wanted = min(asked, available)
    unit = policy.unit_points(currency)
    most = policy.points_for(cap)
    points = min(wanted, most) // unit * unit
    if wanted > most:
        if policy.over_cap is OverCap.REJECT and requested is not None:
            return refused(f"{requested} points are over the cap: {cap_reason}")
        reason = cap_reason
    elif asked > available:
        reason = f"only {available} points available"
    elif points < asked:
        reason = f"points are used in multiples of {unit}"
    else:
        reason = ""
    if not points:
        return refused(reason or "no points to use")
    if points < policy.min_points:
        return refused(f"{points} points are fewer than the minimum of {policy.min_points}")
    status = RedemptionStatus.CLIPPED if points < asked else RedemptionStatus.APPLIED
    return Redemption(points, policy.value_of(points, currency), status, reason)
