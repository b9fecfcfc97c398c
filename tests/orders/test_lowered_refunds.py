"""A lower agreed refund, apportioned over the units: never more than paid, exactly the amount."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mallcore.errors import InvalidValue
from mallcore.money import Money, total
from mallcore.orders import Order, OrderLine

AT = datetime(2026, 11, 11, tzinfo=UTC)


def _shipped(cents: list[int], freight: int = 0) -> Order:
    line = OrderLine(
        line_id="l",
        sku_id="s",
        quantity=len(cents),
        unit_payables=[Money.from_minor(c, "CNY") for c in cents],
    )
    order = Order(
        id="O",
        customer_id="c",
        currency="CNY",
        lines=[line],
        freight=Money.from_minor(freight, "CNY"),
        placed_at=AT,
        pay_by=AT,
    )
    order, _ = order.pay(payment_id="p", amount=order.payable, at=AT)
    order, _ = order.ship(waybill="W", carrier="SF", at=AT)
    return order


@settings(max_examples=60, deadline=None)
@given(
    cents=st.lists(st.integers(0, 100_000), min_size=1, max_size=6),
    data=st.data(),
)
def test_a_lowered_refund_pays_exactly_the_amount_and_no_unit_more_than_it_cost(
    cents: list[int], data: st.DataObject
) -> None:
    order = _shipped(cents)
    count = data.draw(st.integers(1, len(cents)))
    full = order.refund("x", units={"l": count}, at=AT, reason="r")[0].refunds[0]
    if full.amount.is_zero():
        return
    agreed = Money.from_minor(data.draw(st.integers(1, full.amount.minor_units)), "CNY")

    refunded, _ = order.refund("R", units={"l": count}, at=AT, reason="r", amount=agreed)

    (refund,) = refunded.refunds
    assert refund.amount == agreed
    assert all(
        0 <= lowered.minor_units <= paid.minor_units
        for lowered, paid in zip(refund.units[0].amounts, full.units[0].amounts, strict=True)
    )
    assert refunded.refunded <= refunded.payable
    assert total(refund.units[0].amounts, "CNY") == agreed


def test_an_agreed_amount_above_the_refund_or_below_its_freight_is_refused() -> None:
    order = _shipped([1000, 2000])

    for agreed in ("30.01", "0.00", "-1.00"):
        with pytest.raises(InvalidValue, match="amount"):
            order.refund("R", units={"l": 2}, at=AT, reason="r", amount=Money(agreed, "CNY"))


@settings(max_examples=60, deadline=None)
@given(
    cents=st.lists(st.integers(0, 10_000), min_size=1, max_size=4),
    postage=st.lists(st.integers(0, 5_000), min_size=1, max_size=4),
)
def test_return_postage_never_takes_the_refunds_above_what_was_paid(
    cents: list[int], postage: list[int]
) -> None:
    order = _shipped(cents, freight=500)
    for n, (extra, _) in enumerate(zip(postage, cents, strict=False)):
        try:
            order, _ = order.refund(
                f"R{n}",
                units={"l": 1},
                at=AT,
                reason="r",
                return_freight=Money.from_minor(extra, "CNY"),
            )
        except InvalidValue:
            continue
        assert order.refunded <= order.payable
    assert order.refunded <= order.payable
