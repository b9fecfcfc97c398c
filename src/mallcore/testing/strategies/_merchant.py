"""Strategies for the merchant's configuration: its settings and a whole versioned set-up."""

from __future__ import annotations

from datetime import timedelta
from typing import TypeVar

from hypothesis import strategies as st

from mallcore.merchant import Configuration, GiftPolicy, Settings, UnappliedPaymentPolicy
from mallcore.money import Rounding
from mallcore.testing.strategies._catalog import category_trees
from mallcore.testing.strategies._loyalty import (
    earning_policies,
    redemption_policies,
    tier_programs,
)
from mallcore.testing.strategies._pricing import promotions
from mallcore.testing.strategies._shipping import shipping_setups

__all__ = ["configurations", "merchant_settings"]

_T = TypeVar("_T")


def _spans(*, min_hours: int = 0, max_days: int = 30) -> st.SearchStrategy[timedelta]:
    return st.integers(min_hours, max_days * 24).map(lambda hours: timedelta(hours=hours))


def merchant_settings() -> st.SearchStrategy[Settings]:
    """Settings with windows of up to 30 days, any policies, coupon limits and time zone."""
    positive = _spans(min_hours=1)
    counts = st.integers(1, 12)
    return st.builds(
        Settings,
        payment_window=positive,
        confirmation_window=_spans(),
        after_sales_window=_spans(),
        unapplied_payments=st.sampled_from(UnappliedPaymentPolicy),
        approve_cancellations_while_preparing=st.booleans(),
        after_sales_response=positive,
        return_shipment=positive,
        return_receipt=positive,
        return_address=st.sampled_from(["", "退货仓, 浦东新区 88 号"]),
        gift_policy=st.sampled_from(GiftPolicy),
        wallet_candidates=counts,
        max_platform_coupons=counts,
        max_shop_coupons=counts,
        rounding=st.sampled_from(Rounding),
        time_zone=st.sampled_from(["Asia/Shanghai", "UTC", "America/New_York"]),
    )


@st.composite
def configurations(draw: st.DrawFn, currency: str = "CNY") -> Configuration:
    """A version of a merchant's set-up in ``currency``: each part present or not."""

    def maybe(strategy: st.SearchStrategy[_T]) -> _T | None:
        return draw(st.none() | strategy)

    count = draw(st.integers(0, 3))
    return Configuration(
        promotions=[draw(promotions(currency, rule_id=f"promo-{n}")) for n in range(count)],
        categories=maybe(category_trees(max_size=4)),
        shipping=maybe(shipping_setups(currency)),
        earning=maybe(earning_policies()),
        redemption=maybe(redemption_policies(currency)),
        tiers=maybe(tier_programs(currency)),
        settings=draw(merchant_settings()),
        version=draw(st.integers(0, 20)),
    )
