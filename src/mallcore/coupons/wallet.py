"""A customer's wallet at a moment, and the few coupons a big wallet hands to the quote.

:meth:`Wallet.of` sorts a customer's instances into what a wallet page
shows, by :meth:`~mallcore.coupons.CouponInstance.usability` at ``now``:
``usable``, ``not_started``, ``locked`` (held by an unpaid order), ``used``,
``expired`` and ``void``; each sorted by ``valid_until`` then id, so what
expires first comes first. Every instance lands in exactly one of them.

:func:`best_candidates` picks at most ``limit`` usable instances for the
quote's best-coupon search (which is exact, so its cost grows with the
coupons it is given): a wallet of 200 coupons never slows a checkout down.
The ranking, deterministic and documented:

1. Only instances usable at ``now`` whose template is known; with a
   ``subtotal``, only those in its currency.
2. Each instance is valued by what its coupon could take off at most
   (:func:`estimate`): an amount off (capped at the ``subtotal``); a
   percentage of the ``subtotal``, capped at ``max_discount`` (without a
   subtotal, the cap, or 0 when uncapped); a shipping coupon's amount off
   (free shipping 0: the freight is not known yet). A coupon whose
   ``min_spend`` the ``subtotal`` does not reach is worth 0 here.
3. Instances are ordered by value (highest first), then percentage (highest
   first), then ``valid_until`` (soonest first: use up what expires
   first), then template id and instance id.
4. Two instances of one template are interchangeable in a quote, so the
   first pass takes the best instance of each template, in that order; the
   second pass the remaining instances, in that order. The first ``limit``
   are returned.

So the single best-valued coupon is always a candidate, and a wallet with
ten copies of one voucher still offers the search ten different templates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Any

import attrs

from mallcore.catalog.listing import require_aware
from mallcore.coupons.instance import CouponInstance, CouponRefusal
from mallcore.coupons.template import CouponTemplate
from mallcore.errors import InvalidValue, WrongType
from mallcore.money import Money
from mallcore.pricing import AmountOffCoupon, PercentOffCoupon

__all__ = ["Wallet", "best_candidates", "estimate"]


def _by_expiry(instance: CouponInstance) -> tuple[datetime, str]:
    return instance.valid_until, instance.id


def _sorted_instances(values: Iterable[CouponInstance]) -> tuple[CouponInstance, ...]:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise WrongType("instances", values, "collection of CouponInstance")
    instances = tuple(values)
    for instance in instances:
        if not isinstance(instance, CouponInstance):
            raise WrongType("instances", instance, "CouponInstance")
    return tuple(sorted(instances, key=_by_expiry))


def _aware(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    require_aware(attribute.name, value)


_BUCKETS = {
    None: "usable",
    CouponRefusal.NOT_STARTED: "not_started",
    CouponRefusal.LOCKED: "locked",
    CouponRefusal.USED: "used",
    CouponRefusal.EXPIRED: "expired",
    CouponRefusal.VOID: "void",
}


@attrs.frozen(kw_only=True)
class Wallet:
    """A customer's coupon instances at ``now``, sorted by what a wallet page shows.

    Build it with :meth:`of`; each tuple is sorted by ``valid_until`` then
    id, and an instance sits in the tuple its usability at ``now`` names.
    """

    now: datetime = attrs.field(validator=_aware)
    usable: tuple[CouponInstance, ...] = attrs.field(default=(), converter=_sorted_instances)
    not_started: tuple[CouponInstance, ...] = attrs.field(default=(), converter=_sorted_instances)
    locked: tuple[CouponInstance, ...] = attrs.field(default=(), converter=_sorted_instances)
    used: tuple[CouponInstance, ...] = attrs.field(default=(), converter=_sorted_instances)
    expired: tuple[CouponInstance, ...] = attrs.field(default=(), converter=_sorted_instances)
    void: tuple[CouponInstance, ...] = attrs.field(default=(), converter=_sorted_instances)

    def __attrs_post_init__(self) -> None:
        seen: set[str] = set()
        customers: set[str] = set()
        for refusal, bucket in _BUCKETS.items():
            for instance in getattr(self, bucket):
                if instance.usability(self.now) is not refusal:
                    raise InvalidValue(bucket, instance.id, f"is not {bucket} at {self.now}")
                if instance.id in seen:
                    raise InvalidValue("instances", instance.id, "appears twice")
                seen.add(instance.id)
                customers.add(instance.customer_id)
        if len(customers) > 1:
            raise InvalidValue("instances", sorted(customers), "belong to several customers")

    @classmethod
    def of(cls, instances: Iterable[CouponInstance], *, now: datetime) -> Wallet:
        """The wallet holding ``instances`` (one customer's, distinct ids) at ``now``."""
        require_aware("now", now)
        buckets: dict[str, list[CouponInstance]] = {bucket: [] for bucket in _BUCKETS.values()}
        for instance in _sorted_instances(instances):
            buckets[_BUCKETS[instance.usability(now)]].append(instance)
        return cls(now=now, **buckets)

    def all(self) -> tuple[CouponInstance, ...]:
        """Every instance of the wallet, sorted by ``valid_until`` then id."""
        return _sorted_instances(
            (*self.usable, *self.not_started, *self.locked, *self.used, *self.expired, *self.void)
        )


def estimate(template: CouponTemplate, subtotal: Money | None = None) -> int:
    """The most ``template``'s coupon could take off, in minor units (the ranking's value).

    See the module docstring; with a ``subtotal`` in another currency, 0.

    >>> from mallcore.coupons import Validity
    >>> from mallcore.pricing import PercentOffCoupon
    >>> coupon = PercentOffCoupon(id="c", percent_off=12, max_discount=Money("50", "CNY"))
    >>> template = CouponTemplate(
    ...     id="t", name="88折", coupon=coupon, validity=Validity.relative(days=7))
    >>> estimate(template), estimate(template, Money("300", "CNY"))
    (5000, 3600)
    """
    coupon = template.coupon
    if subtotal is not None:
        currency = template.currency
        if currency is not None and currency != subtotal.currency:
            return 0
        if coupon.min_spend is not None and subtotal.minor_units < coupon.min_spend.minor_units:
            return 0
    if isinstance(coupon, PercentOffCoupon):
        cap = None if coupon.max_discount is None else coupon.max_discount.minor_units
        if subtotal is None:
            return cap or 0
        share = (Decimal(subtotal.minor_units) * coupon.percent_off / 100).to_integral_value(
            rounding=ROUND_FLOOR
        )
        return int(share) if cap is None else min(int(share), cap)
    if coupon.amount_off is None:  # free shipping: the freight is not known here
        return 0
    value = coupon.amount_off.minor_units
    if subtotal is not None and isinstance(coupon, AmountOffCoupon):
        value = min(value, subtotal.minor_units)
    return value


def best_candidates(
    instances: Iterable[CouponInstance],
    templates: Mapping[str, CouponTemplate] | Iterable[CouponTemplate],
    *,
    now: datetime,
    limit: int,
    subtotal: Money | None = None,
) -> tuple[CouponInstance, ...]:
    """At most ``limit`` of ``instances`` usable at ``now``, best first (the module's ranking).

    ``templates`` holds the instances' templates (a mapping by id, or any
    iterable of them); an instance whose template is missing is left out, as
    are, with a ``subtotal``, those in another currency.
    """
    require_aware("now", now)
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise WrongType("limit", limit, "int")
    if limit < 1:
        raise InvalidValue("limit", limit, "must be at least 1")
    if subtotal is not None and not isinstance(subtotal, Money):
        raise WrongType("subtotal", subtotal, "Money")
    values = templates.values() if isinstance(templates, Mapping) else templates
    by_id = {template.id: template for template in values}
    ranked: list[tuple[tuple[int, Decimal, datetime, str, str], CouponInstance]] = []
    for instance in instances:
        template = by_id.get(instance.template_id)
        if template is None or not instance.is_usable(now):
            continue
        currency = template.currency
        if subtotal is not None and currency is not None and currency != subtotal.currency:
            continue
        coupon = template.coupon
        percent = coupon.percent_off if isinstance(coupon, PercentOffCoupon) else Decimal(0)
        key = (
            -estimate(template, subtotal),
            -percent,
            instance.valid_until,
            template.id,
            instance.id,
        )
        ranked.append((key, instance))
    ranked.sort(key=lambda pair: pair[0])
    firsts: list[CouponInstance] = []
    rest: list[CouponInstance] = []
    templates_seen: set[str] = set()
    for _, instance in ranked:
        if instance.template_id in templates_seen:
            rest.append(instance)
        else:
            templates_seen.add(instance.template_id)
            firsts.append(instance)
    return tuple((firsts + rest)[:limit])
