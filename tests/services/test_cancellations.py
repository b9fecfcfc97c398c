"""Cancelling orders after payment: the customer asks, the merchant decides (docs/orders.md)."""

from __future__ import annotations

import pytest

from mallcore.errors import IllegalTransition
from mallcore.merchant import Settings
from mallcore.money import Money
from mallcore.orders import Actor, OrderStatus, PaymentState
from tests.services.conftest import Shop


def _paid(shop: Shop) -> None:
    shop.place({"tea": 2})
    shop.notify(*shop.payment())


def test_a_customer_cancelling_a_paid_unshipped_order_gets_everything_back_at_once(
    shop: Shop,
) -> None:
    _paid(shop)

    for _ in range(2):
        order = shop.mall.request_cancellation("O-1", reason="ordered twice")

    assert order.status is OrderStatus.CLOSED
    assert order.payment_state is PaymentState.REFUNDED
    assert order.history[-1].by is Actor.CUSTOMER
    assert [r.amount for r in shop.gateway.refunds()] == [Money("120.00", "CNY")]
    assert shop.stock("tea").on_hand == 10


def test_a_request_while_the_merchant_prepares_waits_for_the_merchant(shop: Shop) -> None:
    _paid(shop)
    shop.mall.start_fulfilment("O-1")

    waiting = shop.mall.request_cancellation("O-1", reason="found it cheaper")

    assert waiting.status is OrderStatus.PAID
    assert waiting.cancellation is not None
    assert shop.gateway.refunds() == ()
    granted = shop.mall.cancel_paid_order("O-1", reason="granted")
    assert granted.status is OrderStatus.CLOSED


def test_the_merchant_may_reject_a_waiting_request_with_a_reason(shop: Shop) -> None:
    _paid(shop)
    shop.mall.start_fulfilment("O-1")
    shop.mall.request_cancellation("O-1", reason="found it cheaper")

    kept = shop.mall.reject_cancellation("O-1", reason="already packed")

    assert (kept.status, kept.cancellation) == (OrderStatus.PAID, None)
    assert kept.history[-1].why == "already packed"


def test_with_the_setting_a_request_while_preparing_is_granted_at_once(shop: Shop) -> None:
    shop.configure(settings=Settings(approve_cancellations_while_preparing=True))
    _paid(shop)
    shop.mall.start_fulfilment("O-1")

    assert shop.mall.request_cancellation("O-1", reason="x").status is OrderStatus.CLOSED


def test_a_shipped_order_is_not_cancelled_and_nothing_changes(shop: Shop) -> None:
    _paid(shop)
    shop.ship(items={"tea": 1})
    before = shop.dump()

    with pytest.raises(IllegalTransition, match="from paid to cancelled"):
        shop.mall.request_cancellation("O-1", reason="too late")

    assert shop.dump() == before


def test_the_merchant_cancels_a_paid_order_with_a_reason_refunding_it_in_full(
    shop: Shop,
) -> None:
    _paid(shop)

    order = shop.mall.cancel_paid_order("O-1", reason="out of stock in the warehouse")

    assert order.status is OrderStatus.CLOSED
    assert order.end_reason == "out of stock in the warehouse"
    assert order.history[-1].by is Actor.MERCHANT
    (payment,) = shop.mall.payments("O-1")
    assert payment.refunded == payment.amount


def test_a_customer_cancelling_an_unpaid_order_gets_its_stock_back(shop: Shop) -> None:
    shop.place({"tea": 2})

    order = shop.mall.request_cancellation("O-1", reason="changed my mind")

    assert order.status is OrderStatus.CANCELLED
    assert shop.stock("tea").available == 10


def test_a_paid_partly_shipped_order_refunds_its_unshipped_units(shop: Shop) -> None:
    _paid(shop)
    shop.ship(items={"tea": 1})

    order = shop.mall.refund_order("O-1", "R-1", {"tea": 1}, reason="out of stock")

    assert order.status is OrderStatus.SHIPPED
    assert order.refunds[0].before_shipping
    assert [r.amount for r in shop.gateway.refunds()] == [Money("60.00", "CNY")]
