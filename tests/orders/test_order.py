"""The order aggregate: placing from a quote, paying, shipping in packages, ending."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from mallcore.errors import IllegalTransition, InvalidValue, PaymentMismatch
from mallcore.money import Money
from mallcore.orders import (
    AxisMoved,
    Order,
    OrderPlaced,
    OrderStatus,
    OrderStatusChanged,
    PackageShipped,
)
from mallcore.pricing import Cart, CartLine, quote
from tests.orders.conftest import PLACED, cny, tea_order


def test_a_placed_order_keeps_what_each_unit_cost_after_the_discount() -> None:
    order = tea_order()

    assert order.status is OrderStatus.AWAITING_PAYMENT
    assert order.goods_payable == cny("140.00")
    assert order.payable == cny("148.00")
    assert order.line("tea").unit_payables == (cny("56.00"), cny("56.00"))
    assert order.line("cup").unit_payables == (cny("28.00"),)
    assert order.pay_by == PLACED + timedelta(minutes=30)


def test_placing_reports_the_order_placed() -> None:
    cart = Cart(
        currency="CNY",
        lines=[
            CartLine(
                line_id="1", sku_id="tea", product_id="tea", quantity=1, list_price=cny("5.00")
            )
        ],
    )

    _, events = Order.place(
        order_id="O-9",
        customer_id="bob",
        quote=quote(cart, now=PLACED),
        placed_at=PLACED,
        pay_within=timedelta(minutes=15),
    )

    assert events == (OrderPlaced("O-9", "bob", cny("5.00"), PLACED + timedelta(minutes=15)),)


def test_paying_the_payable_moves_the_order_to_paid() -> None:
    order = tea_order()
    at = PLACED + timedelta(minutes=3)

    paid, events = order.pay(payment_id="wx-1", amount=cny("148.00"), at=at)

    assert paid.status is OrderStatus.PAID
    assert paid.version == order.version + 1
    assert paid.paid_at == at
    assert events == (
        OrderStatusChanged("O-1", OrderStatus.AWAITING_PAYMENT, OrderStatus.PAID, at),
        AxisMoved("O-1", "payment", "unpaid", "paid", at),
    )


def test_the_same_payment_notified_twice_changes_nothing_the_second_time() -> None:
    paid, _ = tea_order().pay(payment_id="wx-1", amount=cny("148.00"), at=PLACED)

    again, events = paid.pay(payment_id="wx-1", amount=cny("148.00"), at=PLACED)

    assert (again, events) == (paid, ())


def test_a_payment_that_does_not_match_the_payable_is_refused_with_both_amounts() -> None:
    order = tea_order()

    with pytest.raises(PaymentMismatch) as refused:
        order.pay(payment_id="wx-1", amount=cny("140.00"), at=PLACED)

    assert str(refused.value) == (
        "order 'O-1': payment of 140.00 CNY does not match the payable 148.00 CNY"
    )


def test_a_second_payment_of_a_paid_order_is_an_illegal_transition() -> None:
    paid, _ = tea_order().pay(payment_id="wx-1", amount=cny("148.00"), at=PLACED)

    with pytest.raises(IllegalTransition, match="'O-1' cannot go from paid to paid"):
        paid.pay(payment_id="ali-7", amount=cny("148.00"), at=PLACED)


def test_an_order_ships_in_two_packages_and_is_shipped_when_the_last_unit_leaves() -> None:
    paid, _ = tea_order().pay(payment_id="wx-1", amount=cny("148.00"), at=PLACED)
    first_at, second_at = PLACED + timedelta(hours=2), PLACED + timedelta(hours=5)

    part, first_events = paid.ship(waybill="SF1", carrier="SF", at=first_at, items={"tea": 2})
    whole, second_events = part.ship(waybill="ZTO2", carrier="ZTO", at=second_at)

    assert part.status is OrderStatus.PAID
    assert part.unshipped_quantities() == {"cup": 1}
    assert [type(e) for e in first_events] == [PackageShipped, AxisMoved]
    assert whole.status is OrderStatus.SHIPPED
    assert whole.unshipped_quantities() == {}
    assert [type(e) for e in second_events] == [PackageShipped, OrderStatusChanged, AxisMoved]
    assert whole.version == paid.version + 2


def test_shipping_more_than_is_left_is_refused_and_changes_nothing() -> None:
    paid, _ = tea_order().pay(payment_id="wx-1", amount=cny("148.00"), at=PLACED)

    with pytest.raises(InvalidValue, match=r"items\['tea'\]: must not exceed the 2 unshipped"):
        paid.ship(waybill="SF1", carrier="SF", at=PLACED, items={"tea": 3})


def test_a_waybill_already_recorded_changes_nothing() -> None:
    paid, _ = tea_order().pay(payment_id="wx-1", amount=cny("148.00"), at=PLACED)
    shipped, _ = paid.ship(waybill="SF1", carrier="SF", at=PLACED)

    assert shipped.ship(waybill="SF1", carrier="SF", at=PLACED) == (shipped, ())


def test_an_unpaid_order_cannot_be_shipped() -> None:
    with pytest.raises(IllegalTransition, match="from awaiting_payment to shipped"):
        tea_order().ship(waybill="SF1", carrier="SF", at=PLACED)


def test_an_unpaid_order_is_cancelled_at_its_deadline_and_not_before() -> None:
    order = tea_order()

    early, none = order.expire(now=order.pay_by - timedelta(seconds=1))
    late, events = order.expire(now=order.pay_by)

    assert (early, none) == (order, ())
    assert late.status is OrderStatus.CANCELLED
    assert late.end_reason == "payment timeout"
    assert events == (
        OrderStatusChanged(
            "O-1",
            OrderStatus.AWAITING_PAYMENT,
            OrderStatus.CANCELLED,
            order.pay_by,
            "payment timeout",
        ),
    )


def test_a_paid_order_is_not_expired() -> None:
    paid, _ = tea_order().pay(payment_id="wx-1", amount=cny("148.00"), at=PLACED)

    assert paid.expire(now=PLACED + timedelta(days=3)) == (paid, ())


def test_a_cancelled_order_cannot_be_paid() -> None:
    cancelled, _ = tea_order().cancel(reason="customer asked", at=PLACED)

    with pytest.raises(IllegalTransition, match="from cancelled to paid"):
        cancelled.pay(payment_id="wx-1", amount=cny("148.00"), at=PLACED)


def test_a_delivered_order_is_auto_confirmed_after_its_window() -> None:
    paid, _ = tea_order().pay(payment_id="wx-1", amount=cny("148.00"), at=PLACED)
    shipped, _ = paid.ship(waybill="SF1", carrier="SF", at=PLACED + timedelta(days=1))
    delivered, _ = shipped.deliver(at=PLACED + timedelta(days=3))
    window = timedelta(days=7)

    before, _ = delivered.complete_if_due(
        now=PLACED + timedelta(days=10) - timedelta(seconds=1), after=window
    )
    after, _ = delivered.complete_if_due(now=PLACED + timedelta(days=10), after=window)

    assert before.status is OrderStatus.DELIVERED
    assert after.status is OrderStatus.COMPLETED
    assert after.completed_at == PLACED + timedelta(days=10)


def test_an_order_refuses_a_naive_time() -> None:
    with pytest.raises(InvalidValue, match="at"):
        tea_order().cancel(reason="customer asked", at=datetime(2026, 11, 11))


def test_an_order_with_lines_in_another_currency_cannot_be_built() -> None:
    order = tea_order()

    with pytest.raises(InvalidValue, match=r"order 'O-1'\.currency: must all be CNY"):
        Order(
            id="O-1",
            customer_id="alice",
            currency="CNY",
            lines=order.lines,
            freight=Money("1.00", "USD"),
            placed_at=PLACED,
            pay_by=PLACED,
        )
