"""The points stage (积分抵扣) and the earning preview of a quote.

The shopper offers points (:class:`PointsOffer`: the merchant's
:class:`~mallcore.loyalty.RedemptionPolicy`, the points available and, if
the shopper chose, how many to use). After the coupon search, and before
the freight stage, :func:`redeem` decides how many are used on the goods
payable; their money comes off the lines by largest remainder over what is
left on each line (:func:`~mallcore.money.allocate_minor`, ties to the
earlier line), kept as a :class:`~mallcore.pricing.engine.LineDiscount`
under the id :data:`POINTS_ID`, so a unit's refund returns what was paid
for it in money. The freight is then priced on what is left to pay for the
goods. A policy that ``covers_freight`` runs the stage after the freight
instead: the points pay for the goods and the freight together, the
freight taking its largest-remainder share as if it were one more line
(``Quote.freight_points``).

The earning preview (:func:`earning_of`) runs last: the points the order
would earn on what is paid after every discount and the points, freight
in or out by the :class:`~mallcore.loyalty.EarningPolicy`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

import attrs

from mallcore.errors import InvalidValue
from mallcore.loyalty import (
    Earning,
    EarningLine,
    EarningPolicy,
    Purchase,
    Redemption,
    RedemptionPolicy,
    RedemptionStatus,
    points_for,
    redeem,
)
from mallcore.money import Money, allocate_minor
from mallcore.pricing.cart import Cart
from mallcore.pricing.engine import LineDiscount, LineShare, Quote, RuleOutcome, Stage, Status

__all__ = ["POINTS_ID", "PointsOffer", "apply_points", "earning_of"]

POINTS_ID: Final = "points"
"""The rule id of the points stage in a quote's outcomes and line discounts."""


def _whole_points(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None and attribute.name == "requested":
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValue(attribute.name, value, "must be a whole number of points, not negative")


@attrs.frozen(kw_only=True)
class PointsOffer:
    """The points a shopper offers on a cart: the policy, the points available, how many to use.

    ``requested`` None uses as many as the policy allows.

    >>> PointsOffer(policy=RedemptionPolicy(), available=500).requested is None
    True
    """

    policy: RedemptionPolicy
    available: int = attrs.field(validator=_whole_points)
    requested: int | None = attrs.field(default=None, validator=_whole_points)


def apply_points(priced: Quote, offer: PointsOffer) -> Quote:
    """``priced`` with the points of ``offer`` taken off its lines, explained, in ``points``."""
    currency = priced.currency
    freight = priced.freight.amount if priced.freight is not None else None
    redemption: Redemption = redeem(
        offer.policy,
        available=offer.available,
        goods=priced.payable,
        freight=freight,
        requested=offer.requested,
        coupons_used=bool(priced.coupon_ids),
    )
    off = redemption.amount.minor_units
    weights = [line.payable.minor_units for line in priced.lines]
    if freight is not None and offer.policy.covers_freight:
        weights.append(freight.minor_units)
    shares = allocate_minor(off, weights) if off else [0] * len(weights)
    on_freight = (
        Money.from_minor(shares.pop(), currency) if len(shares) > len(priced.lines) else None
    )
    on_goods = redemption.amount - on_freight if on_freight is not None else redemption.amount
    lines = tuple(
        attrs.evolve(
            line,
            discounts=(*line.discounts, LineDiscount(POINTS_ID, Money.from_minor(share, currency))),
            payable=line.payable - Money.from_minor(share, currency),
        )
        if share
        else line
        for line, share in zip(priced.lines, shares, strict=True)
    )
    refused = redemption.status is RedemptionStatus.REFUSED
    outcome = RuleOutcome(
        rule_id=POINTS_ID,
        kind="points_redemption",
        stage=Stage.POINTS,
        status=Status.REFUSED if refused else Status.APPLIED,
        amount=None if refused else redemption.amount,
        per_line=tuple(
            LineShare(line.line_id, Money.from_minor(share, currency))
            for line, share in zip(priced.lines, shares, strict=True)
            if share
        ),
        detail="; ".join(
            part
            for part in (
                redemption.reason,
                f"{on_freight.amount} of it on the freight"
                if on_freight is not None and not on_freight.is_zero()
                else "",
            )
            if part
        ),
    )
    later = [index for index, o in enumerate(priced.outcomes) if o.stage is Stage.SHIPPING]
    at = later[0] if later else len(priced.outcomes)
    return attrs.evolve(
        priced,
        lines=lines,
        discount=priced.discount + on_goods,
        payable=priced.payable - on_goods,
        outcomes=(*priced.outcomes[:at], outcome, *priced.outcomes[at:]),
        points=redemption,
        freight_points=on_freight,
    )


def earning_of(
    priced: Quote,
    cart: Cart,
    policy: EarningPolicy,
    *,
    at: datetime,
    tier_multiplier: Decimal = Decimal(1),
    birthday: date | None = None,
) -> Earning:
    """The points ``priced`` would earn under ``policy``: on what is paid after every discount.

    ``tier_multiplier`` is the member tier's, ``birthday`` the customer's.
    """
    categories = {line.line_id: line.category_ids for line in cart.lines}
    purchase = Purchase(
        currency=priced.currency,
        lines=[
            EarningLine(
                sku_id=line.sku_id,
                category_ids=categories.get(line.line_id, frozenset()),
                paid=line.payable,
            )
            for line in priced.lines
            if not line.gift
        ],
        freight_paid=priced.freight_due() if priced.freight is not None else None,
        tier_multiplier=tier_multiplier,
        birthday=birthday,
        at=at,
    )
    return points_for(purchase, policy)
