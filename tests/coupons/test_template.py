"""Coupon templates: limits, validity spans, claims and the coupon the quote prices."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mallcore.coupons import (
    CouponClaimed,
    CouponRefusal,
    CouponState,
    CouponTemplate,
    IssueLimits,
    UseLimits,
    Validity,
)
from mallcore.errors import CouponUnavailable, InvalidValue, WrongType
from mallcore.money import Money
from mallcore.pricing import AmountOffCoupon, Limits, PercentOffCoupon, Window
from mallcore.testing.strategies import aware_datetimes, coupon_templates, validities

SHANGHAI = "Asia/Shanghai"
MARCH_1_10AM_SHANGHAI = datetime(2024, 3, 1, 2, tzinfo=UTC)
TEN_OFF = AmountOffCoupon(
    id="ten-off", amount_off=Money("10", "CNY"), min_spend=Money("100", "CNY")
)


def _template(**changes: object) -> CouponTemplate:
    fields: dict[str, object] = {
        "id": "spring-10",
        "name": "满100减10",
        "coupon": TEN_OFF,
        "validity": Validity.relative(days=7),
    }
    fields.update(changes)
    return CouponTemplate(**fields)  # type: ignore[arg-type]


# validity --------------------------------------------------------------------------------


def test_seven_days_from_a_claim_is_an_exact_timestamp_by_default() -> None:
    # research-activities.md §5 C2 (CRMEB addUserCoupon): claimed 2024-03-01 10:00:00
    # with coupon_time 7, valid until 2024-03-08 10:00:00, not the end of that day.
    span = Validity.relative(days=7).span(MARCH_1_10AM_SHANGHAI)

    assert span == (MARCH_1_10AM_SHANGHAI, datetime(2024, 3, 8, 2, tzinfo=UTC))


def test_calendar_days_run_to_the_end_of_the_nth_day_counted_from_the_claim_day() -> None:
    # the pricing coupon's valid_days: day 1 is 1 March, day 7 ends at midnight of 8 March.
    until = Validity.calendar(7, time_zone=SHANGHAI).span(MARCH_1_10AM_SHANGHAI)[1]

    assert until.isoformat() == "2024-03-08T00:00:00+08:00"


def test_calendar_days_agree_with_the_pricing_coupons_valid_days() -> None:
    coupon = attrs.evolve(TEN_OFF, received_at=MARCH_1_10AM_SHANGHAI, valid_days=30)

    span = Validity.calendar(30).span(MARCH_1_10AM_SHANGHAI)

    assert coupon.valid_window() == Window(starts_at=span[0], ends_at=span[1])


def test_hours_add_to_days() -> None:
    span = Validity.relative(days=1, hours=6).span(MARCH_1_10AM_SHANGHAI)

    assert span[1] - span[0] == timedelta(hours=30)


def test_a_fixed_window_starts_at_the_claim_when_the_claim_is_later() -> None:
    window = Window(
        starts_at=datetime(2024, 2, 1, tzinfo=UTC), ends_at=datetime(2024, 4, 1, tzinfo=UTC)
    )

    span = Validity.fixed(window).span(MARCH_1_10AM_SHANGHAI)

    assert span == (MARCH_1_10AM_SHANGHAI, window.ends_at)


def test_a_fixed_window_not_yet_open_starts_at_its_start() -> None:
    window = Window(
        starts_at=datetime(2024, 3, 10, tzinfo=UTC), ends_at=datetime(2024, 4, 1, tzinfo=UTC)
    )

    assert Validity.fixed(window).span(MARCH_1_10AM_SHANGHAI)[0] == window.starts_at


@given(validities(), aware_datetimes())
def test_a_claims_validity_span_is_ordered_and_within_its_bounds(
    validity: Validity, claimed_at: datetime
) -> None:
    valid_from, valid_until = validity.span(claimed_at)

    assert valid_from <= valid_until
    if validity.window is not None:
        assert valid_until == validity.window.ends_at
        assert valid_from == valid_until or valid_from >= claimed_at
        starts = validity.window.starts_at
        assert starts is None or valid_from >= starts
    elif validity.calendar_days:
        days = validity.days or 0
        assert valid_from == claimed_at
        assert timedelta(days=days - 1, hours=-1) < valid_until - claimed_at
        assert valid_until - claimed_at <= timedelta(days=days, hours=1)
    else:
        exact = timedelta(days=validity.days or 0, hours=validity.hours or 0)
        assert (valid_from, valid_until) == (claimed_at, claimed_at + exact)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "needs exactly one of window and days/hours"),
        (
            {"window": Window(ends_at=MARCH_1_10AM_SHANGHAI), "days": 3},
            "needs exactly one of window and days/hours",
        ),
        ({"window": Window()}, "needs an ends_at: a coupon must expire"),
        ({"days": 1, "hours": 2, "calendar_days": True}, "counts days only"),
        ({"hours": 2, "calendar_days": True}, "counts days only"),
        ({"days": 0}, "must be a whole number of at least 1"),
        ({"days": 3661}, "must not run longer than 3660 days"),
        ({"days": 1, "time_zone": "Mars/Olympus"}, "must be an IANA time zone name"),
    ],
)
def test_a_validity_that_is_not_exactly_one_shape_is_refused(
    fields: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidValue, match=message):
        Validity(**fields)  # type: ignore[arg-type]


# limits and the template -----------------------------------------------------------------


def test_a_per_customer_claim_limit_above_the_total_is_refused() -> None:
    # research-activities.md §5 CP4 (CRMEB saveCoupon): receive_limit 3, total_count 2: rejected.
    with pytest.raises(InvalidValue) as refused:
        IssueLimits(total=2, per_customer=3)

    assert str(refused.value) == "per_customer: must not exceed total 2 (got 3)"


@pytest.mark.parametrize("count", [0, -1, True, 1.5])
def test_limits_are_positive_whole_numbers(count: object) -> None:
    with pytest.raises(InvalidValue):
        UseLimits(total=count)  # type: ignore[arg-type]


def test_a_budget_in_another_currency_than_the_coupon_is_refused() -> None:
    with pytest.raises(InvalidValue, match="must be in the coupon's currency CNY"):
        _template(use=UseLimits(budget=Money("100", "USD")))


@pytest.mark.parametrize(
    "change",
    [
        {"limits": Limits(total=1)},
        {"window": Window(ends_at=MARCH_1_10AM_SHANGHAI)},
        {"received_at": MARCH_1_10AM_SHANGHAI, "valid_days": 3},
    ],
)
def test_a_pricing_coupon_carrying_what_belongs_to_the_template_is_refused(
    change: dict[str, Any],
) -> None:
    with pytest.raises(InvalidValue, match="belongs to the template"):
        _template(coupon=attrs.evolve(TEN_OFF, **change))


def test_a_fixed_validity_ending_before_the_claim_window_is_refused() -> None:
    # research-activities.md §5 C1 (CRMEB saveCoupon): the use end must be >= the claim end.
    with pytest.raises(InvalidValue, match="must not be before the claim window's end"):
        _template(
            validity=Validity.fixed(Window(ends_at=datetime(2024, 3, 5, tzinfo=UTC))),
            claim_window=Window(ends_at=datetime(2024, 3, 6, tzinfo=UTC)),
        )


def test_a_shared_code_is_kept_normalised_and_a_bad_one_refused() -> None:
    assert _template(code="spring-2024").code == "SPRING2024"
    with pytest.raises(InvalidValue, match="must be 4 to 32 letters"):
        _template(code="春天")


def test_template_fields_of_the_wrong_type_are_refused() -> None:
    with pytest.raises(WrongType):
        _template(coupon="ten-off")
    with pytest.raises(InvalidValue):
        _template(id=" spring")


def test_editing_a_template_bumps_its_version() -> None:
    template = _template()

    edited = template.edited(name="春季满减")

    assert (edited.name, edited.version) == ("春季满减", 1)


# claims --------------------------------------------------------------------------------------


def test_a_claim_puts_an_available_instance_valid_from_the_claim_in_the_wallet() -> None:
    template = _template()

    instance, events = template.claim("c-1", "alice", at=MARCH_1_10AM_SHANGHAI, code="ab-cd-ef")

    assert instance.state is CouponState.AVAILABLE
    assert (instance.valid_from, instance.valid_until) == template.validity.span(
        MARCH_1_10AM_SHANGHAI
    )
    assert (instance.version, instance.code) == (0, "ABCDEF")
    assert events == (
        CouponClaimed(
            "c-1",
            "spring-10",
            "alice",
            MARCH_1_10AM_SHANGHAI,
            instance.valid_from,
            instance.valid_until,
            code="ABCDEF",
        ),
    )


@pytest.mark.parametrize(
    "claim_window",
    [
        Window(starts_at=MARCH_1_10AM_SHANGHAI + timedelta(seconds=1)),
        Window(ends_at=MARCH_1_10AM_SHANGHAI),
    ],
)
def test_a_claim_outside_the_claim_window_is_refused_as_claim_closed(claim_window: Window) -> None:
    template = _template(claim_window=claim_window)

    with pytest.raises(CouponUnavailable) as refused:
        template.claim("c-1", "alice", at=MARCH_1_10AM_SHANGHAI)

    assert refused.value.reason == CouponRefusal.CLAIM_CLOSED.value == "claim_closed"
    assert str(refused.value) == "coupon 'spring-10' cannot be used: claim_closed"


def test_a_claim_after_a_fixed_validity_ended_is_refused_as_expired() -> None:
    template = _template(validity=Validity.fixed(Window(ends_at=MARCH_1_10AM_SHANGHAI)))

    with pytest.raises(CouponUnavailable, match="expired"):
        template.claim("c-1", "alice", at=MARCH_1_10AM_SHANGHAI)


def test_a_claim_with_a_bad_customer_id_is_refused() -> None:
    with pytest.raises(InvalidValue, match="customer_id"):
        _template().claim("c-1", "", at=MARCH_1_10AM_SHANGHAI)


@given(coupon_templates(), st.data())
def test_every_claim_the_window_allows_gives_an_instance_of_the_template(
    template: CouponTemplate, data: st.DataObject
) -> None:
    at = data.draw(aware_datetimes())

    if template.claimability(at) is not None:
        with pytest.raises(CouponUnavailable):
            template.claim("c-1", "alice", at=at)
        return
    instance, events = template.claim("c-1", "alice", at=at)

    assert instance.template_id == template.id
    assert at <= instance.valid_from < instance.valid_until
    assert len(events) == 1


# the coupon the quote prices ---------------------------------------------------------------


def test_the_priced_coupon_is_the_templates_with_the_instances_id_and_validity() -> None:
    template = _template(
        coupon=PercentOffCoupon(id="x", percent_off=12, max_discount=Money("50", "CNY"))
    )
    instance, _ = template.claim("c-1", "alice", at=MARCH_1_10AM_SHANGHAI)

    coupon = template.pricing_coupon(instance)

    assert coupon == PercentOffCoupon(
        id="c-1",
        name="满100减10",
        percent_off=12,
        max_discount=Money("50", "CNY"),
        window=Window(starts_at=instance.valid_from, ends_at=instance.valid_until),
    )


def test_pricing_the_instance_of_another_template_is_refused() -> None:
    instance, _ = _template(id="other").claim("c-1", "alice", at=MARCH_1_10AM_SHANGHAI)

    with pytest.raises(InvalidValue, match="is not this template 'spring-10'"):
        _template().pricing_coupon(instance)
