"""Expiry policies: the instant each rule's points are gone, in the merchant's time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given

from mallcore.errors import InvalidValue
from mallcore.loyalty import ExpiryPolicy, ExpiryRule
from mallcore.testing.strategies import aware_datetimes, expiry_policies

SHANGHAI = "Asia/Shanghai"
EARNED = datetime(2026, 3, 1, 10, tzinfo=UTC)


def expiry(rule: ExpiryRule, days: int | None = None, zone: str = SHANGHAI) -> str | None:
    moment = ExpiryPolicy(rule=rule, days=days, time_zone=zone).expires_at(EARNED)
    return None if moment is None else moment.isoformat()


def test_points_earned_any_day_of_2026_last_through_the_end_of_2027() -> None:
    # 京东 京豆 rules: beans stay valid until the end of the year after the one they were earned in
    assert expiry(ExpiryRule.END_OF_NEXT_YEAR) == "2028-01-01T00:00:00+08:00"


def test_points_valid_30_days_are_usable_through_the_30th_day_after_earning() -> None:
    # Beans docs, "Expiration": points expire a set number of days after they were earned
    assert expiry(ExpiryRule.DAYS_AFTER, days=30) == "2026-04-01T00:00:00+08:00"


def test_end_of_month_and_end_of_year_end_at_the_local_midnight() -> None:
    assert expiry(ExpiryRule.END_OF_MONTH) == "2026-04-01T00:00:00+08:00"
    assert expiry(ExpiryRule.END_OF_YEAR) == "2027-01-01T00:00:00+08:00"


def test_the_day_is_the_merchants_day_not_utcs() -> None:
    late_evening_utc = datetime(2026, 3, 31, 20, tzinfo=UTC)  # 1 April in Shanghai

    policy = ExpiryPolicy(rule=ExpiryRule.END_OF_MONTH, time_zone=SHANGHAI)

    assert policy.expires_at(late_evening_utc) == datetime(2026, 4, 30, 16, tzinfo=UTC)


def test_points_that_never_expire_have_no_expiry() -> None:
    assert expiry(ExpiryRule.NEVER) is None


def test_days_are_required_exactly_for_days_after() -> None:
    with pytest.raises(InvalidValue, match="days"):
        ExpiryPolicy(rule=ExpiryRule.DAYS_AFTER)
    with pytest.raises(InvalidValue, match="days"):
        ExpiryPolicy(rule=ExpiryRule.END_OF_YEAR, days=3)


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(InvalidValue, match="time_zone"):
        ExpiryPolicy(time_zone="Mars/Olympus")


@given(expiry_policies(), aware_datetimes(), aware_datetimes())
def test_a_later_earning_never_expires_earlier(
    policy: ExpiryPolicy, first: datetime, second: datetime
) -> None:
    early, late = sorted([first, second])

    early_end, late_end = policy.expires_at(early), policy.expires_at(late)

    if early_end is not None and late_end is not None:
        assert early_end <= late_end


@given(expiry_policies(), aware_datetimes())
def test_points_are_never_expired_on_the_day_they_are_earned(
    policy: ExpiryPolicy, earned: datetime
) -> None:
    end = policy.expires_at(earned)

    assert end is None or end - earned > timedelta(0)
