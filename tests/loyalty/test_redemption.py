"""Redemption (积分抵扣): the points an order may use and the money they take off."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from mallcore.loyalty import OverCap, Redemption, RedemptionPolicy, RedemptionStatus, redeem
from mallcore.money import Money
from mallcore.testing.strategies import redemption_policies

MALL = RedemptionPolicy(points_per_unit=100, max_share=Decimal(50), step=100, with_coupons=True)
"""macrozheng/mall ums_integration_consume_setting: deductionPerAmount 100 (100 points a
yuan), maxPercentPerOrder 50, useUnit 100 (points used in hundreds), couponStatus 1."""


def cny(amount: str) -> Money:
    return Money(amount, "CNY")


def test_100_points_take_one_yuan_off() -> None:
    used = redeem(MALL, available=1000, goods=cny("100.00"), requested=500)

    assert (used.points, used.amount, used.status) == (500, cny("5.00"), RedemptionStatus.APPLIED)


def test_points_may_pay_at_most_half_of_the_payable() -> None:
    used = redeem(MALL, available=10_000, goods=cny("30.00"), requested=5000)

    assert (used.points, used.amount) == (1500, cny("15.00"))
    assert used.status is RedemptionStatus.CLIPPED
    assert used.reason == "at most 50% of the payable 30.00 CNY"


def test_points_are_used_in_whole_steps() -> None:
    used = redeem(MALL, available=1234, goods=cny("100.00"))

    assert used.points == 1200
    assert used.amount == cny("12.00")


def test_over_the_cap_is_refused_when_the_policy_rejects() -> None:
    strict = RedemptionPolicy(max_amount=cny("10.00"), over_cap=OverCap.REJECT)

    used = redeem(strict, available=5000, goods=cny("100.00"), requested=2000)

    assert used == Redemption(
        0,
        cny("0.00"),
        RedemptionStatus.REFUSED,
        "2000 points are over the cap: at most 10.00 CNY",
    )


def test_freight_is_covered_only_when_the_policy_says_so() -> None:
    goods, freight = cny("5.00"), cny("10.00")

    without = redeem(RedemptionPolicy(), available=5000, goods=goods, freight=freight)
    with_freight = redeem(
        RedemptionPolicy(covers_freight=True), available=5000, goods=goods, freight=freight
    )

    assert (without.amount, with_freight.amount) == (cny("5.00"), cny("15.00"))


def test_points_that_do_not_combine_with_coupons_are_refused_after_a_coupon() -> None:
    alone = RedemptionPolicy(with_coupons=False)

    used = redeem(alone, available=5000, goods=cny("50.00"), coupons_used=True)

    assert (used.points, used.reason) == (0, "points do not combine with coupons")


def test_fewer_points_than_the_minimum_are_refused() -> None:
    used = redeem(RedemptionPolicy(min_points=1000), available=999, goods=cny("50.00"))

    assert used.status is RedemptionStatus.REFUSED


def test_at_1000_points_a_yuan_points_go_in_tens_so_each_is_a_whole_fen() -> None:
    used = redeem(RedemptionPolicy(points_per_unit=1000), available=1234, goods=cny("50.00"))

    assert (used.points, used.amount) == (1230, cny("1.23"))


def test_in_yen_one_point_a_yen_needs_no_rounding() -> None:
    used = redeem(RedemptionPolicy(points_per_unit=1), available=777, goods=Money("500", "JPY"))

    assert (used.points, used.amount) == (500, Money("500", "JPY"))


@st.composite
def cases(draw: st.DrawFn) -> tuple[RedemptionPolicy, int, Money, Money, int | None]:
    policy = draw(redemption_policies())
    goods = Money.from_minor(draw(st.integers(0, 100_000)), "CNY")
    freight = Money.from_minor(draw(st.integers(0, 2000)), "CNY")
    return (
        policy,
        draw(st.integers(0, 50_000)),
        goods,
        freight,
        draw(st.none() | st.integers(0, 60_000)),
    )


Case = tuple[RedemptionPolicy, int, Money, Money, int | None]


def _redeem(case: Case) -> Redemption:
    policy, available, goods, freight, requested = case
    return redeem(policy, available=available, goods=goods, freight=freight, requested=requested)


@given(cases())
def test_never_more_points_than_available_or_asked_for(case: Case) -> None:
    _, available, _, _, requested = case

    used = _redeem(case)

    assert 0 <= used.points <= min(available, available if requested is None else requested)


@given(cases())
def test_never_more_money_off_than_points_may_cover(case: Case) -> None:
    policy, _, goods, freight, _ = case

    used = _redeem(case)

    coverable = goods + freight if policy.covers_freight else goods
    assert used.amount <= coverable
    if policy.max_amount is not None:
        assert used.amount <= policy.max_amount
    if policy.max_share is not None:
        assert used.amount.minor_units * 100 <= coverable.minor_units * policy.max_share


@given(cases())
def test_the_points_used_are_worth_exactly_the_money_off(case: Case) -> None:
    policy, *_ = case

    used = _redeem(case)

    assert used.points % policy.unit_points("CNY") == 0
    assert used.amount.minor_units * policy.points_per_unit == used.points * 100
