"""Every coupon type round-trips through the one converter, and the JSON form reads well."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mallcore.coupons import (
    CouponEvent,
    CouponInstance,
    CouponState,
    CouponTemplate,
    IssueLimits,
    UseLimits,
    Validity,
    Wallet,
)
from mallcore.errors import InvalidDocument, MallcoreError
from mallcore.money import Money
from mallcore.pricing import AmountOffCoupon
from mallcore.serialization import converter, dumps, loads, structure

AT = datetime(2026, 11, 11, tzinfo=UTC)


@pytest.mark.parametrize(
    "cls", [CouponTemplate, CouponInstance, IssueLimits, UseLimits, Validity, Wallet]
)
@given(data=st.data())
def test_each_coupon_type_drawn_from_its_strategy_round_trips_through_json(
    cls: type[Any], data: st.DataObject
) -> None:
    value = data.draw(st.from_type(cls))

    assert loads(dumps(value), cls) == value


@given(st.from_type(CouponInstance), st.sampled_from(["O-1", "O-2"]))
def test_coupon_events_round_trip_as_the_union_written_alone_or_as_the_union(
    instance: CouponInstance, order: str
) -> None:
    events: list[CouponEvent] = []
    for command in ("lock", "use", "release"):
        try:
            instance, produced = getattr(instance, command)(order, at=AT)
        except MallcoreError:  # a refused command produces no event
            continue
        events.extend(produced)
    if instance.state is CouponState.AVAILABLE:
        events.extend(instance.void(at=AT, reason="活动取消")[1])

    for event in events:
        assert loads(dumps(event), CouponEvent) == event  # type: ignore[arg-type]
        as_union = converter.unstructure(event, unstructure_as=CouponEvent)
        assert structure(as_union, CouponEvent) == event  # type: ignore[arg-type]


def test_a_template_is_written_with_its_coupons_kind_and_its_code_normalised() -> None:
    template = CouponTemplate(
        id="spring-10",
        name="满100减10",
        coupon=AmountOffCoupon(id="c", amount_off=Money("10", "CNY")),
        validity=Validity.calendar(7),
        use=UseLimits(total=100, budget=Money("500", "CNY")),
        code="spring-2026",
    )

    data = json.loads(dumps(template))

    assert data["coupon"]["kind"] == "amount_off_coupon"
    assert data["code"] == "SPRING2026"
    assert data["use"]["budget"] == {"amount": "500.00", "currency": "CNY"}
    assert data["validity"] == {
        "window": None,
        "days": 7,
        "hours": None,
        "calendar_days": True,
        "time_zone": "Asia/Shanghai",
    }


def test_an_instance_document_breaking_a_rule_names_the_field() -> None:
    text = json.dumps(
        {
            "id": "c-1",
            "template_id": "t",
            "customer_id": "alice",
            "claimed_at": "2026-11-11T00:00:00+00:00",
            "valid_from": "2026-11-11T00:00:00+00:00",
            "valid_until": "2026-11-12T00:00:00+00:00",
            "state": "lost",
        }
    )

    with pytest.raises(InvalidDocument, match=r"\$\.state"):
        loads(text, CouponInstance, source="wallet.json")
