"""After-sales refunds (售后退款) on the order: units at what was paid for them, once each."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mallcore.errors import IllegalTransition, InvalidValue
from mallcore.money import Money
from mallcore.orders import (
    AxisMoved,
    Order,
    OrderLine,
    OrderRefunded,
    OrderStatus,
    OrderStatusChanged,
)
from mallcore.pricing import Cart, CartLine, quote
from tests.orders.conftest import PLACED, cny, tea_order

LATER = PLACED + timedelta(days=5)


def _tea_order() -> Order:
    """The tea-shop order, paid: tins at 56.00, a cup at 28.00 (满100减10), 8.00 freight."""
    paid, _ = tea_order().pay(payment_id="wx-1", amount=cny("148.00"), at=PLACED)
    return paid


def _completed() -> Order:
    shipped, _ = _tea_order().ship(waybill="SF1", carrier="SF", at=PLACED + timedelta(hours=3))
    completed, _ = shipped.complete(at=PLACED + timedelta(days=3))
    return completed


def test_a_returned_tin_gets_back_what_was_paid_for_it() -> None:
    order = _completed()

    refunded, events = order.refund("R1", units={"tea": 1}, at=LATER, reason="不想要了")

    (refund,) = refunded.refunds
    assert refund.amount == cny("56.00")
    assert refunded.refunded == cny("56.00")
    assert refunded.status is OrderStatus.COMPLETED
    assert refunded.version == order.version + 1
    assert events == (
        OrderRefunded("O-1", refund),
        AxisMoved("O-1", "payment", "paid", "partially_refunded", LATER),
    )


def test_the_last_units_of_a_line_are_refunded_first() -> None:
    # Three units sharing a 100.00 payable: the engine leaves the odd cent on
    # the first unit (largest remainder, the leftover on the last units).
    line = OrderLine(
        line_id="cups",
        sku_id="cup-white",
        quantity=3,
        unit_payables=[cny("33.34"), cny("33.33"), cny("33.33")],
    )
    order = Order(
        id="O-3",
        customer_id="bob",
        currency="CNY",
        lines=[line],
        freight=cny("0"),
        placed_at=PLACED,
        pay_by=PLACED + timedelta(minutes=30),
    )
    paid, _ = order.pay(payment_id="wx-3", amount=cny("100.00"), at=PLACED)
    shipped, _ = paid.ship(waybill="SF3", carrier="SF", at=PLACED)

    first, _ = shipped.refund("R1", units={"cups": 1}, at=LATER, reason="chipped")
    second, _ = first.refund("R2", units={"cups": 2}, at=LATER, reason="chipped")

    assert [r.units[0].amounts for r in second.refunds] == [
        (cny("33.33"),),
        (cny("33.33"), cny("33.34")),
    ]


def test_the_same_refund_applied_again_changes_nothing() -> None:
    once, _ = _completed().refund("R1", units={"tea": 1}, at=LATER, reason="不想要了")

    twice, events = once.refund("R1", units={"tea": 1}, at=LATER, reason="不想要了")

    assert (twice, events) == (once, ())


def test_a_unit_is_never_refunded_twice() -> None:
    order, _ = _completed().refund("R1", units={"tea": 2}, at=LATER, reason="不想要了")

    with pytest.raises(InvalidValue, match=r"units\['tea'\]: must not exceed the 0 unrefunded"):
        order.refund("R2", units={"tea": 1}, at=LATER, reason="不想要了")


def test_refunding_every_unit_of_a_paid_unshipped_order_closes_it_with_its_freight() -> None:
    order = _tea_order()

    closed, events = order.refund("R1", units={"tea": 2, "cup": 1}, at=LATER, reason="out of stock")

    assert closed.status is OrderStatus.CLOSED
    assert closed.refunded == order.payable == cny("148.00")
    assert (closed.ended_at, closed.end_reason) == (LATER, "out of stock")
    assert events[1] == OrderStatusChanged(
        "O-1", OrderStatus.PAID, OrderStatus.CLOSED, LATER, "out of stock"
    )


def test_a_paid_order_refunds_its_unshipped_units_and_ships_the_rest() -> None:
    order = _tea_order()

    refunded, _ = order.refund("R1", units={"tea": 1}, at=LATER, reason="changed my mind")

    assert refunded.status is OrderStatus.PAID
    assert refunded.refunded == cny("56.00")
    assert refunded.unshipped_quantities() == {"tea": 1, "cup": 1}
    shipped, _ = refunded.ship(waybill="SF1", carrier="SF", at=LATER)
    assert shipped.status is OrderStatus.SHIPPED
    assert shipped.shipments[0].items == (("tea", 1), ("cup", 1))


def test_a_paid_order_whose_unshipped_units_are_refunded_is_shipped() -> None:
    part, _ = _tea_order().ship(waybill="SF1", carrier="SF", at=PLACED, items={"cup": 1})

    shipped, events = part.refund("R1", units={"tea": 2}, at=LATER, reason="out of stock")

    assert shipped.status is OrderStatus.SHIPPED
    assert [type(event) for event in events] == [
        OrderRefunded,
        OrderStatusChanged,
        AxisMoved,
        AxisMoved,
    ]
    assert shipped.refunds[0].freight == cny("0")


def test_a_paid_order_does_not_refund_a_unit_already_shipped() -> None:
    part, _ = _tea_order().ship(waybill="SF1", carrier="SF", at=PLACED, items={"cup": 1})

    with pytest.raises(InvalidValue, match=r"units\['cup'\]: must not exceed the 0 unshipped"):
        part.refund("R1", units={"cup": 1}, at=LATER, reason="broken")


def test_a_delivered_order_returned_whole_is_closed_and_keeps_its_freight() -> None:
    shipped, _ = _tea_order().ship(waybill="SF1", carrier="SF", at=PLACED)
    delivered, _ = shipped.deliver(at=PLACED + timedelta(days=2))

    closed, _ = delivered.refund("R1", units={"tea": 2, "cup": 1}, at=LATER, reason="七天无理由")

    assert closed.status is OrderStatus.CLOSED
    assert closed.refunded == closed.goods_payable == cny("140.00")


def test_the_freight_may_be_refunded_with_the_units_up_to_what_was_paid() -> None:
    order = _completed()

    refunded, _ = order.refund(
        "R1", units={"cup": 1}, at=LATER, reason="quality problem", freight=cny("8.00")
    )

    assert refunded.refunds[0].amount == cny("36.00")
    with pytest.raises(InvalidValue, match=r"freight: must be between 0 and the 0\.00 CNY left"):
        refunded.refund("R2", units={}, at=LATER, reason="again", freight=cny("0.01"))


@pytest.mark.parametrize(
    ("units", "freight", "message"),
    [
        ({"teapot": 1}, None, r"units\['teapot'\]: is not a line of order 'O-1'"),
        ({"tea": 0}, None, r"units\['tea'\]: must be a whole number of at least 1"),
        ({"tea": 3}, None, r"units\['tea'\]: must not exceed the 2 unrefunded units"),
        ({}, None, "units: must name a unit, or freight, to refund"),
        ({"tea": 1}, Money("1.00", "USD"), "freight: must be a Money in CNY"),
        ({"tea": 1}, cny("8.01"), r"freight: must be between 0 and the 8\.00 CNY left"),
    ],
)
def test_a_bad_refund_is_refused_naming_the_field_and_changes_nothing(
    units: dict[str, int], freight: Money | None, message: str
) -> None:
    order = _completed()

    with pytest.raises(InvalidValue, match=message):
        order.refund("R1", units=units, at=LATER, reason="不想要了", freight=freight)

    assert order.refunds == ()
    assert order == _completed()


def test_an_unpaid_order_cannot_be_refunded() -> None:
    cart = Cart(
        currency="CNY",
        lines=[
            CartLine(line_id="1", sku_id="tea", product_id="tea", quantity=1, list_price=cny("5"))
        ],
    )
    order, _ = Order.place(
        order_id="O-9", customer_id="bob", quote=quote(cart, now=PLACED), placed_at=PLACED
    )

    with pytest.raises(IllegalTransition, match="from awaiting_payment to refunded"):
        order.refund("R1", units={"1": 1}, at=LATER, reason="不想要了")
