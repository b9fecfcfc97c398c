"""Member tiers: thresholds reached at equality, upgrade at once, review and downgrade."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mallcore.errors import InvalidValue
from mallcore.loyalty import (
    Benefits,
    Membership,
    ReviewPolicy,
    ReviewRule,
    Tier,
    TierChanged,
    TierProgram,
)
from mallcore.money import Money
from mallcore.testing.strategies import memberships, tier_programs

AT = datetime(2026, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)
TIERS = (
    Tier(id="normal", name="普通会员", threshold=0),
    Tier(
        id="silver",
        name="银卡",
        threshold=1000,
        benefits=Benefits(percent_off=Decimal(2), points_multiplier=Decimal("1.2")),
    ),
    Tier(
        id="gold",
        name="黄金",
        threshold=5000,
        retention=2000,
        benefits=Benefits(
            percent_off=Decimal(5),
            free_shipping_threshold=Money("0.00", "CNY"),
            points_multiplier=Decimal("1.5"),
            birthday_coupon_id="birthday-gold",
        ),
    ),
)


def program(review: ReviewPolicy | None = None) -> TierProgram:
    return TierProgram(tiers=TIERS, review=review or ReviewPolicy())


def grown(points: int, plan: TierProgram, at: datetime = AT) -> Membership:
    member, _ = Membership.join("m-1", plan, at=AT).grow(points, key="g", at=at, program=plan)
    return member


def test_a_threshold_is_reached_at_equality() -> None:
    plan = program()

    assert grown(999, plan).tier_id == "normal"
    assert grown(1000, plan).tier_id == "silver"


def test_growth_past_two_thresholds_upgrades_at_once_to_the_higher() -> None:
    plan = program()

    member, events = Membership.join("m-1", plan, at=AT).grow(6000, key="g", at=AT, program=plan)

    assert member.tier_id == "gold"
    assert events == (TierChanged("m-1", "normal", "gold", AT, "threshold reached"),)


def test_the_same_growth_key_counts_once() -> None:
    plan = program()
    member = grown(600, plan)

    again, events = member.grow(600, key="g", at=AT, program=plan)

    assert (again, events) == (member, ())


def test_the_tiers_benefits_are_plain_values() -> None:
    benefits = grown(5000, program()).benefits(program())

    assert benefits.free_shipping_threshold == Money("0.00", "CNY")
    assert benefits.points_multiplier == Decimal("1.5")
    assert benefits.birthday_coupon_id == "birthday-gold"


def test_without_review_a_tier_is_for_life() -> None:
    plan = program()

    member, events = grown(5000, plan).review(AT + 3650 * DAY, plan)

    assert (member.tier_id, events) == ("gold", ())


def test_a_rolling_window_forgets_old_growth() -> None:
    plan = program(ReviewPolicy(rule=ReviewRule.ROLLING, window_days=365))
    member = grown(1500, plan)

    reviewed, events = member.review(AT + 366 * DAY, plan)

    assert reviewed.tier_id == "normal"
    assert [event.reason for event in events] == ["rolling review"]


def test_a_periodic_review_keeps_a_tier_whose_period_growth_meets_its_retention() -> None:
    # Tier retention (保级): gold is kept with 2,000 growth a year, below its 5,000 threshold
    plan = program(ReviewPolicy(rule=ReviewRule.PERIODIC, every_days=365))
    member = grown(5000, plan)
    member, _ = member.grow(2000, key="g2", at=AT + 200 * DAY, program=plan)

    reviewed, events = member.review(AT + 365 * DAY, plan)

    assert (reviewed.tier_id, events) == ("gold", ())


def test_a_periodic_review_drops_a_tier_not_kept_and_cuts_its_growth() -> None:
    plan = program(ReviewPolicy(rule=ReviewRule.PERIODIC, every_days=365))
    member = grown(5000, plan)
    member, _ = member.grow(1200, key="g2", at=AT + 400 * DAY, program=plan)

    reviewed, events = member.review(AT + 730 * DAY, plan)

    assert reviewed.tier_id == "silver"
    assert reviewed.growth == 4999
    assert [(e.from_tier, e.to_tier) for e in events] == [("gold", "silver")]


def test_a_periodic_review_with_reset_starts_growth_from_zero() -> None:
    plan = program(ReviewPolicy(rule=ReviewRule.PERIODIC, every_days=30, reset=True))

    reviewed, _ = grown(1200, plan).review(AT + 30 * DAY, plan)

    assert reviewed.growth == 0


def test_a_review_that_is_not_due_changes_nothing() -> None:
    plan = program(ReviewPolicy(rule=ReviewRule.PERIODIC, every_days=30))
    member = grown(1200, plan)

    assert member.review(AT + 29 * DAY, plan) == (member, ())


def test_tiers_must_start_at_zero_and_ascend() -> None:
    with pytest.raises(InvalidValue, match="threshold 0"):
        TierProgram(tiers=(Tier(id="silver", threshold=10),))
    with pytest.raises(InvalidValue, match="ascending"):
        TierProgram(tiers=(Tier(id="a", threshold=0), Tier(id="b", threshold=0)))


@given(tier_programs(), st.integers(0, 20_000))
def test_the_tier_for_a_growth_is_the_highest_whose_threshold_it_reaches(
    plan: TierProgram, growth: int
) -> None:
    tier = plan.tier_for(growth)

    assert tier.threshold <= growth
    assert all(other.threshold > growth for other in plan.tiers[plan.rank(tier.id) + 1 :])


@given(st.data())
def test_growth_never_moves_a_member_down(data: st.DataObject) -> None:
    plan = data.draw(tier_programs())
    member = data.draw(memberships(plan))
    at = member.period_start + timedelta(days=data.draw(st.integers(0, 30)))

    grown_member, _ = member.grow(data.draw(st.integers(1, 5000)), key="law", at=at, program=plan)

    assert plan.rank(grown_member.tier_id) >= plan.rank(member.tier_id)


@given(st.data())
def test_a_review_never_moves_a_member_up_except_on_a_rolling_window(data: st.DataObject) -> None:
    plan = data.draw(tier_programs())
    member = data.draw(memberships(plan))
    now = member.period_start + timedelta(days=data.draw(st.integers(0, 1000)))

    reviewed, _ = member.review(now, plan)

    if plan.review.rule is not ReviewRule.ROLLING:
        assert plan.rank(reviewed.tier_id) <= plan.rank(member.tier_id)
