"""The pricing rules: promotions and coupons, each kind a frozen attrs class.

Every rule shares the same conditions, spelled out as fields on each rule so
that a rule file reads flat:

- ``id`` and ``name``; ``priority`` (higher is considered first within a stage);
- ``window``: when it runs (tz-aware datetimes, start inclusive, end exclusive);
- ``scope``: which cart lines it covers (:class:`Scope`);
- ``audience``: who may use it (:class:`Audience`);
- ``limits``: how often it may be used in total and per customer (:class:`Limits`);
- ``stacking``: what it combines with (:class:`Stacking`).

Rule kinds, by stage (docs/pricing.md explains each stage):

1. unit price: :class:`UnitPrice` (会员价, 新人价, 限时折扣/直降, 拼团价),
   :class:`FlashSale` (秒杀, own allotment and per-customer limit);
2. item promotions: :class:`QuantityPercentOff` (N件M折 / 满件折),
   :class:`NthUnitPercentOff` (第二件半价), :class:`CheapestFree`
   (buy N, the cheapest free), :class:`Gift` (满赠 / 买赠);
3. order promotions: :class:`TieredAmountOff` (满100减10 / 满200减30),
   :class:`RepeatingAmountOff` (每满X减Y, optional cap), :class:`TieredPercentOff` (满折);
4. coupons: :class:`AmountOffCoupon` (满减券, 无门槛券 with ``min_spend`` zero),
   :class:`PercentOffCoupon` (折扣券, optional cap), :class:`ShippingCoupon` (运费券,
   handed on to the freight stage).

Rule files tag each rule with ``"kind"``: ``{"kind": "tiered_amount_off", ...}``.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

import attrs
from dateutil import tz

from mallcore._fields import (
    aware_field,
    non_negative_money,
    percent,
    positive,
    positive_money,
    span_days,
    strings,
    to_decimal,
    to_frozenset,
    to_tuple,
)
from mallcore.errors import InvalidValue, WrongType
from mallcore.money import Money
from mallcore.pricing.calendar import end_of_calendar_days

__all__ = [
    "AmountOffCoupon",
    "Audience",
    "Base",
    "CheapestFree",
    "Coupon",
    "FlashSale",
    "Gift",
    "KINDS",
    "Limits",
    "NthUnitPercentOff",
    "PercentOffCoupon",
    "Promotion",
    "QuantityPercentOff",
    "RepeatingAmountOff",
    "Rule",
    "Scope",
    "ShippingCoupon",
    "Stacking",
    "Tier",
    "TieredAmountOff",
    "TieredPercentOff",
    "UnitPrice",
    "Window",
]


# validators -------------------------------------------------------------------


def _amount_tiers(
    instance: object, attribute: attrs.Attribute[Any], value: tuple[Tier, ...]
) -> None:
    _tiers_of(value, "amount_off", "tiered_amount_off")


def _percent_tiers(
    instance: object, attribute: attrs.Attribute[Any], value: tuple[Tier, ...]
) -> None:
    _tiers_of(value, "percent_off", "tiered_percent_off")


def _tiers_of(tiers: tuple[Tier, ...], field: str, kind: str) -> None:
    if not isinstance(tiers, tuple):
        raise WrongType("tiers", tiers, "collection of Tier")
    if not tiers:
        raise InvalidValue("tiers", tiers, "must not be empty")
    for index, tier in enumerate(tiers):
        if not isinstance(tier, Tier):
            raise WrongType(f"tiers[{index}]", tier, "Tier")
        if getattr(tier, field) is None:
            raise InvalidValue(f"tiers[{index}]", tier, f"a {kind} tier needs {field}")


def _optional_frozenset(values: Any) -> Any:
    return None if values is None else to_frozenset(values)


# shared conditions --------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Window:
    """When a rule runs: from ``starts_at`` (inclusive) to ``ends_at`` (exclusive); open if None."""

    starts_at: datetime | None = attrs.field(
        default=None, validator=attrs.validators.optional(aware_field)
    )
    ends_at: datetime | None = attrs.field(
        default=None, validator=attrs.validators.optional(aware_field)
    )

    def __attrs_post_init__(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise InvalidValue("ends_at", self.ends_at, f"must be after starts_at {self.starts_at}")


@attrs.frozen(kw_only=True)
class Scope:
    """Which cart lines a rule covers.

    An empty ``categories``/``products``/``skus`` include means every line; a
    line is in scope when it matches any include and no exclude. Category ids
    are matched against the line's categories *including ancestors*. ``shop``
    narrows to one shop's lines (shop coupons).
    """

    categories: frozenset[str] = attrs.field(
        factory=frozenset, converter=to_frozenset, validator=strings
    )
    products: frozenset[str] = attrs.field(
        factory=frozenset, converter=to_frozenset, validator=strings
    )
    skus: frozenset[str] = attrs.field(factory=frozenset, converter=to_frozenset, validator=strings)
    excluded_products: frozenset[str] = attrs.field(
        factory=frozenset, converter=to_frozenset, validator=strings
    )
    excluded_skus: frozenset[str] = attrs.field(
        factory=frozenset, converter=to_frozenset, validator=strings
    )
    shop: str | None = None


@attrs.frozen(kw_only=True)
class Audience:
    """Who may use a rule: new customers only, some tiers, some regions (empty means all)."""

    new_customers_only: bool = False
    tiers: frozenset[str] = attrs.field(
        factory=frozenset, converter=to_frozenset, validator=strings
    )
    regions: frozenset[str] = attrs.field(
        factory=frozenset, converter=to_frozenset, validator=strings
    )


@attrs.frozen(kw_only=True)
class Limits:
    """Usage limits; the quote compares them with the counts it is given (None: unlimited)."""

    total: int | None = attrs.field(default=None, validator=attrs.validators.optional(positive))
    per_customer: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(positive)
    )


@attrs.frozen(kw_only=True)
class Stacking:
    """What a rule combines with.

    - ``exclusive``: combines with no other rule;
    - ``combines_with``: None (anything) or an allow-list of rule kinds and
      group names; both rules' lists must allow the other;
    - ``group``: of several rules in one group, only the one saving most applies;
    - ``on_promoted_items``: for coupons, whether lines already on promotion
      (a special unit price, an item promotion or the cart's flag) count.
    """

    exclusive: bool = False
    combines_with: frozenset[str] | None = attrs.field(default=None, converter=_optional_frozenset)
    group: str | None = None
    on_promoted_items: bool = True


class Base(enum.Enum):
    """The amount an order-level threshold is measured on."""

    BEFORE_ITEM_DISCOUNTS = "before_item_discounts"
    """Unit prices times quantities, before item promotions."""
    AFTER_ITEM_DISCOUNTS = "after_item_discounts"
    """What is left after item promotions (the default)."""


@attrs.frozen
class Tier:
    """One step of a tiered rule: from ``threshold`` on, ``amount_off`` or ``percent_off``."""

    threshold: Money = attrs.field(validator=non_negative_money)
    amount_off: Money | None = attrs.field(
        default=None, validator=attrs.validators.optional(positive_money)
    )
    percent_off: Decimal | None = attrs.field(
        default=None,
        converter=attrs.converters.optional(to_decimal),
        validator=attrs.validators.optional(percent),
    )

    def __attrs_post_init__(self) -> None:
        if (self.amount_off is None) == (self.percent_off is None):
            raise InvalidValue("tier", self, "needs exactly one of amount_off and percent_off")
        if self.percent_off is not None and not Decimal(0) < self.percent_off <= Decimal(100):
            raise InvalidValue("percent_off", self.percent_off, "must be in (0, 100]")


@attrs.frozen(kw_only=True)
class _Rule:
    """Fields every rule has."""

    id: str
    name: str = ""
    priority: int = 0
    window: Window = attrs.field(factory=Window)
    scope: Scope = attrs.field(factory=Scope)
    audience: Audience = attrs.field(factory=Audience)
    limits: Limits = attrs.field(factory=Limits)
    stacking: Stacking = attrs.field(factory=Stacking)


# stage 1: unit prices -------------------------------------------------------------


@attrs.frozen(kw_only=True)
class UnitPrice(_Rule):
    """A special unit price: a fixed ``price`` or ``percent_off`` the list price.

    Covers 会员价 (with ``audience.tiers``), 新人价 (``new_customers_only``) and 直降.
    ``group_buy_only`` limits it to group-buy orders (拼团价).
    """

    price: Money | None = attrs.field(
        default=None, validator=attrs.validators.optional(positive_money)
    )
    percent_off: Decimal | None = attrs.field(
        default=None,
        converter=attrs.converters.optional(to_decimal),
        validator=attrs.validators.optional(percent),
    )
    group_buy_only: bool = False

    def __attrs_post_init__(self) -> None:
        if (self.price is None) == (self.percent_off is None):
            raise InvalidValue("unit_price", self.id, "needs exactly one of price and percent_off")
        if self.percent_off is not None and not Decimal(0) < self.percent_off <= Decimal(100):
            raise InvalidValue("percent_off", self.percent_off, "must be in (0, 100]")


@attrs.frozen(kw_only=True)
class FlashSale(_Rule):
    """秒杀: ``price`` for at most ``allotment`` units in total and ``per_customer`` units each.

    Units over either limit are charged the next best unit price. Like every
    rule, ``limits`` counts *orders*, read from ``usage[id]``; the *units*
    sold so far are counted apart, under :attr:`units_key` (``"<id>:units"``):
    the quote's ``usage`` for all customers, the customer's ``usage`` for them.
    """

    price: Money = attrs.field(validator=positive_money)
    allotment: int = attrs.field(validator=positive)
    per_customer: int = attrs.field(validator=positive)

    @property
    def units_key(self) -> str:
        """The usage key counting the units sold (the rule id counts orders).

        >>> FlashSale(id="fs", price=Money("1", "CNY"), allotment=9, per_customer=1).units_key
        'fs:units'
        """
        return f"{self.id}:units"


# stage 2: item promotions -----------------------------------------------------------


@attrs.frozen(kw_only=True)
class QuantityPercentOff(_Rule):
    """N件M折: with at least ``min_quantity`` units in scope, ``percent_off`` those units."""

    min_quantity: int = attrs.field(validator=positive)
    percent_off: Decimal = attrs.field(converter=to_decimal, validator=percent)


@attrs.frozen(kw_only=True)
class NthUnitPercentOff(_Rule):
    """第二件半价: on each line in scope, every ``nth`` unit is ``percent_off``."""

    nth: int = attrs.field(default=2, validator=positive)
    percent_off: Decimal = attrs.field(converter=to_decimal, validator=percent)


@attrs.frozen(kw_only=True)
class CheapestFree(_Rule):
    """Buy ``buy`` units in scope, the cheapest of them free (repeats for every ``buy`` units)."""

    buy: int = attrs.field(validator=positive)


@attrs.frozen(kw_only=True)
class Gift(_Rule):
    """满赠 / 买赠: reaching ``min_spend`` and ``min_quantity`` in scope adds a free gift line."""

    gift_sku_id: str
    gift_name: str
    gift_value: Money = attrs.field(validator=non_negative_money)
    min_spend: Money | None = None
    min_quantity: int = attrs.field(default=1, validator=positive)
    quantity: int = attrs.field(default=1, validator=positive)


# stage 3: order promotions -------------------------------------------------------------


@attrs.frozen(kw_only=True)
class TieredAmountOff(_Rule):
    """满减 in tiers (满100减10 / 满200减30): the highest tier reached applies.

    Every tier has an ``amount_off`` (a percentage tier is a :class:`TieredPercentOff`).
    """

    tiers: tuple[Tier, ...] = attrs.field(converter=to_tuple, validator=_amount_tiers)
    base: Base = Base.AFTER_ITEM_DISCOUNTS


@attrs.frozen(kw_only=True)
class RepeatingAmountOff(_Rule):
    """每满X减Y: ``amount_off`` for every full ``every`` spent, at most ``cap`` in all."""

    every: Money = attrs.field(validator=positive_money)
    amount_off: Money = attrs.field(validator=positive_money)
    cap: Money | None = attrs.field(
        default=None, validator=attrs.validators.optional(positive_money)
    )
    base: Base = Base.AFTER_ITEM_DISCOUNTS


@attrs.frozen(kw_only=True)
class TieredPercentOff(_Rule):
    """满折: from each tier's threshold on, its ``percent_off`` (the highest tier reached).

    Every tier has a ``percent_off`` (an amount tier is a :class:`TieredAmountOff`).
    """

    tiers: tuple[Tier, ...] = attrs.field(converter=to_tuple, validator=_percent_tiers)
    base: Base = Base.AFTER_ITEM_DISCOUNTS


# stage 4: coupons -------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _Coupon(_Rule):
    """Fields every coupon has: validity and who issued it.

    Validity is either the ``window`` or, when ``valid_days`` is set, from
    ``received_at`` to the end of the ``valid_days``-th calendar day counted
    from the day of receipt (day 1) in the merchant's ``time_zone``.
    ``shop`` None is a platform coupon.
    """

    min_spend: Money | None = None
    shop: str | None = None
    received_at: datetime | None = attrs.field(
        default=None, validator=attrs.validators.optional(aware_field)
    )
    valid_days: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(span_days)
    )
    time_zone: str = "Asia/Shanghai"

    def __attrs_post_init__(self) -> None:
        if self.valid_days is not None and self.received_at is None:
            raise InvalidValue("received_at", None, "is needed with valid_days")
        if not isinstance(self.time_zone, str):
            raise WrongType("time_zone", self.time_zone, "str")
        if tz.gettz(self.time_zone) is None:
            raise InvalidValue("time_zone", self.time_zone, "is not an IANA time zone name")

    def valid_window(self) -> Window:
        """The window in which this coupon can be used."""
        if self.valid_days is None or self.received_at is None:
            return self.window
        end = end_of_calendar_days(self.received_at, self.valid_days, self.time_zone)
        return Window(starts_at=self.received_at, ends_at=end)


@attrs.frozen(kw_only=True)
class AmountOffCoupon(_Coupon):
    """``amount_off`` the lines in scope: 满减券 with ``min_spend``, 无门槛券 without."""

    amount_off: Money = attrs.field(validator=positive_money)


@attrs.frozen(kw_only=True)
class PercentOffCoupon(_Coupon):
    """折扣券: ``percent_off`` the lines in scope, at most ``max_discount``."""

    percent_off: Decimal = attrs.field(converter=to_decimal, validator=percent)
    max_discount: Money | None = attrs.field(
        default=None, validator=attrs.validators.optional(positive_money)
    )


@attrs.frozen(kw_only=True)
class ShippingCoupon(_Coupon):
    """运费券: ``amount_off`` the freight (None: free shipping), handed to the freight stage."""

    amount_off: Money | None = attrs.field(
        default=None, validator=attrs.validators.optional(positive_money)
    )


Promotion = (
    UnitPrice
    | FlashSale
    | QuantityPercentOff
    | NthUnitPercentOff
    | CheapestFree
    | Gift
    | TieredAmountOff
    | RepeatingAmountOff
    | TieredPercentOff
)
"""An automatic promotion (the tagged union read from rule files)."""

Coupon = AmountOffCoupon | PercentOffCoupon | ShippingCoupon
"""A coupon from a customer's wallet (the tagged union read from rule files)."""

Rule = Promotion | Coupon
"""Any pricing rule."""

KINDS: Final[dict[type, str]] = {
    UnitPrice: "unit_price",
    FlashSale: "flash_sale",
    QuantityPercentOff: "quantity_percent_off",
    NthUnitPercentOff: "nth_unit_percent_off",
    CheapestFree: "cheapest_free",
    Gift: "gift",
    TieredAmountOff: "tiered_amount_off",
    RepeatingAmountOff: "repeating_amount_off",
    TieredPercentOff: "tiered_percent_off",
    AmountOffCoupon: "amount_off_coupon",
    PercentOffCoupon: "percent_off_coupon",
    ShippingCoupon: "shipping_coupon",
}
"""The ``"kind"`` tag of each rule class in rule files and explanations."""
