"""Earning rules: points for what was paid, the rule behind each part, points for actions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import attrs
from hypothesis import given

from mallcore.loyalty import (
    ActionRule,
    BirthdayRule,
    EarningLine,
    EarningPolicy,
    Multiplier,
    Purchase,
    StreakBonus,
    action_points,
    points_for,
)
from mallcore.money import Money, Rounding
from mallcore.testing.strategies import earning_policies, purchases

AT = datetime(2026, 11, 11, 4, tzinfo=UTC)  # 12:00 in Shanghai


def line(paid: str, sku: str = "sku-1", *categories: str) -> EarningLine:
    return EarningLine(sku_id=sku, category_ids=frozenset(categories), paid=Money(paid, "CNY"))


def purchase(*lines: EarningLine, **changes: object) -> Purchase:
    return Purchase(currency="CNY", lines=lines, at=AT, **changes)  # type: ignore[arg-type]


def test_one_point_a_yuan_rounds_the_fraction_of_a_yuan_down() -> None:
    # macrozheng/mall ums_member_rule_setting: consumePerPoint, 1 point for each whole yuan spent
    earned = points_for(purchase(line("99.99")), EarningPolicy())

    assert earned.points == 99


def test_rounding_is_the_policy_s_choice() -> None:
    earned = points_for(purchase(line("99.50")), EarningPolicy(rounding=Rounding.HALF_UP))

    assert earned.points == 100


def test_freight_earns_only_when_the_policy_includes_it() -> None:
    paid = purchase(line("40.00"), freight_paid=Money("10.00", "CNY"))

    without = points_for(paid, EarningPolicy())
    with_freight = points_for(paid, EarningPolicy(include_freight=True))

    assert (without.points, with_freight.points) == (40, 50)


def test_a_sku_multiplier_beats_its_categories_and_the_best_category_wins() -> None:
    policy = EarningPolicy(
        sku_multipliers=[Multiplier("sku-2", "3")],
        category_multipliers=[Multiplier("tea", "2"), Multiplier("food", "1.5")],
    )

    earned = points_for(
        purchase(line("10.00", "sku-1", "tea", "food"), line("10.00", "sku-2", "tea")), policy
    )

    assert earned.points == 50
    assert {part.rule: part.points for part in earned.parts} == {
        "base": 20,
        "category:tea": 10,
        "sku:sku-2": 20,
    }


def test_a_zero_multiplier_takes_a_line_out_of_earning() -> None:
    policy = EarningPolicy(category_multipliers=[Multiplier("gift-cards", "0")])

    earned = points_for(purchase(line("500.00", "card", "gift-cards"), line("8.00")), policy)

    assert earned.points == 8


def test_tier_and_birthday_multiply_the_product_points() -> None:
    policy = EarningPolicy(birthday_multiplier=Decimal(2))
    paid = purchase(line("100.00"), tier_multiplier=Decimal("1.5"), birthday=date(1990, 11, 30))

    earned = points_for(paid, policy)

    assert earned.points == 300
    assert {part.rule: part.points for part in earned.parts} == {
        "base": 100,
        "tier": 50,
        "birthday": 150,
    }


def test_birthday_on_the_day_counts_only_that_day_in_the_merchants_zone() -> None:
    policy = EarningPolicy(birthday_multiplier=Decimal(2), birthday_rule=BirthdayRule.DAY)

    on_the_day = points_for(purchase(line("10.00"), birthday=date(1990, 11, 11)), policy)
    next_day = points_for(purchase(line("10.00"), birthday=date(1990, 11, 12)), policy)

    assert (on_the_day.points, next_day.points) == (20, 10)


def test_a_29_february_birthday_is_kept_on_28_february_in_other_years() -> None:
    policy = EarningPolicy(birthday_multiplier=Decimal(2), birthday_rule=BirthdayRule.DAY)
    paid = Purchase(
        currency="CNY",
        lines=(line("10.00"),),
        birthday=date(2000, 2, 29),
        at=datetime(2027, 2, 28, 4, tzinfo=UTC),
    )

    assert points_for(paid, policy).points == 20


@given(purchases(), earning_policies())
def test_the_parts_add_up_to_the_points(paid: Purchase, policy: EarningPolicy) -> None:
    earned = points_for(paid, policy)

    assert sum(part.points for part in earned.parts) == earned.points
    assert all(part.points > 0 for part in earned.parts)


@given(purchases(), earning_policies())
def test_rounding_down_never_gives_more_than_the_exact_points(
    paid: Purchase, policy: EarningPolicy
) -> None:
    rounded_up = points_for(paid, attrs.evolve(policy, rounding=Rounding.UP)).points

    assert points_for(paid, policy).points in {rounded_up, rounded_up - 1}


SIGN_IN = ActionRule(
    action="sign_in",
    points=5,
    streak_bonuses=(StreakBonus(3, 10), StreakBonus(7, 30)),
    period_cap=20,
)


def test_a_third_day_in_a_row_earns_the_streak_bonus() -> None:
    # macrozheng/mall ums_member_rule_setting: continueSignDay / continueSignPoint
    earlier = [AT - timedelta(days=2), AT - timedelta(days=1)]

    award = action_points(SIGN_IN, AT, earlier)

    assert (award.points, award.streak) == (15, 3)


def test_a_missed_day_starts_the_streak_again() -> None:
    earlier = [AT - timedelta(days=3), AT - timedelta(days=2)]

    assert action_points(SIGN_IN, AT, earlier).streak == 1


def test_a_second_sign_in_the_same_day_earns_nothing() -> None:
    award = action_points(SIGN_IN, AT, [AT - timedelta(hours=1)])

    assert (award.points, award.reason) == (0, "daily cap of 1 reached")


def test_the_monthly_cap_stops_awards_for_the_rest_of_the_month() -> None:
    review = ActionRule(action="review", points=10, daily_cap=None, period_cap=3)
    earlier = [AT - timedelta(hours=n) for n in range(3)]

    assert action_points(review, AT, earlier).reason == "monthly cap of 3 reached"
    assert action_points(review, AT + timedelta(days=20), earlier).points == 10
