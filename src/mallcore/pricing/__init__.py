"""Pricing: promotions, coupons, stacking, the best coupon combination, apportioning.

The entry point is :func:`quote`::

    quote(cart, *, promotions=(), coupons=(), customer=None, now,
          selected=None, usage=None, max_platform_coupons=1,
          max_shop_coupons=1, rounding=Rounding.HALF_UP, exhaustive=False,
          chosen_promotions=None, shipping=None, destination=None,
          shipping_method=None, points=None, earning=None, tiers=None) -> Quote

- ``cart``: a :class:`Cart` of :class:`CartLine` (line id, SKU, product,
  categories including ancestors, quantity, list/sale price, shop, flags);
- ``promotions``: automatic rules (:data:`Promotion`), ``coupons``: the
  customer's wallet (:data:`Coupon`); ``customer``: tier, new or not, region
  and per-rule usage counts; ``now``: a timezone-aware datetime;
- ``selected``: the coupon ids the shopper picked, or None for the best
  combination, found exactly (:mod:`mallcore.pricing.best`);
  ``chosen_promotions``: the shopper's pick among promotions of one group
  (else the engine picks jointly with the coupons);
- ``usage``: each rule's uses so far by everybody; the limits per order and
  the rounding of percentages.

- ``shipping``/``destination``/``shipping_method``: the freight stage;
  ``points``: the shopper's points (积分抵扣, :mod:`mallcore.pricing.points`);
  ``earning``: the points the order would earn; ``tiers``: the member tier
  programme whose benefits the customer's tier brings
  (:mod:`mallcore.pricing.membership`).

Cart lines from catalog SKUs: :func:`mallcore.pricing.from_catalog.cart_line`.

The :class:`Quote` has one :class:`LineQuote` per line (unit prices, the
discounts apportioned to it, its payable, and ``unit_payables()`` for refunds
of single units), the ``subtotal``/``total``/``discount``/``payable``,
``adjustments()`` (the rules that applied, each with its amount per line), the
coupons used, the shipping coupons handed to freight, the alternatives the
shopper could pick, and one :class:`RuleOutcome` per rule with its
:class:`Status`. docs/pricing.md describes the stages.

>>> from datetime import datetime, timezone
>>> from mallcore.money import Money
>>> cart = Cart(currency="CNY", lines=[CartLine(line_id="1", sku_id="tea", product_id="tea",
...     quantity=2, list_price=Money("60.00", "CNY"))])
>>> promo = TieredAmountOff(id="full-100", tiers=[Tier(Money("100", "CNY"), Money("10", "CNY"))])
>>> quote(cart, promotions=[promo], now=datetime(2026, 11, 11, tzinfo=timezone.utc)).payable
Money('110.00', 'CNY')
"""

from mallcore.pricing.cart import Cart, CartLine, Customer, Usage
from mallcore.pricing.engine import (
    Alternative,
    LineDiscount,
    LineQuote,
    LineShare,
    Quote,
    RuleOutcome,
    Stage,
    Status,
    quote,
)
from mallcore.pricing.points import PointsOffer
from mallcore.pricing.rules import (
    KINDS,
    AmountOffCoupon,
    Audience,
    Base,
    CheapestFree,
    Coupon,
    FlashSale,
    Gift,
    Limits,
    NthUnitPercentOff,
    PercentOffCoupon,
    Promotion,
    QuantityPercentOff,
    RepeatingAmountOff,
    Rule,
    Scope,
    ShippingCoupon,
    Stacking,
    Tier,
    TieredAmountOff,
    TieredPercentOff,
    UnitPrice,
    Window,
)

__all__ = [
    "Alternative",
    "AmountOffCoupon",
    "Audience",
    "Base",
    "Cart",
    "CartLine",
    "CheapestFree",
    "Coupon",
    "Customer",
    "FlashSale",
    "Gift",
    "KINDS",
    "Limits",
    "LineDiscount",
    "LineQuote",
    "LineShare",
    "NthUnitPercentOff",
    "PercentOffCoupon",
    "PointsOffer",
    "Promotion",
    "QuantityPercentOff",
    "Quote",
    "RepeatingAmountOff",
    "Rule",
    "RuleOutcome",
    "Scope",
    "ShippingCoupon",
    "Stacking",
    "Stage",
    "Status",
    "Tier",
    "TieredAmountOff",
    "TieredPercentOff",
    "UnitPrice",
    "Usage",
    "Window",
    "quote",
]
