"""What a member tier's benefits do to a quote, and the birthday coupon.

Given a :class:`~mallcore.loyalty.TierProgram` (``quote(..., tiers=program)``),
the customer's tier (``Customer.tier``) counts in three stages:

- its ``percent_off`` (会员折扣) is a unit price, :func:`tier_discount`, with
  the id ``"tier:<tier id>"``: it competes with the other unit prices (a
  SKU's own member price, a flash sale) unit by unit like any of them, and
  is explained like any rule;
- its ``free_shipping_threshold`` is the freight benefit of the tier,
  :func:`tier_freight_benefit`, unless the shipping set-up names one for
  the tier in ``ShippingSetup.tier_benefits`` (the shipping-specific
  setting wins);
- its ``points_multiplier`` multiplies the points the order earns in the
  quote's earning preview.

:func:`birthday_coupon` issues the tier's birthday coupon from its template.
"""

from __future__ import annotations

from datetime import datetime

import attrs
from dateutil import tz

from mallcore.errors import InvalidValue, NotFound
from mallcore.loyalty import Tier, TierProgram
from mallcore.pricing.cart import Customer
from mallcore.pricing.rules import Audience, Coupon, UnitPrice
from mallcore.shipping import BenefitKind, FreightBenefit

__all__ = ["birthday_coupon", "customer_tier", "tier_discount", "tier_freight_benefit"]


def _rule_id(tier: Tier) -> str:
    return f"tier:{tier.id}"


def customer_tier(program: TierProgram, customer: Customer) -> Tier | None:
    """The tier of ``customer`` in ``program`` (None without one); an unknown tier is refused.

    >>> program = TierProgram(tiers=[Tier(id="normal", threshold=0)])
    >>> customer_tier(program, Customer(id="c1", tier="normal")).id
    'normal'
    """
    if customer.tier is None:
        return None
    try:
        return program.tier(customer.tier)
    except NotFound:
        known = ", ".join(tier.id for tier in program.tiers)
        raise InvalidValue(
            "customer.tier", customer.tier, f"is not a tier of the program ({known})"
        ) from None


def tier_discount(tier: Tier) -> UnitPrice | None:
    """The tier discount as a unit price for members of ``tier`` (None if it grants none).

    >>> from mallcore.loyalty import Benefits
    >>> tier_discount(Tier(id="gold", threshold=1000, benefits=Benefits(percent_off=5))).id
    'tier:gold'
    """
    percent = tier.benefits.percent_off
    if percent is None:
        return None
    return UnitPrice(
        id=_rule_id(tier),
        name=f"会员折扣 {tier.name or tier.id}",
        percent_off=percent,
        audience=Audience(tiers=frozenset({tier.id})),
    )


def tier_freight_benefit(tier: Tier) -> FreightBenefit | None:
    """The tier's free shipping as a freight benefit: waived at a zero threshold, else over it."""
    threshold = tier.benefits.free_shipping_threshold
    if threshold is None:
        return None
    name = f"会员包邮 {tier.name or tier.id}"
    if threshold.is_zero():
        return FreightBenefit(id=_rule_id(tier), name=name, kind=BenefitKind.WAIVE)
    return FreightBenefit(
        id=_rule_id(tier), name=name, kind=BenefitKind.FREE_OVER, threshold=threshold
    )


def birthday_coupon(
    template: Coupon,
    *,
    program: TierProgram,
    customer: Customer,
    now: datetime,
) -> Coupon | None:
    """The birthday coupon ``customer`` receives at ``now``, or None if none is due.

    Due when the customer's tier grants ``template`` (``birthday_coupon_id``)
    and ``now`` falls in the month of ``customer.birthday`` in the
    template's time zone. The
    coupon is the template received at ``now`` (its ``valid_days`` count
    from then), with the id ``"<template id>:<customer id>:<year>"``: a
    host that stores the coupons it issued by id issues it once a year.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise InvalidValue("now", now, "must be a timezone-aware datetime")
    tier = customer_tier(program, customer)
    if customer.birthday is None or tier is None or tier.benefits.birthday_coupon_id != template.id:
        return None
    local = now.astimezone(tz.gettz(template.time_zone))
    if local.month != customer.birthday.month:
        return None
    return attrs.evolve(template, id=f"{template.id}:{customer.id}:{local.year}", received_at=now)
