"""Coupons as state: templates the merchant sets up, instances in customers' wallets.

- :mod:`~mallcore.coupons.template`: :class:`CouponTemplate` (a pricing
  coupon with issue and use limits, a claim window, a :class:`Validity`, an
  optional shared code), :class:`IssueLimits`, :class:`UseLimits`;
- :mod:`~mallcore.coupons.instance`: :class:`CouponInstance` and its
  lifecycle (:class:`CouponState`: available, locked by an unpaid order,
  used, void), the refusal reasons (:class:`CouponRefusal`), the events;
- :mod:`~mallcore.coupons.wallet`: a customer's :class:`Wallet` at a moment,
  and :func:`best_candidates` for the quote's best-coupon search;
- :mod:`~mallcore.coupons.codes`: single-use code batches, reading codes;
- :mod:`~mallcore.coupons.counters`: the storage counters that hold the limits.

Pure domain: no I/O, no clock (``at=``/``now=`` come in), no randomness
(codes are made from bytes the caller supplies). docs/coupons.md tells the
whole story.
"""

from mallcore.coupons import counters
from mallcore.coupons.codes import generate_codes, is_code, normalize_code
from mallcore.coupons.instance import (
    TRANSITIONS,
    CouponClaimed,
    CouponEvent,
    CouponInstance,
    CouponLocked,
    CouponRefusal,
    CouponReleased,
    CouponState,
    CouponUsed,
    CouponVoided,
)
from mallcore.coupons.template import CouponTemplate, IssueLimits, UseLimits, Validity
from mallcore.coupons.wallet import Wallet, best_candidates

__all__ = [
    "CouponClaimed",
    "CouponEvent",
    "CouponInstance",
    "CouponLocked",
    "CouponRefusal",
    "CouponReleased",
    "CouponState",
    "CouponTemplate",
    "CouponUsed",
    "CouponVoided",
    "IssueLimits",
    "TRANSITIONS",
    "UseLimits",
    "Validity",
    "Wallet",
    "best_candidates",
    "counters",
    "generate_codes",
    "is_code",
    "normalize_code",
]
