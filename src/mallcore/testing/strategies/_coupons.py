"""Strategies for coupons as state: templates, their limits and validity, instances, wallets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

import attrs
from hypothesis import strategies as st

from mallcore.coupons import (
    CouponClaimed,
    CouponInstance,
    CouponLocked,
    CouponReleased,
    CouponState,
    CouponTemplate,
    CouponUsed,
    CouponVoided,
    IssueLimits,
    UseLimits,
    Validity,
    Wallet,
)
from mallcore.coupons.codes import CODE_ALPHABET, MAX_CODE_LENGTH, MIN_GENERATED_LENGTH
from mallcore.money import Money, currency_exponent
from mallcore.pricing import Coupon, Window
from mallcore.testing.strategies._catalog import aware_datetimes
from mallcore.testing.strategies._ids import ids
from mallcore.testing.strategies._pricing import PRICING_EPOCH, coupons, shipping_coupons

__all__ = [
    "coupon_claimed_events",
    "coupon_codes",
    "coupon_instances",
    "coupon_locked_events",
    "coupon_released_events",
    "coupon_templates",
    "coupon_used_events",
    "coupon_voided_events",
    "coupon_wallets",
    "issue_limits",
    "use_limits",
    "validities",
]

_ZONE_NAMES = ("Asia/Shanghai", "UTC", "America/New_York", "Europe/London", "Asia/Tokyo")


def _counts() -> st.SearchStrategy[int | None]:
    return st.none() | st.integers(1, 1000)


@st.composite
def issue_limits(draw: st.DrawFn) -> IssueLimits:
    """Issue limits: unlimited, or a total and a per-customer limit no larger than it."""
    total = draw(_counts())
    per_customer = draw(st.none() | st.integers(1, total or 1000))
    return IssueLimits(total=total, per_customer=per_customer)


@st.composite
def use_limits(draw: st.DrawFn, currency: str = "CNY") -> UseLimits:
    """Use limits: total, per customer (no larger), and a budget in ``currency`` or none."""
    total = draw(_counts())
    scale = 10 ** currency_exponent(currency)
    budget = draw(st.none() | st.integers(1, 100_000 * scale))
    return UseLimits(
        total=total,
        per_customer=draw(st.none() | st.integers(1, total or 1000)),
        budget=None if budget is None else Money.from_minor(budget, currency),
    )


@st.composite
def validities(draw: st.DrawFn) -> Validity:
    """Validities of every shape: fixed windows, exact days/hours, calendar days in a zone."""
    shape = draw(st.sampled_from(["fixed", "exact", "calendar"]))
    if shape == "fixed":
        ends = draw(aware_datetimes())
        length = timedelta(hours=draw(st.integers(1, 400 * 24)))
        starts = draw(st.none() | st.just(ends - length))
        return Validity.fixed(Window(starts_at=starts, ends_at=ends))
    if shape == "exact":
        days = draw(st.none() | st.integers(1, 400))
        hours = draw(st.integers(1, 72) if days is None else st.none() | st.integers(1, 72))
        return Validity.relative(days=days, hours=hours)
    return Validity.calendar(
        draw(st.integers(1, 400)), time_zone=draw(st.sampled_from(_ZONE_NAMES))
    )


def coupon_codes(
    *, min_size: int = MIN_GENERATED_LENGTH, max_size: int = 16
) -> st.SearchStrategy[str]:
    """Codes as a batch would hold them: characters of CODE_ALPHABET, normalised."""
    if not 4 <= min_size <= max_size <= MAX_CODE_LENGTH:
        raise ValueError(f"need 4 <= min_size <= max_size <= {MAX_CODE_LENGTH}")
    return st.text(CODE_ALPHABET, min_size=min_size, max_size=max_size)


def _template_coupons(currency: str) -> st.SearchStrategy[Coupon]:
    """A pricing coupon as a template holds it: no window, limits or received_at of its own.

    One in six is a shipping coupon (with no spend or shop of its own).
    """
    goods = coupons(currency).map(lambda coupon: attrs.evolve(coupon, window=Window()))
    freight = shipping_coupons(currency).map(
        lambda coupon: attrs.evolve(coupon, window=Window(), min_spend=None, shop=None)
    )
    return st.integers(0, 5).flatmap(lambda n: freight if n == 0 else goods)


@st.composite
def coupon_templates(
    draw: st.DrawFn, currency: str = "CNY", *, template_id: str | None = None
) -> CouponTemplate:
    """Coupon templates in ``currency`` with any limits, claim window, validity and code."""
    validity = draw(validities())
    claim_window = draw(
        st.sampled_from(
            [
                Window(),
                Window(starts_at=PRICING_EPOCH - timedelta(days=1)),
                Window(
                    starts_at=PRICING_EPOCH - timedelta(days=1),
                    ends_at=PRICING_EPOCH + timedelta(days=1),
                ),
            ]
        )
    )
    fixed_end = None if validity.window is None else validity.window.ends_at
    if (
        fixed_end is not None
        and claim_window.ends_at is not None
        and fixed_end < claim_window.ends_at
    ):
        claim_window = Window()
    return CouponTemplate(
        id=template_id if template_id is not None else draw(ids(max_size=24)),
        name=draw(st.sampled_from(["满100减10", "88折券", "运费券", "新人券", "Welcome"])),
        coupon=draw(_template_coupons(currency)),
        validity=validity,
        issue=draw(issue_limits()),
        use=draw(use_limits(currency)),
        claim_window=claim_window,
        code=draw(st.none() | coupon_codes()),
        return_on_refund=draw(st.booleans()),
        version=draw(st.integers(0, 5)),
    )


@st.composite
def coupon_instances(
    draw: st.DrawFn,
    *,
    instance_id: str | None = None,
    template_id: str | None = None,
    customer_id: str | None = None,
    claimed_at: datetime | None = None,
) -> CouponInstance:
    """Coupon instances in any state, valid from their claim (or later) for a minute to 400 days."""
    claimed = claimed_at if claimed_at is not None else draw(aware_datetimes())
    valid_from = claimed + timedelta(minutes=draw(st.sampled_from([0, 0, 60, 60 * 24 * 3])))
    valid_until = valid_from + timedelta(minutes=draw(st.integers(1, 400 * 24 * 60)))
    state = draw(st.sampled_from(CouponState))
    held = state in (CouponState.LOCKED, CouponState.USED)
    return CouponInstance(
        id=instance_id if instance_id is not None else draw(ids(max_size=24)),
        template_id=template_id if template_id is not None else draw(ids(max_size=24)),
        customer_id=customer_id if customer_id is not None else draw(ids(max_size=24)),
        claimed_at=claimed,
        valid_from=valid_from,
        valid_until=valid_until,
        state=state,
        order_id=draw(ids(max_size=24)) if held else None,
        code=draw(st.none() | coupon_codes()),
        version=draw(st.integers(0, 9)),
    )


@st.composite
def coupon_wallets(
    draw: st.DrawFn, *, customer_id: str = "customer-1", min_size: int = 0, max_size: int = 8
) -> Wallet:
    """One customer's wallets at a moment around their instances' claims."""
    size = draw(st.integers(min_size, max_size))
    start = draw(aware_datetimes(max_value=datetime(2099, 1, 1)))
    instances = [
        draw(
            coupon_instances(
                instance_id=f"coupon-{index}",
                template_id=draw(st.sampled_from(["t-1", "t-2", "t-3"])),
                customer_id=customer_id,
                claimed_at=start + timedelta(hours=draw(st.integers(0, 24 * 30))),
            )
        )
        for index in range(size)
    ]
    now = start + timedelta(hours=draw(st.integers(0, 24 * 60)))
    return Wallet.of(instances, now=now)


_E = TypeVar("_E")


def _instance_events(
    kind: Callable[..., _E], **fields: st.SearchStrategy[Any]
) -> st.SearchStrategy[_E]:
    """Events of ``kind`` about one instance: its ids, a moment, and ``fields``."""
    return st.builds(
        kind,
        instance_id=ids(max_size=24),
        template_id=ids(max_size=24),
        customer_id=ids(max_size=24),
        at=aware_datetimes(),
        **fields,
    )


def coupon_claimed_events() -> st.SearchStrategy[CouponClaimed]:
    """The claim of an instance from :func:`coupon_instances`, with its validity and code."""
    return coupon_instances().map(
        lambda coupon: CouponClaimed(
            coupon.id,
            coupon.template_id,
            coupon.customer_id,
            coupon.claimed_at,
            coupon.valid_from,
            coupon.valid_until,
            coupon.code,
        )
    )


def coupon_locked_events() -> st.SearchStrategy[CouponLocked]:
    """An instance locked by an unpaid order."""
    return _instance_events(CouponLocked, order_id=ids(max_size=24))


def coupon_used_events() -> st.SearchStrategy[CouponUsed]:
    """An instance used by a paid order."""
    return _instance_events(CouponUsed, order_id=ids(max_size=24))


def coupon_released_events() -> st.SearchStrategy[CouponReleased]:
    """An instance an order held (locked or used) made available again."""
    return _instance_events(
        CouponReleased,
        order_id=ids(max_size=24),
        source=st.sampled_from([CouponState.LOCKED, CouponState.USED]),
    )


def coupon_voided_events() -> st.SearchStrategy[CouponVoided]:
    """An instance withdrawn, and why."""
    return _instance_events(CouponVoided, reason=st.sampled_from(["template withdrawn", "fraud"]))
