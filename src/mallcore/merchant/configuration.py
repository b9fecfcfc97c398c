"""The configuration value and the shop's settings (docs/mall.md has the defaults and why)."""

from __future__ import annotations

import enum
from datetime import timedelta
from typing import Any, get_args

import attrs

from mallcore._fields import members, time_zone_field, to_tuple
from mallcore.catalog import CategoryTree
from mallcore.errors import InvalidValue, WrongType
from mallcore.loyalty import EarningPolicy, RedemptionPolicy, TierProgram
from mallcore.money import Money, Rounding
from mallcore.pricing import Gift, Promotion
from mallcore.shipping import ShippingSetup

__all__ = ["Configuration", "GiftPolicy", "Settings", "UnappliedPaymentPolicy"]


class GiftPolicy(enum.Enum):
    """What an order does when a gift (满赠) it won is out of stock."""

    DROP = "drop"
    """赠完即止: the order is placed without the gift."""
    REFUSE = "refuse"
    """The order is refused with OutOfStock for the gift's SKU."""


class UnappliedPaymentPolicy(enum.Enum):
    """What the shop does with money that cannot pay its order.

    A payment of the wrong amount, for an unknown order, or after the order
    was cancelled. (A second payment of an order already paid is always
    returned, and reported for a person to look at.)
    """

    REFUND = "refund"
    """Return it in full through the gateway at once."""
    FLAG = "flag"
    """Hold it for a person to decide (``Mall.return_flagged_payment``)."""


def _span(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, timedelta):
        raise WrongType(attribute.name, value, "timedelta")
    if value < timedelta(0) or value > timedelta(days=3660):
        raise InvalidValue(attribute.name, value, "must be between 0 and 3660 days")


def _positive_span(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _span(instance, attribute, value)
    if value == timedelta(0):
        raise InvalidValue(attribute.name, value, "must be positive")


def _count(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise WrongType(attribute.name, value, "int")
    if not 1 <= value <= 1000:
        raise InvalidValue(attribute.name, value, "must be between 1 and 1000")


def _optional_amount(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, Money):
        raise WrongType(attribute.name, value, "Money")
    if value.is_negative():
        raise InvalidValue(attribute.name, value, "must not be negative")


@attrs.frozen(kw_only=True)
class Settings:
    """How the shop runs its orders; every field has the usual platform default.

    - ``payment_window``: an unpaid order is cancelled this long after it is
      placed (its stock, coupons and points come back);
    - ``confirmation_window``: a shipped order confirms itself this long after
      its delivery (or its last package, never scanned);
    - ``after_sales_window``: after completion, how long the order takes
      refunds (its ``after_sales_until``), and the points it earned stay held
      (a refund in that time takes them back unspent);
    - ``unapplied_payments``: what money that cannot pay its order does;
    - ``after_sales_response``: the merchant handles an after-sales request
      this long after it (on timeout it is approved); ``return_shipment``:
      the customer ships a return this long after approval (on timeout the
      case closes); ``return_receipt``: the merchant confirms the returned
      goods this long after they were sent (on timeout the refund goes);
    - ``offer_response``: the customer answers a lower amount the merchant
      offered this long after it (on timeout the case closes, declined);
    - ``return_freight_cap``: the most the merchant pays back of the
      postage a customer declares when sending back a return the merchant
      pays the freight of (a quality problem); None: what is declared;
    - ``return_address``: where returns go when a request is approved by the
      timeout (the merchant gives one when approving by hand);
    - ``approve_cancellations_while_preparing``: whether a customer's
      cancellation of a paid order the merchant is preparing (备货中) waits
      for the merchant (False) or is granted at once like any other (True);
    - ``gift_policy``: what an out-of-stock gift does to the order;
    - ``wallet_candidates``: at most this many of a customer's coupons go into
      the best-combination search when none is selected (a big wallet never
      slows a checkout down);
    - ``max_platform_coupons`` / ``max_shop_coupons``: coupons per order;
    - ``rounding``: how percentages round;
    - ``time_zone``: the shop's IANA time zone (whose day a birthday is).
    """

    payment_window: timedelta = attrs.field(default=timedelta(minutes=30), validator=_positive_span)
    confirmation_window: timedelta = attrs.field(default=timedelta(days=7), validator=_span)
    after_sales_window: timedelta = attrs.field(default=timedelta(days=7), validator=_span)
    unapplied_payments: UnappliedPaymentPolicy = UnappliedPaymentPolicy.REFUND
    approve_cancellations_while_preparing: bool = False
    after_sales_response: timedelta = attrs.field(
        default=timedelta(hours=48), validator=_positive_span
    )
    return_shipment: timedelta = attrs.field(default=timedelta(days=7), validator=_positive_span)
    return_receipt: timedelta = attrs.field(default=timedelta(days=10), validator=_positive_span)
    return_address: str = ""
    offer_response: timedelta = attrs.field(default=timedelta(days=7), validator=_positive_span)
    return_freight_cap: Money | None = attrs.field(default=None, validator=_optional_amount)
    gift_policy: GiftPolicy = GiftPolicy.DROP
    wallet_candidates: int = attrs.field(default=12, validator=_count)
    max_platform_coupons: int = attrs.field(default=1, validator=_count)
    max_shop_coupons: int = attrs.field(default=1, validator=_count)
    rounding: Rounding = Rounding.HALF_UP
    time_zone: str = attrs.field(default="Asia/Shanghai", validator=time_zone_field)


def _distinct_ids(
    instance: object, attribute: attrs.Attribute[Any], value: tuple[Promotion, ...]
) -> None:
    ids = [promotion.id for promotion in value]
    if len(set(ids)) != len(ids):
        raise InvalidValue("promotions", sorted(ids), "must have distinct ids")


def _version(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise WrongType(attribute.name, value, "int")
    if value < 0:
        raise InvalidValue(attribute.name, value, "must not be negative")


@attrs.frozen(kw_only=True)
class Configuration:
    """One version of what the merchant set up: rules, shipping, points, tiers, settings."""

    promotions: tuple[Promotion, ...] = attrs.field(
        default=(),
        converter=to_tuple,
        validator=[members(get_args(Promotion), "promotion"), _distinct_ids],
    )
    categories: CategoryTree | None = None
    shipping: ShippingSetup | None = None
    earning: EarningPolicy | None = None
    redemption: RedemptionPolicy | None = None
    tiers: TierProgram | None = None
    settings: Settings = attrs.field(factory=Settings)
    version: int = attrs.field(default=0, validator=_version)

    def edited(self, **changes: Any) -> Configuration:
        """The next version with ``changes`` (field name -> new value)."""
        return attrs.evolve(self, **changes, version=self.version + 1)

    def gifts(self) -> tuple[Gift, ...]:
        """The gift promotions (满赠): their SKUs must exist in the catalog."""
        return tuple(rule for rule in self.promotions if isinstance(rule, Gift))
