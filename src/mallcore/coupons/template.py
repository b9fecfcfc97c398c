"""Coupon templates: what a merchant sets up once, and each customer claims instances of.

A :class:`CouponTemplate` (优惠券模板 / 券批次) wraps a pricing coupon (its kind,
amounts, scope, stacking, minimum spend, shop) with what belongs to the
batch rather than to one coupon:

- :class:`IssueLimits`: how many instances may be claimed in all, and per
  customer (CRMEB ``total_count`` / ``receive_limit``; WeChat Pay
  ``max_coupons`` / ``max_coupons_per_user``);
- :class:`UseLimits`: how many orders may use one in all and per customer,
  and a ``budget``: the sum of the discounts actually granted (WeChat Pay
  ``max_amount``); a discount that would pass what is left is refused whole,
  never applied in part;
- ``claim_window``: when it may be claimed;
- :class:`Validity`: when a claimed instance may be used, fixed dates or a
  span from the claim;
- ``code``: a shared code anyone may redeem, once per customer;
- ``return_on_refund``: whether a full refund gives the coupon back (an
  unpaid cancel always does).

The template holds the limits; the counts live in storage
(:mod:`mallcore.coupons.counters`) and the Mall checks them in the
transaction that claims or places the order. So :meth:`CouponTemplate.claim`
checks only what the template alone decides: the claim window and whether
the validity is over.

Validity, exactly one of:

- a fixed ``window``: usable from its start (or the claim, if later) until
  its end;
- ``days``/``hours`` from the claim as an exact timestamp, the default
  (CRMEB ``coupon_time``: claimed 2024-03-01 10:00:00 with 7 days, valid
  until 2024-03-08 10:00:00);
- with ``calendar_days``, to the end of the ``days``-th calendar day counted
  from the claim day (day 1) in ``time_zone``
  (:func:`mallcore.pricing.calendar.end_of_calendar_days`, what a pricing
  coupon's ``valid_days`` means):

>>> from datetime import datetime, timezone
>>> claimed = datetime(2024, 3, 1, 2, tzinfo=timezone.utc)  # 10:00 in Shanghai
>>> [moment.isoformat() for moment in Validity.relative(days=7).span(claimed)]
['2024-03-01T02:00:00+00:00', '2024-03-08T02:00:00+00:00']
>>> Validity.calendar(7).span(claimed)[1].isoformat()
'2024-03-08T00:00:00+08:00'
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final

import attrs

from mallcore._fields import id_field, time_zone_field
from mallcore.catalog.listing import require_aware
from mallcore.coupons.codes import is_code, normalize_code
from mallcore.coupons.instance import CouponClaimed, CouponEvent, CouponInstance, CouponRefusal
from mallcore.errors import CouponUnavailable, InvalidValue, WrongType
from mallcore.money import Money
from mallcore.pricing import (
    AmountOffCoupon,
    Coupon,
    Limits,
    PercentOffCoupon,
    ShippingCoupon,
    Window,
)
from mallcore.pricing.calendar import end_of_calendar_days

__all__ = ["CouponTemplate", "IssueLimits", "MAX_VALIDITY_DAYS", "UseLimits", "Validity"]

MAX_VALIDITY_DAYS: Final = 3660
"""The longest relative validity, in days (hours count against it too)."""


# validators and converters --------------------------------------------------------------


def _optional_count(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise WrongType(attribute.name, value, "int")
    if value < 1:
        raise InvalidValue(attribute.name, value, "must be a whole number of at least 1")


def _optional_budget(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, Money):
        raise WrongType(attribute.name, value, "Money")
    if value.minor_units <= 0:
        raise InvalidValue(attribute.name, value, "must be positive")


def _per_customer_within_total(total: int | None, per_customer: int | None) -> None:
    if total is not None and per_customer is not None and per_customer > total:
        raise InvalidValue("per_customer", per_customer, f"must not exceed total {total}")


def _instance_of(kind: type | tuple[type, ...], name: str) -> Callable[..., None]:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, kind):
            raise WrongType(attribute.name, value, name)

    return check


def _optional_window(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, Window):
        raise WrongType(attribute.name, value, "Window")


def _optional_span(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    _optional_count(instance, attribute, value)


def _version(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise WrongType(attribute.name, value, "int")
    if value < 0:
        raise InvalidValue(attribute.name, value, "must not be negative")


def _optional_code(value: str | None) -> str | None:
    return None if value is None else normalize_code(value)


def _code(instance: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and not is_code(value):
        raise InvalidValue(attribute.name, value, "must be 4 to 32 letters A-Z and digits")


_COUPON_KINDS: Final = (AmountOffCoupon, PercentOffCoupon, ShippingCoupon)


# limits -------------------------------------------------------------------------------------


@attrs.frozen
class IssueLimits:
    """How many instances may be claimed: ``total`` in all, ``per_customer`` each (None: no limit).

    ``per_customer`` may not exceed ``total`` (CRMEB refuses such a template: CP4).
    """

    total: int | None = attrs.field(default=None, validator=_optional_count)
    per_customer: int | None = attrs.field(default=None, validator=_optional_count)

    def __attrs_post_init__(self) -> None:
        _per_customer_within_total(self.total, self.per_customer)


@attrs.frozen
class UseLimits:
    """How often a template's coupons may be used, and the discount budget (None: no limit).

    ``total`` and ``per_customer`` count orders holding one of its coupons;
    ``budget`` caps the sum of the discounts they granted, in the coupon's
    currency. ``per_customer`` may not exceed ``total``.
    """

    total: int | None = attrs.field(default=None, validator=_optional_count)
    per_customer: int | None = attrs.field(default=None, validator=_optional_count)
    budget: Money | None = attrs.field(default=None, validator=_optional_budget)

    def __attrs_post_init__(self) -> None:
        _per_customer_within_total(self.total, self.per_customer)


# validity -----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Validity:
    """When a claimed instance can be used: a fixed ``window``, or a span from the claim.

    Exactly one of:

    - ``window``: fixed dates; its ``ends_at`` is required (a coupon expires);
    - ``days`` and/or ``hours`` (each at least 1): from the claim, as an
      exact timestamp ``claimed_at + days x 24 h + hours x 1 h``; with
      ``calendar_days`` (``days`` only), to the end of the ``days``-th
      calendar day counted from the claim day (day 1) in ``time_zone``.

    Build one with :meth:`fixed`, :meth:`relative` or :meth:`calendar`.
    """

    window: Window | None = attrs.field(default=None, validator=_optional_window)
    days: int | None = attrs.field(default=None, validator=_optional_span)
    hours: int | None = attrs.field(default=None, validator=_optional_span)
    calendar_days: bool = attrs.field(default=False, validator=_instance_of(bool, "bool"))
    time_zone: str = attrs.field(default="Asia/Shanghai", validator=time_zone_field)

    def __attrs_post_init__(self) -> None:
        relative = self.days is not None or self.hours is not None
        if (self.window is not None) == relative:
            raise InvalidValue("validity", self, "needs exactly one of window and days/hours")
        if self.window is not None and self.window.ends_at is None:
            raise InvalidValue("window", self.window, "needs an ends_at: a coupon must expire")
        if self.calendar_days and (self.days is None or self.hours is not None):
            raise InvalidValue("calendar_days", True, "counts days only: set days, not hours")
        if (self.days or 0) * 24 + (self.hours or 0) > MAX_VALIDITY_DAYS * 24:
            raise InvalidValue(
                "validity", self, f"must not run longer than {MAX_VALIDITY_DAYS} days"
            )

    @classmethod
    def fixed(cls, window: Window) -> Validity:
        """Usable in the fixed ``window`` (from the claim, if the claim is later)."""
        return cls(window=window)

    @classmethod
    def relative(cls, *, days: int | None = None, hours: int | None = None) -> Validity:
        """Usable for exactly ``days`` x 24 h + ``hours`` h from the claim."""
        return cls(days=days, hours=hours)

    @classmethod
    def calendar(cls, days: int, *, time_zone: str = "Asia/Shanghai") -> Validity:
        """Usable to the end of the ``days``-th calendar day from the claim day (day 1)."""
        return cls(days=days, calendar_days=True, time_zone=time_zone)

    def span(self, claimed_at: datetime) -> tuple[datetime, datetime]:
        """``(valid_from, valid_until)`` of an instance claimed at ``claimed_at`` (until exclusive).

        ``valid_from`` is the claim, or a fixed window's start when that is
        later. A claim at or after a fixed window's end gets an empty span
        (both are the window's end); :meth:`CouponTemplate.claim` refuses it.
        """
        require_aware("claimed_at", claimed_at)
        if self.window is not None:
            until = self.window.ends_at
            if until is None:  # refused when built; this keeps the type checker informed
                raise InvalidValue("window", self.window, "needs an ends_at")
            starts = self.window.starts_at
            since = claimed_at if starts is None or starts <= claimed_at else starts
            return min(since, until), until
        if self.calendar_days:
            return claimed_at, end_of_calendar_days(claimed_at, self.days or 0, self.time_zone)
        return claimed_at, claimed_at + timedelta(days=self.days or 0, hours=self.hours or 0)


# the template -------------------------------------------------------------------------------


def _pricing_coupon(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, _COUPON_KINDS):
        raise WrongType(
            attribute.name, value, "AmountOffCoupon | PercentOffCoupon | ShippingCoupon"
        )
    for field, default in (
        ("limits", Limits()),
        ("window", Window()),
        ("received_at", None),
        ("valid_days", None),
    ):
        if getattr(value, field) != default:
            raise InvalidValue(
                f"coupon.{field}",
                getattr(value, field),
                "belongs to the template (issue, use, claim_window, validity): leave it unset",
            )


def _moneys(coupon: Coupon) -> list[Money]:
    """The amounts a coupon names: its amount off, its minimum spend, its cap."""
    found = [coupon.min_spend]
    if isinstance(coupon, AmountOffCoupon | ShippingCoupon):
        found.append(coupon.amount_off)
    else:
        found.append(coupon.max_discount)
    return [money for money in found if money is not None]


@attrs.frozen(kw_only=True)
class CouponTemplate:
    """A coupon batch as the merchant set it up: the pricing coupon, limits, windows, code.

    ``coupon`` is the pricing coupon (kind, amounts, scope, stacking,
    ``min_spend``, ``shop``); its ``limits``, ``window``, ``received_at``
    and ``valid_days`` must be left unset: they belong to the template.
    ``version`` counts the merchant's edits (:meth:`edited`).
    """

    id: str = attrs.field(validator=id_field)
    name: str = attrs.field(validator=_instance_of(str, "str"))
    coupon: Coupon = attrs.field(validator=_pricing_coupon)
    validity: Validity = attrs.field(validator=_instance_of(Validity, "Validity"))
    issue: IssueLimits = attrs.field(
        factory=IssueLimits, validator=_instance_of(IssueLimits, "IssueLimits")
    )
    use: UseLimits = attrs.field(factory=UseLimits, validator=_instance_of(UseLimits, "UseLimits"))
    claim_window: Window = attrs.field(factory=Window, validator=_instance_of(Window, "Window"))
    code: str | None = attrs.field(default=None, converter=_optional_code, validator=_code)
    return_on_refund: bool = attrs.field(default=True, validator=_instance_of(bool, "bool"))
    version: int = attrs.field(default=0, validator=_version)

    def __attrs_post_init__(self) -> None:
        currencies = sorted({money.currency for money in _moneys(self.coupon)})
        if len(currencies) > 1:
            raise InvalidValue("coupon", self.coupon, f"mixes currencies {currencies}")
        budget = self.use.budget
        if budget is not None and currencies and budget.currency != currencies[0]:
            raise InvalidValue(
                "use.budget", budget, f"must be in the coupon's currency {currencies[0]}"
            )
        ends = None if self.validity.window is None else self.validity.window.ends_at
        claims_end = self.claim_window.ends_at
        if ends is not None and claims_end is not None and ends < claims_end:
            raise InvalidValue(
                "validity.window.ends_at",
                ends,
                f"must not be before the claim window's end {claims_end}",
            )

    @property
    def currency(self) -> str | None:
        """The currency of the coupon's amounts (None: a percentage coupon naming no amount)."""
        moneys = _moneys(self.coupon)
        return moneys[0].currency if moneys else None

    def claimability(self, at: datetime) -> CouponRefusal | None:
        """Why the template alone refuses a claim at ``at`` (None: it does not).

        CLAIM_CLOSED outside the claim window; EXPIRED when an instance
        claimed now would already be over (a fixed validity that ended).
        The issue limits are the Mall's to check, against the counters.
        """
        require_aware("at", at)
        window = self.claim_window
        if (window.starts_at is not None and at < window.starts_at) or (
            window.ends_at is not None and at >= window.ends_at
        ):
            return CouponRefusal.CLAIM_CLOSED
        valid_from, valid_until = self.validity.span(at)
        if valid_from >= valid_until:
            return CouponRefusal.EXPIRED
        return None

    def claim(
        self, instance_id: str, customer_id: str, *, at: datetime, code: str | None = None
    ) -> tuple[CouponInstance, tuple[CouponEvent, ...]]:
        """A new instance ``instance_id`` in ``customer_id``'s wallet, claimed at ``at``.

        ``code`` is the code it was redeemed with, if any (kept normalised).
        Raises CouponUnavailable with the reason of :meth:`claimability`;
        the limits are not checked here (the Mall checks the counters).
        """
        refusal = self.claimability(at)
        if refusal is not None:
            raise CouponUnavailable(self.id, refusal.value)
        valid_from, valid_until = self.validity.span(at)
        instance = CouponInstance(
            id=instance_id,
            template_id=self.id,
            customer_id=customer_id,
            claimed_at=at,
            valid_from=valid_from,
            valid_until=valid_until,
            code=code,
        )
        event = CouponClaimed(
            instance.id,
            self.id,
            instance.customer_id,
            at,
            valid_from,
            valid_until,
            code=instance.code,
        )
        return instance, (event,)

    def pricing_coupon(self, instance: CouponInstance) -> Coupon:
        """The coupon the quote prices for ``instance``: this template's, with the instance's id.

        Its ``window`` is the instance's validity; it has no ``valid_days``
        nor ``received_at`` and empty ``Limits()`` (the Mall checks the
        counters); an unnamed coupon takes the template's ``name``.
        """
        if not isinstance(instance, CouponInstance):
            raise WrongType("instance", instance, "CouponInstance")
        if instance.template_id != self.id:
            raise InvalidValue(
                "instance.template_id", instance.template_id, f"is not this template {self.id!r}"
            )
        return attrs.evolve(
            self.coupon,
            id=instance.id,
            name=self.coupon.name or self.name,
            window=Window(starts_at=instance.valid_from, ends_at=instance.valid_until),
            limits=Limits(),
            received_at=None,
            valid_days=None,
        )

    def edited(self, **changes: Any) -> CouponTemplate:
        """The next version of this template with ``changes`` (field name -> new value)."""
        return attrs.evolve(self, **changes, version=self.version + 1)
