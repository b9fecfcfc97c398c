"""The wallet at a moment, and the bounded list of candidates a big wallet hands the quote."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mallcore.coupons import (
    CouponInstance,
    CouponRefusal,
    CouponState,
    CouponTemplate,
    Validity,
    Wallet,
    best_candidates,
)
from mallcore.coupons.wallet import estimate
from mallcore.errors import InvalidValue
from mallcore.money import Money
from mallcore.pricing import AmountOffCoupon, PercentOffCoupon, ShippingCoupon
from mallcore.testing.strategies import coupon_templates, coupon_wallets

NOW = datetime(2026, 11, 11, 12, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _instance(
    instance_id: str,
    template_id: str = "t-1",
    *,
    until: datetime = NOW + 24 * HOUR,
    since: datetime = NOW - HOUR,
    state: CouponState = CouponState.AVAILABLE,
) -> CouponInstance:
    held = state in (CouponState.LOCKED, CouponState.USED)
    return CouponInstance(
        id=instance_id,
        template_id=template_id,
        customer_id="alice",
        claimed_at=NOW - 2 * HOUR,
        valid_from=since,
        valid_until=until,
        state=state,
        order_id="O-1" if held else None,
    )


def _amount_off(template_id: str, yuan: str, *, min_spend: str | None = None) -> CouponTemplate:
    coupon = AmountOffCoupon(
        id=template_id,
        amount_off=Money(yuan, "CNY"),
        min_spend=None if min_spend is None else Money(min_spend, "CNY"),
    )
    return CouponTemplate(
        id=template_id, name=f"减{yuan}", coupon=coupon, validity=Validity.relative(days=7)
    )


def _percent_off(template_id: str, percent: int, cap: str | None = None) -> CouponTemplate:
    coupon = PercentOffCoupon(
        id=template_id,
        percent_off=percent,
        max_discount=None if cap is None else Money(cap, "CNY"),
    )
    return CouponTemplate(
        id=template_id, name=f"{percent}% off", coupon=coupon, validity=Validity.relative(days=7)
    )


# the wallet ----------------------------------------------------------------------------------


def test_a_wallet_sorts_instances_by_what_a_wallet_page_shows() -> None:
    instances = [
        _instance("later", until=NOW + 48 * HOUR),
        _instance("sooner", until=NOW + 2 * HOUR),
        _instance("tomorrow", since=NOW + 24 * HOUR, until=NOW + 48 * HOUR),
        _instance("held", state=CouponState.LOCKED),
        _instance("spent", state=CouponState.USED),
        _instance("gone", until=NOW),
        _instance("withdrawn", state=CouponState.VOID),
    ]

    wallet = Wallet.of(instances, now=NOW)

    assert [i.id for i in wallet.usable] == ["sooner", "later"]
    assert [i.id for i in wallet.not_started] == ["tomorrow"]
    assert [i.id for i in wallet.locked] == ["held"]
    assert [i.id for i in wallet.used] == ["spent"]
    assert [i.id for i in wallet.expired] == ["gone"]
    assert [i.id for i in wallet.void] == ["withdrawn"]


@given(coupon_wallets())
def test_every_instance_lands_in_the_one_bucket_its_usability_names(wallet: Wallet) -> None:
    buckets = {
        None: wallet.usable,
        CouponRefusal.NOT_STARTED: wallet.not_started,
        CouponRefusal.LOCKED: wallet.locked,
        CouponRefusal.USED: wallet.used,
        CouponRefusal.EXPIRED: wallet.expired,
        CouponRefusal.VOID: wallet.void,
    }

    for refusal, bucket in buckets.items():
        assert all(instance.usability(wallet.now) is refusal for instance in bucket)
        assert list(bucket) == sorted(bucket, key=lambda i: (i.valid_until, i.id))
    assert sum(len(bucket) for bucket in buckets.values()) == len(wallet.all())
    assert Wallet.of(wallet.all(), now=wallet.now) == wallet


def test_a_wallet_refuses_an_instance_in_the_wrong_bucket_or_twice() -> None:
    spent = _instance("spent", state=CouponState.USED)

    with pytest.raises(InvalidValue, match="is not usable"):
        Wallet(now=NOW, usable=(spent,))
    with pytest.raises(InvalidValue, match="appears twice"):
        Wallet.of([_instance("a"), _instance("a")], now=NOW)


def test_a_wallet_holds_one_customers_coupons() -> None:
    bobs = attrs.evolve(_instance("b"), customer_id="bob")

    with pytest.raises(InvalidValue, match="belong to several customers"):
        Wallet.of([_instance("a"), bobs], now=NOW)


# estimates and candidates ------------------------------------------------------------------


def test_a_coupon_is_estimated_at_the_most_it_could_take_off() -> None:
    subtotal = Money("80", "CNY")

    assert estimate(_amount_off("a", "100")) == 10000
    assert estimate(_amount_off("a", "100"), subtotal) == 8000
    assert estimate(_amount_off("a", "10", min_spend="99"), subtotal) == 0
    assert estimate(_percent_off("p", 15)) == 0
    assert estimate(_percent_off("p", 15), subtotal) == 1200
    assert estimate(_percent_off("p", 15, cap="5"), subtotal) == 500
    assert estimate(_amount_off("a", "10"), Money("80", "USD")) == 0


def test_a_free_shipping_coupon_is_estimated_at_nothing_before_the_freight_is_known() -> None:
    coupon = ShippingCoupon(id="ship")
    template = CouponTemplate(
        id="ship", name="包邮", coupon=coupon, validity=Validity.relative(days=3)
    )

    assert estimate(template) == 0


def test_candidates_take_one_instance_of_each_template_before_a_second_copy() -> None:
    templates = [_amount_off("t-20", "20"), _amount_off("t-10", "10"), _amount_off("t-5", "5")]
    instances = [
        _instance("20-a", "t-20", until=NOW + 5 * HOUR),
        _instance("20-b", "t-20", until=NOW + 3 * HOUR),
        _instance("10-a", "t-10"),
        _instance("5-a", "t-5"),
        _instance("20-used", "t-20", state=CouponState.USED),
    ]

    chosen = best_candidates(instances, templates, now=NOW, limit=4)

    assert [i.id for i in chosen] == ["20-b", "10-a", "5-a", "20-a"]


def test_candidates_rank_percentages_by_what_they_take_off_the_subtotal() -> None:
    templates = {
        "ten": _amount_off("ten", "10"),
        "pct": _percent_off("pct", 20),
        "far": _amount_off("far", "30", min_spend="500"),
    }
    instances = [_instance("ten-1", "ten"), _instance("pct-1", "pct"), _instance("far-1", "far")]

    chosen = best_candidates(instances, templates, now=NOW, limit=2, subtotal=Money("100", "CNY"))

    assert [i.id for i in chosen] == ["pct-1", "ten-1"]


def test_an_instance_whose_template_is_unknown_is_left_out() -> None:
    chosen = best_candidates([_instance("x", "gone")], [], now=NOW, limit=3)

    assert chosen == ()


@pytest.mark.parametrize("limit", [0, -1, True])
def test_the_candidate_limit_is_at_least_one(limit: int) -> None:
    with pytest.raises(InvalidValue):
        best_candidates([], [], now=NOW, limit=limit)


@st.composite
def _wallets_with_templates(
    draw: st.DrawFn,
) -> tuple[list[CouponInstance], dict[str, CouponTemplate], datetime]:
    wallet = draw(coupon_wallets(max_size=12))
    templates = {
        template_id: draw(coupon_templates(template_id=template_id))
        for template_id in ("t-1", "t-2", "t-3")
    }
    return list(wallet.all()), templates, wallet.now


@given(_wallets_with_templates(), st.integers(1, 5), st.none() | st.integers(0, 100_000))
def test_candidates_are_at_most_limit_usable_instances_including_the_best_valued(
    drawn: tuple[list[CouponInstance], dict[str, CouponTemplate], datetime],
    limit: int,
    minor: int | None,
) -> None:
    instances, templates, now = drawn
    subtotal = None if minor is None else Money.from_minor(minor, "CNY")

    chosen = best_candidates(instances, templates, now=now, limit=limit, subtotal=subtotal)

    usable = [i for i in instances if i.is_usable(now)]
    assert len(chosen) == min(limit, len(usable))
    assert all(i.is_usable(now) for i in chosen)
    assert len({i.id for i in chosen}) == len(chosen)
    if usable:
        best = max(estimate(templates[i.template_id], subtotal) for i in usable)
        assert estimate(templates[chosen[0].template_id], subtotal) == best
