"""Earning rules: points for what was paid, and points for actions.

Points for a purchase (:func:`points_for`), per line of a :class:`Purchase`:

- ``points_per_unit`` points for each major currency unit paid after
  discounts (freight paid counts too when ``include_freight``);
- times the line's product multiplier: its SKU's, else the highest of its
  categories', else 1 (0 takes a line out of earning);
- times the member's tier multiplier;
- times the birthday multiplier, in the customer's birthday month or on the
  day itself (:class:`BirthdayRule`), in the merchant's time zone.

The exact total is rounded once, down by default, and the whole points are
apportioned by largest remainder over the rules that gave them (``base``,
``sku:<id>``, ``category:<id>``, ``tier``, ``birthday``, ``freight``), so the
parts add up to the total.

Points for actions (:func:`action_points`): a fixed number per sign-in
(签到), review (评价) or share (分享), a bonus on given days of a sign-in
streak, at most ``daily_cap`` awards a day and ``period_cap`` a calendar
month, counted in the merchant's time zone.

>>> from datetime import datetime, timezone
>>> from mallcore.money import Money
>>> line = EarningLine(sku_id="tea", paid=Money("40.00", "CNY"))
>>> at = datetime(2026, 11, 11, tzinfo=timezone.utc)
>>> points_for(Purchase(currency="CNY", lines=(line,), at=at), EarningPolicy()).points
40
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs

from mallcore._fields import (
    aware,
    decimal_number,
    members,
    money,
    non_negative,
    positive,
    text,
    time_zone_field,
    to_decimal,
    to_frozenset,
    to_tuple,
)
from mallcore.errors import InvalidValue
from mallcore.loyalty.expiry import local_midnight
from mallcore.money import Money, Rounding, allocate_minor, currency_exponent

__all__ = [
    "ActionAward",
    "ActionRule",
    "BirthdayRule",
    "EarnedPart",
    "Earning",
    "EarningLine",
    "EarningPolicy",
    "Multiplier",
    "Purchase",
    "StreakBonus",
    "action_points",
    "points_for",
]


def _non_negative_rate(instance: object, attribute: attrs.Attribute[Any], value: Decimal) -> None:
    if decimal_number(attribute.name, value) < 0:
        raise InvalidValue(attribute.name, value, "must be a number, not negative")


def _at_least_one(instance: object, attribute: attrs.Attribute[Any], value: Decimal) -> None:
    if decimal_number(attribute.name, value) < 1:
        raise InvalidValue(attribute.name, value, "must be a multiplier of at least 1")


class BirthdayRule(enum.Enum):
    """When the birthday multiplier applies."""

    MONTH = "month"
    """In the customer's birthday month (生日月)."""
    DAY = "day"
    """On the birthday itself (生日当天); 29 February counts on 28 February in other years."""


@attrs.frozen
class Multiplier:
    """Points times ``factor`` on lines of the SKU or category ``target``."""

    target: str = attrs.field(validator=text)
    factor: Decimal = attrs.field(converter=to_decimal, validator=_non_negative_rate)


@attrs.frozen(kw_only=True)
class EarningPolicy:
    """How purchases earn points (积分规则)."""

    points_per_unit: Decimal = attrs.field(
        default=Decimal(1), converter=to_decimal, validator=_non_negative_rate
    )
    """Points per major currency unit paid (1 point per yuan by default)."""
    include_freight: bool = False
    rounding: Rounding = Rounding.DOWN
    sku_multipliers: tuple[Multiplier, ...] = attrs.field(default=(), converter=to_tuple)
    category_multipliers: tuple[Multiplier, ...] = attrs.field(default=(), converter=to_tuple)
    birthday_multiplier: Decimal = attrs.field(
        default=Decimal(1), converter=to_decimal, validator=_at_least_one
    )
    birthday_rule: BirthdayRule = BirthdayRule.MONTH
    time_zone: str = attrs.field(default="Asia/Shanghai", validator=time_zone_field)

    def multiplier_of(self, line: EarningLine) -> tuple[str, Decimal]:
        """The product rule for ``line`` and its factor: SKU, else best category, else base."""
        for rule in self.sku_multipliers:
            if rule.target == line.sku_id:
                return f"sku:{rule.target}", rule.factor
        matching = [rule for rule in self.category_multipliers if rule.target in line.category_ids]
        if matching:
            best = max(matching, key=lambda rule: (rule.factor, rule.target))
            return f"category:{best.target}", best.factor
        return "base", Decimal(1)


@attrs.frozen(kw_only=True)
class EarningLine:
    """One cart line as earning sees it: what was paid for it after discounts."""

    sku_id: str = attrs.field(validator=text)
    category_ids: frozenset[str] = attrs.field(factory=frozenset, converter=to_frozenset)
    paid: Money = attrs.field(validator=money)

    def __attrs_post_init__(self) -> None:
        if self.paid.is_negative():
            raise InvalidValue("paid", self.paid, "must not be negative")


@attrs.frozen(kw_only=True)
class Purchase:
    """What an order paid, for earning: lines, freight, the member's tier and birthday."""

    currency: str
    lines: tuple[EarningLine, ...] = attrs.field(
        converter=to_tuple, validator=members(EarningLine, "EarningLine")
    )
    freight_paid: Money | None = attrs.field(
        default=None, validator=attrs.validators.optional(money)
    )
    tier_multiplier: Decimal = attrs.field(
        default=Decimal(1), converter=to_decimal, validator=_at_least_one
    )
    birthday: date | None = None
    at: datetime

    def __attrs_post_init__(self) -> None:
        currency_exponent(self.currency)
        aware("at", self.at)
        for amount in (
            *(line.paid for line in self.lines),
            *([self.freight_paid] if self.freight_paid else []),
        ):
            if amount.currency != self.currency:
                raise InvalidValue("currency", amount, f"must be in {self.currency}")
        if self.freight_paid is not None and self.freight_paid.is_negative():
            raise InvalidValue("freight_paid", self.freight_paid, "must not be negative")


@attrs.frozen
class EarnedPart:
    """``points`` of an earning given by ``rule``."""

    rule: str
    points: int


@attrs.frozen
class Earning:
    """The points a purchase earns and the rule behind each part (parts add up to it)."""

    points: int
    parts: tuple[EarnedPart, ...]


def _is_birthday(birthday: date | None, at: datetime, policy: EarningPolicy) -> bool:
    if birthday is None:
        return False
    today = local_midnight(at, policy.time_zone).date()
    if policy.birthday_rule is BirthdayRule.MONTH:
        return birthday.month == today.month
    if (birthday.month, birthday.day) == (2, 29) and today.year % 4:
        return (today.month, today.day) == (2, 28)
    return (birthday.month, birthday.day) == (today.month, today.day)


def points_for(purchase: Purchase, policy: EarningPolicy) -> Earning:
    """The points ``purchase`` earns under ``policy``, and which rule gave each part."""
    unit = Fraction(10) ** currency_exponent(purchase.currency)
    rate = Fraction(policy.points_per_unit) / unit
    tier = Fraction(purchase.tier_multiplier)
    birthday = (
        Fraction(policy.birthday_multiplier)
        if _is_birthday(purchase.birthday, purchase.at, policy)
        else Fraction(1)
    )
    exact: dict[str, Fraction] = {}

    def credit(rule: str, amount: Fraction) -> None:
        if amount:
            exact[rule] = exact.get(rule, Fraction(0)) + amount

    def earn(base: Fraction, base_rule: str, product_rule: str, product: Fraction) -> None:
        credit(base_rule, base * min(product, Fraction(1)))
        credit(product_rule, base * max(product - 1, Fraction(0)))
        credit("tier", base * product * (tier - 1))
        credit("birthday", base * product * tier * (birthday - 1))

    for line in purchase.lines:
        rule, factor = policy.multiplier_of(line)
        earn(line.paid.minor_units * rate, "base", rule, Fraction(factor))
    if policy.include_freight and purchase.freight_paid is not None:
        earn(purchase.freight_paid.minor_units * rate, "freight", "freight", Fraction(1))
    points = _whole_points(sum(exact.values(), start=Fraction(0)), policy.rounding)
    return Earning(points, _apportion(points, exact))


def _whole_points(exact: Fraction, rounding: Rounding) -> int:
    # Money.multiply holds the one implementation of every Rounding; one yen has no minor digits.
    return Money.from_minor(1, "JPY").multiply(exact, rounding=rounding).minor_units


def _apportion(points: int, exact: dict[str, Fraction]) -> tuple[EarnedPart, ...]:
    if not points:
        return ()
    rules = sorted(exact)
    scale = math.lcm(*(value.denominator for value in exact.values()))
    shares = allocate_minor(points, [int(exact[rule] * scale) for rule in rules])
    return tuple(
        EarnedPart(rule, share) for rule, share in zip(rules, shares, strict=True) if share
    )


# actions --------------------------------------------------------------------------


@attrs.frozen
class StreakBonus:
    """``points`` more on the ``day``-th consecutive day of a sign-in streak."""

    day: int = attrs.field(validator=positive)
    points: int = attrs.field(validator=non_negative)


@attrs.frozen(kw_only=True)
class ActionRule:
    """Points for an action (sign-in, review, share), with caps per day and per month."""

    action: str = attrs.field(validator=text)
    points: int = attrs.field(validator=non_negative)
    daily_cap: int | None = attrs.field(
        default=1,
        validator=attrs.validators.optional(non_negative),  # type: ignore[arg-type]
    )
    """Awards a day at most (None: no cap)."""
    period_cap: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(non_negative)
    )
    """Awards a calendar month at most (None: no cap)."""
    streak_bonuses: tuple[StreakBonus, ...] = attrs.field(default=(), converter=to_tuple)
    time_zone: str = attrs.field(default="Asia/Shanghai", validator=time_zone_field)


@attrs.frozen
class ActionAward:
    """What one action earns: ``points`` (0 when a cap stopped it, with the ``reason``)."""

    points: int
    streak: int = 0
    reason: str = ""


def action_points(rule: ActionRule, at: datetime, earlier: Sequence[datetime]) -> ActionAward:
    """The award for ``rule``'s action at ``at``, given the times it was ``earlier`` awarded.

    The streak counts consecutive days (in the merchant's time zone) with an
    award, ending today; a day's bonus applies on that day of the streak.
    """
    today = local_midnight(at, rule.time_zone).date()
    dates = [local_midnight(moment, rule.time_zone).date() for moment in earlier]
    if rule.daily_cap is not None and dates.count(today) >= rule.daily_cap:
        return ActionAward(0, reason=f"daily cap of {rule.daily_cap} reached")
    this_month = today.replace(day=1)
    if (
        rule.period_cap is not None
        and sum(day.replace(day=1) == this_month for day in dates) >= rule.period_cap
    ):
        return ActionAward(0, reason=f"monthly cap of {rule.period_cap} reached")
    streak = 1
    days = set(dates)
    while today - timedelta(days=streak) in days:
        streak += 1
    bonus = sum(extra.points for extra in rule.streak_bonuses if extra.day == streak)
    return ActionAward(rule.points + bonus, streak=streak)
